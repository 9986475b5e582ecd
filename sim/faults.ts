// The fault catalogue of the demo plant: each fault the simulator can inject, what it does
// physically, and the demo plant model's cause id it should be diagnosed as.
import { z } from 'zod';

export const FAULT_TYPES = [
  'pump-trip',
  'valve-stuck',
  'loss-of-cooling',
  'feed-surge',
  'sensor-bias',
  'sensor-frozen',
  'controller-manual',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultSpec {
  type: FaultType;
  target: string;
  description: string;
  /** Cause id in examples/plants/reactor-unit-2.yaml; absent for faults the model has no cause for. */
  cause?: string;
  /** Default magnitude: valve position %, bias in engineering units, frozen reading, controller output %. */
  value?: number;
}

export interface ActiveFault {
  id: string;
  type: FaultType;
  target: string;
  value?: number;
  /** Simulated time of injection, ms since epoch. */
  since: number;
  cause?: string;
  description: string;
}

/** Listed by GET /faults, in this order; the first one is the demo's opening fault. */
export const FAULT_CATALOGUE: FaultSpec[] = [
  { type: 'pump-trip', target: 'P-301', cause: 'cw-pump-trip', description: 'Cooling water duty pump P-301 trips (motor overload); standby P-302 stays off' },
  { type: 'valve-stuck', target: 'TV-301', value: 8, cause: 'cw-valve-stuck', description: 'Cooling water valve TV-301 sticks nearly closed (8 %) whatever TIC-201 asks' },
  { type: 'loss-of-cooling', target: 'cooling-tower', value: 20, cause: 'cw-supply-hot', description: 'Cooling tower fans stop on a hot day: the cooling water supply warms by about 20 degC' },
  { type: 'feed-surge', target: 'FV-101', value: 95, cause: 'feed-valve-stuck-open', description: 'Feed valve FV-101 sticks at 95 % open: feed flow surges, FIC-101 winds down in vain' },
  { type: 'sensor-bias', target: 'TT-201', value: 24, cause: 'tt201-sensor-bias', description: 'Reactor temperature transmitter TT-201 reads 24 degC high; the reactor itself is fine' },
  { type: 'sensor-frozen', target: 'LT-201', value: 22, cause: 'lt201-stuck', description: 'Reactor level transmitter LT-201 freezes at 22 %; LIC-201 closes the product valve and the true level rises' },
  { type: 'controller-manual', target: 'TIC-201', value: 10, cause: 'tic201-manual', description: 'TIC-201 is left in manual with its output (TV-301) at 10 %' },
  { type: 'pump-trip', target: 'P-201', cause: 'product-pump-trip', description: 'Product pump P-201 trips: product flow stops and the reactor fills' },
];

/** Every (type, target) the physics supports; the catalogue is a subset. */
export const FAULT_TARGETS: Record<FaultType, string[]> = {
  'pump-trip': ['P-101', 'P-201', 'P-301', 'P-302'],
  'valve-stuck': ['FV-101', 'TV-301', 'LV-201'],
  'loss-of-cooling': ['cooling-tower'],
  'feed-surge': ['FV-101'],
  'sensor-bias': ['FT-101', 'TT-101', 'TT-201', 'PT-201', 'LT-201', 'FT-202', 'AT-201', 'FT-301', 'TT-301', 'TT-302', 'PT-301'],
  'sensor-frozen': ['FT-101', 'TT-101', 'TT-201', 'PT-201', 'LT-201', 'FT-202', 'AT-201', 'FT-301', 'TT-301', 'TT-302', 'PT-301'],
  'controller-manual': ['FIC-101', 'TIC-201', 'LIC-201'],
};

export const faultRequestSchema = z.strictObject({
  type: z.enum(FAULT_TYPES, { error: `type must be one of: ${FAULT_TYPES.join(', ')}` }),
  target: z.string({ error: 'target is required, e.g. "P-301" (see GET /faults)' }).min(1, 'target is required, e.g. "P-301" (see GET /faults)'),
  value: z.number({ error: 'value must be a number (valve %, bias, frozen reading or controller output %)' }).finite().optional(),
});
export type FaultRequest = z.infer<typeof faultRequestSchema>;

export function faultSpecFor(type: FaultType, target: string): FaultSpec | undefined {
  const known = FAULT_CATALOGUE.find((f) => f.type === type && f.target === target);
  if (known) return known;
  if (!FAULT_TARGETS[type].includes(target)) return undefined;
  return { type, target, description: `${type} on ${target}` };
}
