// The published JSON Schema (schema/plant-model.schema.json) is generated from the zod
// schema at build time so editors validate plant files with exactly the loader's rules
// (the cross-reference checks need the whole model and stay in the loader).
import { z } from 'zod';
import { plantSchema } from './schema';

export function plantJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(plantSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $id: 'https://unpkg.com/node-red-contrib-operator-copilot/schema/plant-model.schema.json',
    title: 'Operator Copilot plant model',
    description: 'Tags, alarms (master alarm database), causes, influences and interlocks of one plant or unit.',
    ...schema,
  };
}
