// The simulated plant as the protocol servers see it. The Modbus TCP server and the OPC UA
// server serve the same SimProcess, so both protocols always show the same plant state.
export interface SimTagInfo {
  name: string;
  kind: 'number' | 'boolean';
  unit?: string;
  range?: [number, number];
  description?: string;
  area?: string;
  /** Setpoints and controller modes accept writes; process values do not. */
  writable: boolean;
}

export interface SimProcess {
  readonly tags: SimTagInfo[];
  /** The value as the instrument reports it (sensor faults included). */
  read(tag: string): number | boolean;
  /** Writes a setpoint or mode; throws an Error with a clear message when the tag is not writable. */
  write(tag: string, value: number | boolean): void;
  /** Simulated time, ms since epoch. */
  time(): number;
  /** Called after every simulation step; returns an unsubscribe function. */
  onStep(cb: () => void): () => void;
}

export interface OpcuaServerOptions {
  port: number;
  /** Folder for the server's PKI (certificates); created if missing. */
  pkiDir?: string;
  /** Username/password accounts; anonymous is also allowed unless `allowAnonymous` is false. */
  users?: Array<{ username: string; password: string }>;
  allowAnonymous?: boolean;
}

export interface RunningOpcuaServer {
  port: number;
  endpointUrl: string;
  stop(): Promise<void>;
}
