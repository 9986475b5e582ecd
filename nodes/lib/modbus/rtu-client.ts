// Modbus RTU over a serial line through modbus-serial (which needs the optional `serialport`
// package). One request at a time on the bus, as RTU requires, with the same ModbusMaster
// interface as the TCP client. NOT tested here: this machine has no serial port and no RTU
// device; the TCP client is the tested path.
import { EventEmitter } from 'node:events';
import { backoffDelay } from '../backoff';
import { ModbusError, type ConnectionState, type ModbusMaster, type UnitMetrics } from './master';

export interface RtuClientOptions {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits?: number;
  stopBits?: number;
  timeoutMs?: number;
  backoffMaxMs?: number;
}

interface SerialClient {
  connectRTUBuffered(path: string, options: Record<string, unknown>): Promise<void>;
  setID(id: number): void;
  setTimeout(ms: number): void;
  readCoils(a: number, n: number): Promise<{ data: boolean[] }>;
  readDiscreteInputs(a: number, n: number): Promise<{ data: boolean[] }>;
  readHoldingRegisters(a: number, n: number): Promise<{ buffer: Buffer }>;
  readInputRegisters(a: number, n: number): Promise<{ buffer: Buffer }>;
  writeCoil(a: number, v: boolean): Promise<unknown>;
  writeRegisters(a: number, v: Buffer): Promise<unknown>;
  close(cb?: () => void): void;
  isOpen: boolean;
}

export class ModbusRtuClient extends EventEmitter implements ModbusMaster {
  private _state: ConnectionState = 'idle';
  private stateDetail = '';
  private client?: SerialClient;
  private chain: Promise<unknown> = Promise.resolve();
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private readonly unitMetrics = new Map<number, UnitMetrics>();

  constructor(private readonly opts: RtuClientOptions) {
    super();
  }

  get state(): ConnectionState {
    return this._state;
  }
  get detail(): string {
    return this.stateDetail;
  }

  private setState(s: ConnectionState, d: string): void {
    if (this._state === 'closed') return;
    this._state = s;
    this.stateDetail = d;
    this.emit('state', s, d);
  }

  open(): void {
    if (this._state !== 'idle') return;
    this.connect();
  }

  private connect(): void {
    this.setState('connecting', `opening ${this.opts.path}`);
    let Ctor: new () => SerialClient;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Ctor = require('modbus-serial') as new () => SerialClient;
    } catch (e) {
      this.retry(`modbus-serial cannot be loaded: ${(e as Error).message}`);
      return;
    }
    const c = new Ctor();
    c.connectRTUBuffered(this.opts.path, { baudRate: this.opts.baudRate, parity: this.opts.parity, dataBits: this.opts.dataBits ?? 8, stopBits: this.opts.stopBits ?? 1 })
      .then(() => {
        // Closed by the flow while the port was opening: release the port, or the next deploy cannot open it.
        if (this._state === 'closed') return c.close();
        c.setTimeout(this.opts.timeoutMs ?? 1000);
        this.client = c;
        this.attempt = 0;
        this.setState('connected', `${this.opts.path} open`);
      })
      .catch((e: Error) => this.retry(`cannot open ${this.opts.path}: ${e.message} (is the optional serialport package installed?)`));
  }

  private retry(reason: string): void {
    if (this._state === 'closed') return;
    const delay = backoffDelay(++this.attempt, { initialMs: 500, maxMs: this.opts.backoffMaxMs ?? 30_000 });
    this.setState('backoff', `${reason}; retry in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  metrics(): Record<number, UnitMetrics> {
    return Object.fromEntries(this.unitMetrics);
  }

  request(unitId: number, pdu: Buffer): Promise<Buffer> {
    if (this._state === 'idle') this.open();
    const m = this.unitMetrics.get(unitId) ?? { sent: 0, ok: 0, timeouts: 0, exceptions: 0, rejected: 0, queued: 0, maxQueued: 0, lastRttMs: 0 };
    this.unitMetrics.set(unitId, m);
    const run = async (): Promise<Buffer> => {
      const c = this.client;
      if (!c || this._state !== 'connected') throw new ModbusError(`serial port not open (${this.stateDetail})`, 'disconnected');
      c.setID(unitId);
      m.sent++;
      const t0 = Date.now();
      const fc = pdu[0];
      const a = pdu.readUInt16BE(1);
      const n = pdu.readUInt16BE(3);
      try {
        let out: Buffer;
        if (fc === 1 || fc === 2) {
          const r = fc === 1 ? await c.readCoils(a, n) : await c.readDiscreteInputs(a, n);
          out = Buffer.alloc(2 + Math.ceil(n / 8));
          out[0] = fc;
          out[1] = Math.ceil(n / 8);
          r.data.slice(0, n).forEach((b, i) => (out[2 + (i >> 3)] |= b ? 1 << (i & 7) : 0));
        } else if (fc === 3 || fc === 4) {
          const r = fc === 3 ? await c.readHoldingRegisters(a, n) : await c.readInputRegisters(a, n);
          out = Buffer.concat([Buffer.from([fc, n * 2]), r.buffer]);
        } else if (fc === 5) {
          await c.writeCoil(a, n === 0xff00);
          out = Buffer.from(pdu);
        } else if (fc === 16) {
          await c.writeRegisters(a, pdu.subarray(6));
          out = Buffer.from(pdu.subarray(0, 5));
        } else {
          throw new ModbusError(`function code ${fc} is not supported over RTU here`, 'protocol');
        }
        m.ok++;
        m.lastRttMs = Date.now() - t0;
        return out;
      } catch (e) {
        const err = e as Error & { modbusCode?: number; errno?: string };
        if (err instanceof ModbusError) throw err;
        if (err.modbusCode) {
          m.exceptions++;
          throw ModbusError.exception(err.modbusCode);
        }
        m.timeouts++;
        throw new ModbusError(`unit ${unitId}: ${err.message}`, 'timeout');
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.setState('closed', 'closed by the flow');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = undefined;
    if (c?.isOpen) await new Promise<void>((r) => c.close(() => r()));
    this.removeAllListeners('state');
  }
}
