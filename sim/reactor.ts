// Dynamic model of the demo plant (examples/plants/reactor-unit-2.yaml): a jacketed CSTR
// with an exothermic first-order reaction, feed flow control (FIC-101 on FV-101), temperature
// control on the cooling water valve (TIC-201 on TV-301), level control on the product valve
// (LIC-201 on LV-201) and a closed cooling water circuit with duty pump P-301, standby P-302
// and a cooling tower.
//
// Mass balance on the reactor volume, energy balances on the reactor contents and the jacket
// water, pump curves and valve characteristics for the flows, gas-pad compression plus vapour
// pressure for the reactor pressure. The process time constants are compressed (a 0.4 m3
// reactor, residence time about 2.5 minutes, thermal time constant about a minute) so that a
// fault shows its symptoms within a minute of simulated time, which the demo runs faster than
// real time.
import type { SimProcess, SimTagInfo } from './process-api';
import { SeededRandom } from './random';
import { type ActiveFault, type FaultRequest, type FaultSpec, type FaultType, faultSpecFor } from './faults';

/** Boiling point of the reactor contents at the pad pressure, degC. */
const BOILING_C = 98;

/** Differential head of the product pump P-201, bar. */
const PRODUCT_PUMP_HEAD_BAR = 3;

/** Integration step, simulated seconds. */
export const STEP_S = 0.1;

// --- plant constants (SI-ish engineering units: m3/h, kW, degC, barg) ----------------------
export const PLANT = {
  REACTOR_CAPACITY_M3: 0.4,
  FEED_VALVE_CV: 24, // m3/h at 100 % open with the feed pump running
  PRODUCT_VALVE_CV: 18, // m3/h at 100 % open at the normal reactor pressure
  CW_VALVE_CV: 36, // m3/h per sqrt(bar) at 100 % open
  CW_PUMP_SHUTOFF_BAR: 4.4, // header pressure at zero flow, one pump
  CW_PUMP_CURVE: 0.0005, // bar per (m3/h)^2 of flow per running pump
  CW_STATIC_BAR: 0.3, // header pressure with both pumps stopped (static head)
  WATER_HEAT: 1.163, // kW per (m3/h) per K
  FEED_HEAT: 0.3, // kW per (m3/h) per K: organic feed
  JACKET_UA: 14, // kW/K: reactor-side film (wall and process side); caps the heat transfer at high water flow
  JACKET_WATER_UA: 15, // kW/K: water-side film at 30 m3/h; grows with flow^0.8, limits at low flow (turndown)
  REACTION_HEAT: 58.5, // kW per (m3/h) of feed at full conversion (adiabatic temperature rise about 200 K)
  RATE_AT_70: 0.12, // 1/s, first-order rate constant at 70 degC
  ACTIVATION_K: 8000, // E/R in K
  REACTOR_HEAT_CAPACITY: 120, // kJ/K: contents plus wetted metal
  SUPPLY_NORMAL_C: 21, // cooling tower outlet with fans running
  PAD_GAS_BARA: 2.5, // nitrogen pad at 50 % level
  VAPOUR_BARA_AT_70: 0.8,
};
export type PlantParams = typeof PLANT;

interface Pid {
  sp: number;
  out: number;
  auto: boolean;
  integral: number;
  kc: number;
  tiS: number;
  /** +1: output rises when the measurement rises above the setpoint (cooling, level out). */
  action: 1 | -1;
}

export interface ReactorOptions {
  seed?: number;
  /** Simulated time at start, ms since epoch (default: now). */
  startTime?: number;
  /** Simulated seconds to run before serving, so the plant starts in steady state. */
  warmupS?: number;
  /** Plant constants, for tuning and tests; defaults are the demo plant. */
  params?: Partial<PlantParams>;
}

/** Measured tags with their noise (one standard deviation, engineering units). */
const NOISE: Record<string, number> = {
  'FT-101': 0.02,
  'TT-101': 0.03,
  'TT-201': 0.03,
  'PT-201': 0.003,
  'LT-201': 0.04,
  'FT-202': 0.02,
  'AT-201': 0.03,
  'FT-301': 0.05,
  'TT-301': 0.03,
  'TT-302': 0.03,
  'PT-301': 0.003,
};

const TAGS: SimTagInfo[] = [
  { name: 'P-101.RUN', kind: 'boolean', description: 'Feed pump running', area: 'feed', writable: false },
  { name: 'FT-101', kind: 'number', unit: 'm3/h', range: [0, 20], description: 'Feed flow', area: 'feed', writable: false },
  { name: 'FIC-101.SP', kind: 'number', unit: 'm3/h', range: [0, 20], description: 'Feed flow controller setpoint', area: 'feed', writable: true },
  { name: 'FIC-101.OUT', kind: 'number', unit: '%', range: [0, 100], description: 'Feed valve FV-101 position (controller output)', area: 'feed', writable: false },
  { name: 'FIC-101.AUTO', kind: 'boolean', description: 'Feed flow controller in AUTO', area: 'feed', writable: true },
  { name: 'TT-101', kind: 'number', unit: 'degC', range: [0, 60], description: 'Feed temperature', area: 'feed', writable: false },
  { name: 'TT-201', kind: 'number', unit: 'degC', range: [0, 150], description: 'Reactor temperature', area: 'reactor', writable: false },
  { name: 'TIC-201.SP', kind: 'number', unit: 'degC', range: [0, 150], description: 'Reactor temperature controller setpoint', area: 'reactor', writable: true },
  { name: 'TIC-201.OUT', kind: 'number', unit: '%', range: [0, 100], description: 'Cooling water valve TV-301 position (controller output)', area: 'reactor', writable: false },
  { name: 'TIC-201.AUTO', kind: 'boolean', description: 'Reactor temperature controller in AUTO', area: 'reactor', writable: true },
  { name: 'PT-201', kind: 'number', unit: 'barg', range: [0, 10], description: 'Reactor pressure', area: 'reactor', writable: false },
  { name: 'LT-201', kind: 'number', unit: '%', range: [0, 100], description: 'Reactor level', area: 'reactor', writable: false },
  { name: 'LIC-201.SP', kind: 'number', unit: '%', range: [0, 100], description: 'Reactor level controller setpoint', area: 'reactor', writable: true },
  { name: 'LIC-201.OUT', kind: 'number', unit: '%', range: [0, 100], description: 'Product valve LV-201 position (controller output)', area: 'reactor', writable: false },
  { name: 'LIC-201.AUTO', kind: 'boolean', description: 'Reactor level controller in AUTO', area: 'reactor', writable: true },
  { name: 'FT-202', kind: 'number', unit: 'm3/h', range: [0, 20], description: 'Product flow', area: 'reactor', writable: false },
  { name: 'AT-201', kind: 'number', unit: '%', range: [0, 100], description: 'Reactor conversion (analyser)', area: 'reactor', writable: false },
  { name: 'P-201.RUN', kind: 'boolean', description: 'Product pump running', area: 'reactor', writable: false },
  { name: 'P-301.RUN', kind: 'boolean', description: 'Cooling water pump P-301 (duty) running', area: 'cooling', writable: false },
  { name: 'P-302.RUN', kind: 'boolean', description: 'Cooling water pump P-302 (standby) running', area: 'cooling', writable: false },
  { name: 'FT-301', kind: 'number', unit: 'm3/h', range: [0, 60], description: 'Cooling water flow to the reactor jacket', area: 'cooling', writable: false },
  { name: 'TT-301', kind: 'number', unit: 'degC', range: [0, 50], description: 'Cooling water supply temperature', area: 'cooling', writable: false },
  { name: 'TT-302', kind: 'number', unit: 'degC', range: [0, 80], description: 'Cooling water return temperature', area: 'cooling', writable: false },
  { name: 'PT-301', kind: 'number', unit: 'barg', range: [0, 8], description: 'Cooling water header pressure', area: 'cooling', writable: false },
];

const TAG_INFO = new Map(TAGS.map((t) => [t.name, t]));

/** The loop whose measurement each controlled transmitter is. */
const PV_LOOPS: Record<string, string> = { 'FT-101': 'FIC-101', 'TT-201': 'TIC-201', 'LT-201': 'LIC-201' };

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
/** First-order lag toward a target with time constant tau (s). */
const lag = (x: number, target: number, tau: number, dt: number) => x + (target - x) * Math.min(1, dt / tau);

export class ReactorProcess implements SimProcess {
  readonly tags = TAGS;
  private readonly rng: SeededRandom;
  private simMs: number;
  private readonly listeners = new Set<() => void>();
  private faults: ActiveFault[] = [];
  private nextFaultId = 1;

  // true process state
  private pumps = { 'P-101': true, 'P-201': true, 'P-301': true, 'P-302': false };
  private feedFlow = 9;
  private productFlow = 9;
  private volume = PLANT.REACTOR_CAPACITY_M3 * 0.5;
  private temp = 70;
  private conversion = 0.92;
  private feedTemp = 25;
  private cwFlow = 30;
  private cwHeader = 3.8;
  private supplyTemp = PLANT.SUPPLY_NORMAL_C;
  private returnTemp = 30;
  private fic: Pid = { sp: 9, out: 37.5, auto: true, integral: 37.5, kc: 1.5, tiS: 2, action: -1 };
  private tic: Pid = { sp: 70, out: 50, auto: true, integral: 50, kc: 12, tiS: 8, action: 1 };
  private lic: Pid = { sp: 50, out: 50, auto: true, integral: 50, kc: 2, tiS: 30, action: 1 };
  /** Measurements as the instruments report them, refreshed every step. */
  private readings = new Map<string, number | boolean>();
  private noise = new Map<string, number>();
  /** Readings held by a sensor-frozen fault. */
  private frozen = new Map<string, number>();

  /** The plant constants in use. */
  readonly k: PlantParams;

  constructor(opts: ReactorOptions = {}) {
    this.k = { ...PLANT, ...opts.params };
    this.volume = this.k.REACTOR_CAPACITY_M3 * 0.5;
    this.supplyTemp = this.k.SUPPLY_NORMAL_C;
    this.rng = new SeededRandom(opts.seed ?? 1);
    this.simMs = opts.startTime ?? Date.now();
    const warm = opts.warmupS ?? 900;
    const start = this.simMs;
    this.advance(warm);
    // Warm-up is not part of the plant's history: the clock starts at the requested time.
    this.simMs = start;
    this.measure();
  }

  // --- SimProcess ----------------------------------------------------------------------------
  read(tag: string): number | boolean {
    const v = this.readings.get(tag);
    if (v === undefined) throw new Error(`unknown tag "${tag}"`);
    return v;
  }

  write(tag: string, value: number | boolean): void {
    const info = TAG_INFO.get(tag);
    if (!info) throw new Error(`unknown tag "${tag}"`);
    if (!info.writable) throw new Error(`${tag} is a process value and cannot be written; write a setpoint (*.SP) or a mode (*.AUTO)`);
    const loop = this.loopOf(tag.split('.')[0]);
    if (tag.endsWith('.SP')) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${tag} needs a number`);
      // A setpoint's limits are its tag's range (TAGS), the one list of them.
      const [lo, hi] = info.range ?? [-Infinity, Infinity];
      if (value < lo || value > hi) throw new Error(`${tag} = ${value} is outside its range ${lo}..${hi}`);
      loop.sp = value;
    } else {
      if (typeof value !== 'boolean') throw new Error(`${tag} needs true (AUTO) or false (MANUAL)`);
      if (value && !loop.auto) loop.integral = loop.out; // bumpless transfer to AUTO
      loop.auto = value;
    }
    this.measure();
  }

  time(): number {
    return this.simMs;
  }

  onStep(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  // --- running ------------------------------------------------------------------------------
  /** Advances the simulation by `seconds` of simulated time in fixed steps. */
  advance(seconds: number): void {
    const steps = Math.max(1, Math.round(seconds / STEP_S));
    for (let i = 0; i < steps; i++) this.step(STEP_S);
    this.measure();
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A server's listener failing must not stop the plant.
      }
    }
  }

  snapshot(): Record<string, number | boolean> {
    return Object.fromEntries(this.readings);
  }

  /** The true (unbiased) state, for tests and honest docs: what the instruments should read. */
  truth(): { temperature: number; level: number; pressure: number } {
    return { temperature: this.temp, level: this.levelPct(), pressure: this.reactorPressure() };
  }

  // --- faults -------------------------------------------------------------------------------
  activeFaults(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Returns undefined for a (type, target) the plant does not have. */
  inject(req: FaultRequest): ActiveFault | undefined {
    const spec: FaultSpec | undefined = faultSpecFor(req.type, req.target);
    if (!spec) return undefined;
    const value = req.value ?? spec.value ?? this.defaultFaultValue(req.type, req.target);
    const fault: ActiveFault = {
      id: `F${this.nextFaultId++}`,
      type: req.type,
      target: req.target,
      value,
      since: this.simMs,
      cause: spec.cause,
      description: spec.description,
    };
    // A second fault of the same kind on the same target replaces the first.
    this.faults = this.faults.filter((f) => !(f.type === fault.type && f.target === fault.target));
    this.faults.push(fault);
    if (fault.type === 'sensor-frozen') this.frozen.set(fault.target, value ?? (this.readings.get(fault.target) as number));
    if (fault.type === 'pump-trip') this.pumps[fault.target as keyof typeof this.pumps] = false;
    if (fault.type === 'controller-manual') {
      const loop = this.loopOf(fault.target);
      loop.auto = false;
      if (value !== undefined) loop.out = clamp(value, 0, 100);
    }
    this.measure();
    return { ...fault };
  }

  clear(id: string): boolean {
    const f = this.faults.find((x) => x.id === id);
    if (!f) return false;
    this.faults = this.faults.filter((x) => x !== f);
    this.undo(f);
    this.measure();
    return true;
  }

  clearAll(): number {
    const cleared = this.faults;
    this.faults = [];
    for (const f of cleared) this.undo(f);
    const n = cleared.length;
    this.measure();
    return n;
  }

  /** Clearing a fault is the repair: the pump is restarted, the valve freed, the loop back in AUTO. */
  private undo(f: ActiveFault): void {
    if (f.type === 'pump-trip') this.pumps[f.target as keyof typeof this.pumps] = f.target !== 'P-302';
    if (f.type === 'sensor-frozen') this.frozen.delete(f.target);
    if (f.type === 'controller-manual') {
      const loop = this.loopOf(f.target);
      loop.integral = loop.out;
      loop.auto = true;
    }
    // A biased transmitter is recalibrated with its loop in manual and the loop returned to AUTO
    // bumplessly: the output does not kick when the reading steps back to the truth. (A frozen
    // transmitter that comes back to life is not: its loop sees the jump and acts on it.)
    const loop = f.type === 'sensor-bias' && PV_LOOPS[f.target];
    if (loop) {
      const pid = this.loopOf(loop);
      pid.integral = pid.out - pid.kc * pid.action * (this.measured(f.target) - pid.sp);
    }
  }

  /** Magnitude of a fault outside the catalogue (the catalogue's faults carry their own). */
  private defaultFaultValue(type: FaultType, target: string): number | undefined {
    if (type === 'valve-stuck') return 10;
    if (type === 'sensor-bias') {
      const r = TAG_INFO.get(target)?.range ?? [0, 100];
      return (r[1] - r[0]) * 0.12;
    }
    // sensor-frozen freezes at the present reading, controller-manual holds the present output.
    return undefined;
  }

  private fault(type: string, target: string): ActiveFault | undefined {
    return this.faults.find((f) => f.type === type && f.target === target);
  }

  private loopOf(name: string): Pid {
    if (name === 'FIC-101') return this.fic;
    if (name === 'TIC-201') return this.tic;
    if (name === 'LIC-201') return this.lic;
    throw new Error(`unknown controller "${name}"`);
  }

  // --- physics ------------------------------------------------------------------------------
  private levelPct(): number {
    return (this.volume / this.k.REACTOR_CAPACITY_M3) * 100;
  }

  private reactorPressure(): number {
    const gas = (this.k.PAD_GAS_BARA * 50) / Math.max(2, 100 - this.levelPct());
    const vapour = this.k.VAPOUR_BARA_AT_70 * Math.exp(0.03 * (this.temp - 70));
    // PSV-201 lifts at 6 barg and holds the pressure there.
    return Math.min(gas + vapour - 1.013, 6.2);
  }

  /** Valve position the valve actually takes (a stuck valve ignores its controller). */
  private valvePosition(valve: string, commanded: number): number {
    const stuck = this.fault('valve-stuck', valve) ?? (valve === 'FV-101' ? this.fault('feed-surge', valve) : undefined);
    return stuck?.value !== undefined ? clamp(stuck.value, 0, 100) : commanded;
  }

  private pidStep(pid: Pid, pv: number, dt: number): void {
    if (!pid.auto) return;
    const e = pid.action * (pv - pid.sp);
    const p = pid.kc * e;
    // Integrate only while the output is not saturated in the same direction (anti-windup).
    const next = pid.integral + (pid.kc * e * dt) / pid.tiS;
    const unclamped = p + next;
    if ((unclamped < 100 || e < 0) && (unclamped > 0 || e > 0)) pid.integral = next;
    pid.integral = clamp(pid.integral, -100, 200);
    pid.out = clamp(p + pid.integral, 0, 100);
  }

  private step(dt: number): void {
    this.simMs += dt * 1000;

    // Controllers act on what their transmitters report (a biased or frozen sensor fools them).
    this.pidStep(this.fic, this.measured('FT-101', this.feedFlow), dt);
    this.pidStep(this.tic, this.measured('TT-201', this.temp), dt);
    this.pidStep(this.lic, this.measured('LT-201', this.levelPct()), dt);

    // Feed: pump plus FV-101.
    const fv = this.valvePosition('FV-101', this.fic.out);
    const feedTarget = this.pumps['P-101'] ? (this.k.FEED_VALVE_CV * fv) / 100 : 0;
    this.feedFlow = lag(this.feedFlow, feedTarget, 1.5, dt);
    this.feedTemp = lag(this.feedTemp, 25 + 0.8 * Math.sin(this.simMs / 600_000), 60, dt);

    // Product: P-201 plus LV-201, driven by the pump head plus the reactor pressure (a fuller,
    // more pressurised reactor pushes more product out).
    const lv = this.valvePosition('LV-201', this.lic.out);
    const drive = Math.max(0, PRODUCT_PUMP_HEAD_BAR + this.reactorPressure()) / (PRODUCT_PUMP_HEAD_BAR + 2.3);
    const productTarget = this.pumps['P-201'] ? ((this.k.PRODUCT_VALVE_CV * lv) / 100) * Math.sqrt(drive) : 0;
    this.productFlow = lag(this.productFlow, productTarget, 1.5, dt);

    // Mass balance (overflow to the vent line above 100 %).
    this.volume = clamp(this.volume + ((this.feedFlow - this.productFlow) / 3600) * dt, 0, this.k.REACTOR_CAPACITY_M3);

    // Cooling water circuit: pumps in parallel against TV-301 and the jacket.
    const running = (this.pumps['P-301'] ? 1 : 0) + (this.pumps['P-302'] ? 1 : 0);
    const tv = this.valvePosition('TV-301', this.tic.out);
    let flowTarget = 0;
    let header = this.k.CW_STATIC_BAR;
    if (running > 0) {
      const g = (this.k.CW_VALVE_CV * tv) / 100;
      const a = this.k.CW_PUMP_CURVE / (running * running);
      flowTarget = Math.sqrt((g * g * this.k.CW_PUMP_SHUTOFF_BAR) / (1 + g * g * a));
      header = this.k.CW_PUMP_SHUTOFF_BAR - a * flowTarget * flowTarget;
    }
    this.cwFlow = lag(this.cwFlow, flowTarget, 1.5, dt);
    this.cwHeader = lag(this.cwHeader, header, 1.0, dt);

    // Cooling tower: with the fans off the supply warms toward the load-dependent natural-draft temperature.
    const tower = this.fault('loss-of-cooling', 'cooling-tower');
    this.supplyTemp = lag(this.supplyTemp, this.k.SUPPLY_NORMAL_C + (tower?.value ?? 0), 8, dt);

    // Reaction: first-order, Arrhenius; conversion of a CSTR at the present residence time.
    const rate = this.k.RATE_AT_70 * Math.exp(-this.k.ACTIVATION_K * (1 / (this.temp + 273.15) - 1 / 343.15));
    const residenceS = this.feedFlow > 0.05 ? (this.volume / this.feedFlow) * 3600 : 1e6;
    const conversionSS = (rate * residenceS) / (1 + rate * residenceS);
    this.conversion = lag(this.conversion, conversionSS, 8, dt);
    const heatReaction = this.k.REACTION_HEAT * this.feedFlow * this.conversion;
    const heatFeed = this.k.FEED_HEAT * this.feedFlow * (this.temp - this.feedTemp);

    // Jacket: effectiveness of a once-through jacket with the reactor at uniform temperature.
    let heatCooling = 0;
    let returnTarget: number;
    if (this.cwFlow > 0.3) {
      const cap = this.k.WATER_HEAT * this.cwFlow;
      // Two films in series: the water side grows with velocity (Dittus-Boelter, flow^0.8), the
      // reactor side does not; at high flow the reactor side caps what more water can do.
      const waterSide = this.k.JACKET_WATER_UA * Math.pow(this.cwFlow / 30, 0.8);
      const ua = 1 / (1 / this.k.JACKET_UA + 1 / waterSide);
      const eff = 1 - Math.exp(-ua / cap);
      heatCooling = cap * eff * (this.temp - this.supplyTemp);
      returnTarget = this.supplyTemp + heatCooling / cap;
    } else {
      // Stagnant water: a little heat by conduction, the return thermowell drifts toward the supply side.
      heatCooling = 0.05 * this.k.JACKET_UA * (this.temp - this.supplyTemp);
      returnTarget = this.supplyTemp + 0.3 * (this.temp - this.supplyTemp);
    }
    this.returnTemp = lag(this.returnTemp, returnTarget, this.cwFlow > 0.3 ? 4 : 30, dt);
    const wetted = clamp(this.levelPct() / 50, 0.2, 1.6);
    this.temp += ((heatReaction - heatFeed - heatCooling) / (this.k.REACTOR_HEAT_CAPACITY * wetted)) * dt;
    // The solvent boils at about 98 degC under the pad pressure; the vent condenser holds it there.
    this.temp = clamp(this.temp, 0, BOILING_C);

    // Measurement noise: slowly varying (filtered white noise), deterministic from the seed.
    for (const [tag, sigma] of Object.entries(NOISE)) {
      const prev = this.noise.get(tag) ?? 0;
      this.noise.set(tag, prev * 0.9 + sigma * Math.sqrt(1 - 0.81) * this.rng.gaussian());
    }
  }

  private truthOf(tag: string): number {
    switch (tag) {
      case 'FT-101':
        return this.feedFlow;
      case 'TT-101':
        return this.feedTemp;
      case 'TT-201':
        return this.temp;
      case 'PT-201':
        return this.reactorPressure();
      case 'LT-201':
        return this.levelPct();
      case 'FT-202':
        return this.productFlow;
      case 'AT-201':
        return this.conversion * 100;
      case 'FT-301':
        return this.cwFlow;
      case 'TT-301':
        return this.supplyTemp;
      case 'TT-302':
        return this.returnTemp;
      case 'PT-301':
        return this.cwHeader;
      default:
        throw new Error(`not a measurement: ${tag}`);
    }
  }

  /** What the transmitter reports: truth + noise, biased or frozen by a sensor fault, clamped to its range. */
  private measured(tag: string, truth?: number): number {
    const frozen = this.frozen.get(tag);
    if (frozen !== undefined) return frozen;
    const bias = this.fault('sensor-bias', tag)?.value ?? 0;
    const range = TAG_INFO.get(tag)?.range ?? [0, 100];
    return clamp((truth ?? this.truthOf(tag)) + bias + (this.noise.get(tag) ?? 0), range[0], range[1]);
  }

  private measure(): void {
    const r = this.readings;
    r.set('P-101.RUN', this.pumps['P-101']);
    r.set('P-201.RUN', this.pumps['P-201']);
    r.set('P-301.RUN', this.pumps['P-301']);
    r.set('P-302.RUN', this.pumps['P-302']);
    for (const tag of Object.keys(NOISE)) r.set(tag, this.measured(tag));
    r.set('FIC-101.SP', this.fic.sp);
    r.set('FIC-101.OUT', this.fic.out);
    r.set('FIC-101.AUTO', this.fic.auto);
    r.set('TIC-201.SP', this.tic.sp);
    r.set('TIC-201.OUT', this.tic.out);
    r.set('TIC-201.AUTO', this.tic.auto);
    r.set('LIC-201.SP', this.lic.sp);
    r.set('LIC-201.OUT', this.lic.out);
    r.set('LIC-201.AUTO', this.lic.auto);
  }
}
