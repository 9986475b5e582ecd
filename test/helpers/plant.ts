// The demo plant (examples/plants/reactor-unit-2.yaml) for tests: its path, its model loaded once
// per test file (a plant that does not load fails right here, naming the errors, instead of as a
// TypeError far away), and fresh live values for the tags the approval and write tests touch.
import * as path from 'node:path';
import { formatPlantError, loadPlantFile, type PlantModel, type TagValue } from '../../nodes/lib/plant';

/** The demo plant file, reactor-unit-2. */
export const DEMO_PLANT_FILE = path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml');

let demo: PlantModel | undefined;

/** The demo plant's model, loaded on the first call; throws with the plant errors if it does not load. */
export function demoModel(): PlantModel {
  if (demo) return demo;
  const loaded = loadPlantFile(DEMO_PLANT_FILE);
  if (!loaded.model) throw new Error(`the demo plant model does not load:\n${loaded.errors.map(formatPlantError).join('\n')}`);
  demo = loaded.model;
  return demo;
}

/** Values the demo plant's setpoints and interlock tags hold in freshLive, good and timestamped now. */
const FRESH: Readonly<Record<string, TagValue>> = { 'FIC-101.SP': 10, 'TIC-201.SP': 70, 'LIC-201.SP': 50, 'PT-201': 2.5, 'P-101.RUN': true };

/** Gives a copilot-plant node's live table fresh, good values for the tags approvals and writes check. */
export function freshLive(plant: { live: { update(tag: string, value: { value: TagValue; quality: 'good'; timestamp: number }): unknown } }): void {
  const now = Date.now();
  for (const [tag, value] of Object.entries(FRESH)) plant.live.update(tag, { value, quality: 'good', timestamp: now });
}
