// The plant model schema (DESIGN §3): the master alarm database plus the process knowledge
// the reasoner needs. Objects are strict so a misspelt field ("limt") is an error, not a
// silently ignored line. Cross-references (tags named by alarms, causes, ...) are checked
// in validate.ts, where the whole model is known.
import { z } from 'zod';

export const TAG_NAME = z.string().trim().min(1, 'must not be empty');

const duration = z.union([z.number().nonnegative(), z.string().min(1)]).describe(
  'A duration: "500ms", "2s", "5m", "1h", or a number of seconds',
);

const pair = z.tuple([z.number(), z.number()]);

export const MODBUS_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bool'] as const;
export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

export const modbusSourceSchema = z
  .strictObject({
    connection: z.string().min(1).describe('Name of a copilot-modbus connection in the flow'),
    address: z
      .string()
      .regex(
        /^(HR|IR|CO|DI):\d+(\.\d{1,2})?$/,
        'must be AREA:offset, e.g. "HR:100", "IR:5", "CO:3", "DI:3", or "HR:10.3" for bit 3 of a register',
      )
      .describe('Register area and zero-based offset; .bit for a bit inside a register'),
    type: z.enum(MODBUS_TYPES).optional().describe('Register encoding; default float32 for registers, bool for coils/inputs'),
    order: z.enum(BYTE_ORDERS).optional().describe('Byte and word order of multi-register values; default ABCD (big-endian)'),
    unitId: z.number().int().min(0).max(255).optional().describe('Modbus unit id; default from the connection'),
    scale: z
      .strictObject({ raw: pair, eng: pair })
      .optional()
      .describe('Linear scaling from raw register value to engineering units'),
  })
  .describe('Modbus source');

export const opcuaSourceSchema = z
  .strictObject({
    connection: z.string().min(1).describe('Name of a copilot-opcua endpoint in the flow'),
    nodeId: z.string().min(3).describe('OPC UA NodeId, e.g. "ns=2;s=Reactor.TT201"'),
  })
  .describe('OPC UA source');

export const writableSchema = z.strictObject({
  min: z.number(),
  max: z.number(),
  maxStep: z.number().positive().optional().describe('Largest change allowed in one write, in engineering units'),
  roles: z.array(z.string().min(1)).min(1).optional().describe('Roles allowed to approve a write; default [operator]'),
  approvals: z.union([z.literal(1), z.literal(2)]).optional().describe('2 = four-eyes: a second, different user must confirm'),
  tolerance: z.number().nonnegative().optional().describe('Read-back tolerance; default 0.5% of the write range'),
});

export const tagSchema = z.strictObject({
  name: TAG_NAME.describe('Unique tag name, as operators call it'),
  description: z.string().optional(),
  unit: z.string().optional(),
  type: z.enum(['number', 'boolean', 'string']).optional().describe('Value kind; default number'),
  range: pair.optional().describe('Engineering range [low, high]'),
  normal: z
    .union([pair, z.boolean(), z.string()])
    .optional()
    .describe('Normal operating band [low, high], or the normal state of a boolean/string tag'),
  area: z.string().optional(),
  deadband: z.number().nonnegative().optional().describe('Report-by-exception deadband in engineering units'),
  source: z.union([modbusSourceSchema, opcuaSourceSchema]).optional().describe('Where the value comes from; none = from messages'),
  writable: writableSchema.optional(),
});

export const ALARM_TYPES = ['HIHI', 'HI', 'LO', 'LOLO', 'DEV', 'ROC', 'DISCRETE', 'BAD_PV'] as const;
export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;

export const alarmSchema = z.strictObject({
  id: z.string().min(1).optional().describe('Default "<tag>:<type>"'),
  tag: TAG_NAME,
  type: z.enum(ALARM_TYPES),
  limit: z
    .union([z.number(), z.boolean(), z.string()])
    .optional()
    .describe('Trip limit; for DEV the allowed deviation, for ROC units per minute, for DISCRETE the alarm state'),
  reference: z.union([z.string(), z.number()]).optional().describe('DEV: the reference tag name or value'),
  direction: z
    .enum(['rising', 'falling', 'both'])
    .optional()
    .describe('ROC: which change raises it (default both); "rising" lets a transmitter that is reset or recalibrated step back down without an alarm'),
  deadband: z.number().nonnegative().optional(),
  onDelay: duration.optional(),
  offDelay: duration.optional(),
  maxAge: duration.optional().describe('BAD_PV: a value older than this is stale'),
  priority: z.enum(PRIORITIES),
  message: z.string().min(1),
  cause: z.string().optional(),
  consequence: z.string().optional(),
  action: z.string().optional(),
  responseTime: duration.optional(),
  suppressWhen: z.string().optional().describe('Condition on plant state, e.g. "P-101.RUN == false"'),
  latched: z.boolean().optional().describe('Stays active after return to normal until reset'),
  position: z.string().optional().describe('Operator position (console) that handles it; default the area'),
});

export const setpointActionSchema = z.strictObject({
  setpoint: TAG_NAME,
  change: z
    .union([z.number(), z.string().regex(/^[+-=]?\d+(\.\d+)?%?$/, 'must be like "-30%", "+2", "=5" or a number')])
    .describe('"-30%" relative, "+2" step, "=5" absolute'),
  note: z.string().optional(),
});

export const causeSchema = z.strictObject({
  id: z.string().min(1).regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, - _ . : only'),
  description: z.string().min(1),
  evidence: z.record(z.string(), z.union([z.enum(['high', 'low', 'normal']), z.boolean(), z.string()])),
  actions: z.array(z.union([z.string().min(1), setpointActionSchema])).optional(),
  area: z.string().optional(),
});

export const influenceSchema = z.tuple([TAG_NAME, TAG_NAME, z.enum(['+', '-'])]);

export const interlockSchema = z.strictObject({
  id: z.string().min(1),
  description: z.string().optional(),
  when: z.string().min(1).describe('Condition on plant state that blocks the writes, e.g. "TT-201 > 110"'),
  blocks: z.array(TAG_NAME).min(1).describe('Writable tags this interlock forbids writing while the condition holds'),
});

export const plantSchema = z.strictObject({
  $schema: z.string().optional(),
  plant: z.string().min(1).describe('Plant or unit name'),
  areas: z.array(z.string().min(1)).optional(),
  tags: z.array(tagSchema).min(1, 'a plant model needs at least one tag'),
  alarms: z.array(alarmSchema).optional(),
  alarmFiles: z
    .array(z.string().min(1))
    .optional()
    .describe('CSV alarm lists (master alarm database exports), relative to this file'),
  causes: z.array(causeSchema).optional(),
  influences: z.array(influenceSchema).optional(),
  interlocks: z.array(interlockSchema).optional(),
});

export type PlantFile = z.infer<typeof plantSchema>;
export type TagSpec = z.infer<typeof tagSchema>;
export type AlarmSpec = z.infer<typeof alarmSchema>;
export type CauseSpec = z.infer<typeof causeSchema>;
export type InterlockSpec = z.infer<typeof interlockSchema>;
export type ModbusSource = z.infer<typeof modbusSourceSchema>;
export type OpcuaSource = z.infer<typeof opcuaSourceSchema>;
export type Writable = z.infer<typeof writableSchema>;
export type AlarmType = (typeof ALARM_TYPES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type ModbusType = (typeof MODBUS_TYPES)[number];
export type ByteOrder = (typeof BYTE_ORDERS)[number];
