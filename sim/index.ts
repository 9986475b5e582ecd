// startSimulator: the demo plant, served over Modbus TCP, the HTTP fault API and (when asked)
// OPC UA, for `operator-copilot sim`, the demo, the tests and the benchmarks.
import { startHttpApi, type RunningHttpApi } from './http-api';
import { startModbusServer, type RunningModbusServer } from './modbus-server';
import type { RunningOpcuaServer } from './process-api';
import { ReactorProcess, STEP_S } from './reactor';

export { ReactorProcess } from './reactor';
export { FAULT_CATALOGUE } from './faults';
export type { ActiveFault, FaultSpec } from './faults';
export * from './modbus-map';

export interface SimulatorOptions {
  /** 0 = the OS picks a free port. */
  httpPort?: number;
  modbusPort?: number;
  /** Omit to run without OPC UA. */
  opcuaPort?: number;
  /** Simulated seconds per real second (default 1). */
  speed?: number;
  seed?: number;
  /** Modbus unit ids answered (default [1]) and unit ids that never answer. */
  unitIds?: number[];
  silentUnitIds?: number[];
  /** Modbus register table size (default 10,000). */
  registers?: number;
  /** OPC UA server extras (PKI folder, users). */
  opcua?: { pkiDir?: string; users?: Array<{ username: string; password: string }>; allowAnonymous?: boolean };
  /** Called when OPC UA cannot start; Modbus and HTTP keep running. */
  onOpcuaError?: (e: Error) => void;
}

export interface RunningSimulator {
  httpPort: number;
  modbusPort: number;
  opcuaPort?: number;
  opcuaError?: string;
  process: ReactorProcess;
  modbus: RunningModbusServer;
  stop(): Promise<void>;
}

/** Real-time tick: the plant advances `speed * TICK_MS` of simulated time per tick. */
const TICK_MS = 100;

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0 && speed <= 1000)) throw new Error(`speed must be between 0 and 1000 (simulated seconds per second), got ${speed}`);
  const proc = new ReactorProcess({ seed: opts.seed ?? 1 });
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of [...stoppers].reverse()) await s().catch(() => undefined);
  };
  try {
    const modbus = await startModbusServer(proc, {
      port: opts.modbusPort ?? 0,
      unitIds: opts.unitIds,
      silentUnitIds: opts.silentUnitIds,
      registers: opts.registers,
    });
    stoppers.push(() => modbus.stop());
    const api = await startHttpApi(proc, { port: opts.httpPort ?? 0 });
    stoppers.push(() => api.stop());

    let opcua: RunningOpcuaServer | undefined;
    let opcuaError: string | undefined;
    if (opts.opcuaPort !== undefined) {
      try {
        // Loaded only when asked for: node-opcua is large and slow to load.
        const { startOpcuaServer } = await import('./opcua-server');
        opcua = await startOpcuaServer(proc, { port: opts.opcuaPort, ...opts.opcua });
        const ua = opcua;
        stoppers.push(() => ua.stop());
      } catch (e) {
        opcuaError = (e as Error).message;
        opts.onOpcuaError?.(e as Error);
      }
    }

    // Wall-clock pacing: catch up by elapsed real time so a busy event loop does not slow the plant.
    let last = Date.now();
    let debt = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      debt += ((now - last) / 1000) * speed;
      last = now;
      // Never run more than 10 s of plant per tick (after a long pause, e.g. a debugger).
      debt = Math.min(debt, 10);
      const steps = Math.floor(debt / STEP_S + 1e-9);
      if (steps > 0) {
        proc.advance(steps * STEP_S);
        debt -= steps * STEP_S;
      }
    }, TICK_MS);
    timer.unref?.();
    stoppers.push(async () => clearInterval(timer));

    return {
      httpPort: api.port,
      modbusPort: modbus.port,
      opcuaPort: opcua?.port,
      opcuaError,
      process: proc,
      modbus,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
