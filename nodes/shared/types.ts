// Types the node files share about each other (Node-RED glue only; logic lives in nodes/lib).
import type { Node, NodeDef, NodeAPI } from 'node-red';
import type { LiveValueTable, PlantError, PlantModel } from '../lib/plant';
import type { PlantHub } from '../lib/hub';

export type { Node, NodeDef, NodeAPI };

export interface PlantConfigNode extends Node {
  /** The last valid model; kept when a reload fails so the plant keeps running on it. */
  model?: PlantModel;
  /** Errors of the last load attempt (empty when it succeeded). */
  errors: PlantError[];
  live: LiveValueTable;
  /** Services (alarms, reason, approval) and events of this plant, for the console; also the audit log. */
  hub: PlantHub;
  /** Node-RED user directory, for state files and the audit database. */
  userDir: string;
  /** Called with every newly loaded model (file changed); returns an unsubscribe function. */
  onModel(cb: (model: PlantModel) => void): () => void;
}

/** Input handler arguments, typed loosely enough for Node-RED 4 and 5. */
export type Send = (msg: Record<string, unknown> | Array<Record<string, unknown> | null | Array<Record<string, unknown>>>) => void;
export type Done = (err?: Error) => void;
