// Modbus TCP client written on `net`, because the properties a plant connection needs are
// the transport's, not the framing's (which is small): a connection state machine that never
// reaches a dead state (jittered exponential back-off after a refused connection, a PLC
// restart, a half-open socket or a timeout), bounded per-unit-id request queues with metrics,
// round-robin between units so that a unit that never answers cannot starve the others
// behind the same gateway, and a configurable number of requests in flight (pipelining with
// transaction ids, 1 by default for devices that do not pipeline). modbus-serial's TCP client
// allows one request at a time and has no per-unit isolation.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { backoffDelay } from '../backoff';
import { ModbusError, type ConnectionState, type ModbusMaster, type UnitMetrics } from './master';

export interface TcpClientOptions {
  host: string;
  port: number;
  /** Per-request timeout, ms (default 1000). */
  timeoutMs?: number;
  /** Requests on the wire at once (default 1). */
  maxInFlight?: number;
  /** Queued requests per unit id before new ones are refused (default 100). */
  queueLimit?: number;
  /** Back-off after a failed or lost connection: first and largest delay, ms. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Time allowed for the TCP connect, ms (default 3000). */
  connectTimeoutMs?: number;
}

interface Request {
  unitId: number;
  pdu: Buffer;
  resolve: (data: Buffer) => void;
  reject: (e: Error) => void;
  tid?: number;
  sentAt?: number;
  /** Frames received on the socket when this request was sent. */
  rxAtSend?: number;
  enqueuedAt: number;
  timer?: NodeJS.Timeout;
}

interface UnitQueue {
  queue: Request[];
  metrics: UnitMetrics;
  /** Answered at least once on the present socket (tells a dead unit from a dead socket). */
  answeredOnSocket: boolean;
  /** A unit that timed out is skipped until this time, then tried again. */
  coolUntil: number;
  timeoutsInRow: number;
}

export class ModbusTcpClient extends EventEmitter implements ModbusMaster {
  private _state: ConnectionState = 'idle';
  private socket?: net.Socket;
  private rx: Buffer = Buffer.alloc(0);
  private readonly units = new Map<number, UnitQueue>();
  private readonly inFlight = new Map<number, Request>();
  private nextTid = 1;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private rxFrames = 0;
  private rr = 0;
  private stateDetail = '';
  readonly opts: Required<TcpClientOptions>;

  constructor(opts: TcpClientOptions) {
    super();
    this.opts = {
      timeoutMs: 1000,
      maxInFlight: 1,
      queueLimit: 100,
      backoffMinMs: 250,
      backoffMaxMs: 30_000,
      connectTimeoutMs: 3000,
      ...opts,
    };
    // 'error' events are never emitted, but a listener guards against a future change killing Node-RED.
    this.on('error', () => undefined);
  }

  get state(): ConnectionState {
    return this._state;
  }

  get detail(): string {
    return this.stateDetail;
  }

  /** Starts connecting (also done by the first request). */
  open(): void {
    if (this._state === 'idle') this.connect();
  }

  metrics(): Record<number, UnitMetrics> {
    const out: Record<number, UnitMetrics> = {};
    for (const [id, u] of this.units) out[id] = { ...u.metrics, queued: u.queue.length };
    return out;
  }

  /** Sends one PDU to a unit and resolves with the response PDU (function code first). */
  request(unitId: number, pdu: Buffer): Promise<Buffer> {
    if (this._state === 'closed') return Promise.reject(new ModbusError('the connection is closed', 'closed'));
    if (this._state === 'idle') this.connect();
    if (this._state === 'backoff') {
      return Promise.reject(new ModbusError(`not connected to ${this.opts.host}:${this.opts.port} (${this.stateDetail}); retrying`, 'disconnected'));
    }
    const u = this.unit(unitId);
    if (u.coolUntil > Date.now()) {
      u.metrics.rejected++;
      return Promise.reject(new ModbusError(`unit ${unitId} did not answer recently; next try in ${Math.ceil((u.coolUntil - Date.now()) / 1000)} s`, 'timeout'));
    }
    if (u.queue.length >= this.opts.queueLimit) {
      u.metrics.rejected++;
      return Promise.reject(new ModbusError(`request queue of unit ${unitId} is full (${this.opts.queueLimit}); the device is slower than the poll rate`, 'queue-full'));
    }
    return new Promise<Buffer>((resolve, reject) => {
      u.queue.push({ unitId, pdu, resolve, reject, enqueuedAt: Date.now() });
      u.metrics.maxQueued = Math.max(u.metrics.maxQueued, u.queue.length);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.setState('closed', 'closed by the flow');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.failAll(new ModbusError('the connection was closed', 'closed'));
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.removeAllListeners('data');
      s.removeAllListeners('close');
      s.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        if (s.closed) return resolve();
        s.once('close', () => resolve());
        s.destroy();
      });
    }
    this.removeAllListeners('state');
  }

  // --- internals -----------------------------------------------------------------------------
  private unit(id: number): UnitQueue {
    let u = this.units.get(id);
    if (!u) {
      u = {
        queue: [],
        metrics: { sent: 0, ok: 0, timeouts: 0, exceptions: 0, rejected: 0, queued: 0, maxQueued: 0, lastRttMs: 0 },
        answeredOnSocket: false,
        coolUntil: 0,
        timeoutsInRow: 0,
      };
      this.units.set(id, u);
    }
    return u;
  }

  private setState(s: ConnectionState, detail: string): void {
    if (this._state === 'closed') return;
    const changed = s !== this._state || detail !== this.stateDetail;
    this._state = s;
    this.stateDetail = detail;
    if (changed) this.emit('state', s, detail);
  }

  private connect(): void {
    if (this._state === 'closed') return;
    this.setState('connecting', `connecting to ${this.opts.host}:${this.opts.port}`);
    const sock = net.connect({ host: this.opts.host, port: this.opts.port });
    this.socket = sock;
    this.rx = Buffer.alloc(0);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 10_000);
    sock.setTimeout(this.opts.connectTimeoutMs, () => sock.destroy(new Error(`no answer to the TCP connect within ${this.opts.connectTimeoutMs} ms`)));
    let lastError = '';
    sock.on('error', (e) => {
      lastError = e.message;
    });
    sock.once('connect', () => {
      sock.setTimeout(0);
      this.attempt = 0;
      for (const u of this.units.values()) u.answeredOnSocket = false;
      this.setState('connected', `connected to ${this.opts.host}:${this.opts.port}`);
      this.pump();
    });
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.once('close', () => {
      if (this.socket !== sock) return;
      this.socket = undefined;
      this.lost(lastError || 'the device closed the connection');
    });
  }

  /** The socket is gone: fail what was on the wire, wait a jittered back-off, reconnect. Never gives up. */
  private lost(reason: string): void {
    if (this._state === 'closed') return;
    this.failAll(new ModbusError(`connection lost: ${reason}`, 'disconnected'));
    const delay = backoffDelay(++this.attempt, { initialMs: this.opts.backoffMinMs, maxMs: this.opts.backoffMaxMs });
    this.setState('backoff', `${reason}; retry in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Destroys the present socket without its 'close' starting a second reconnect; the caller calls lost(). */
  private dropSocket(): void {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    s.removeAllListeners('data');
    s.removeAllListeners('close');
    s.on('error', () => undefined);
    s.destroy();
  }

  private failAll(e: Error): void {
    for (const r of this.inFlight.values()) {
      if (r.timer) clearTimeout(r.timer);
      r.reject(e);
    }
    this.inFlight.clear();
    for (const u of this.units.values()) {
      for (const r of u.queue) r.reject(e);
      u.queue = [];
    }
  }

  /** Sends queued requests while there is room on the wire, one unit after another (round robin). */
  private pump(): void {
    const sock = this.socket;
    if (this._state !== 'connected' || !sock) return;
    const ids = [...this.units.keys()];
    let idle = 0;
    while (this.inFlight.size < this.opts.maxInFlight && idle < ids.length) {
      const id = ids[this.rr++ % ids.length];
      const u = this.units.get(id)!;
      const r = u.queue.shift();
      if (!r) {
        idle++;
        continue;
      }
      idle = 0;
      this.send(sock, u, r);
    }
  }

  private send(sock: net.Socket, u: UnitQueue, r: Request): void {
    let tid = this.nextTid;
    while (this.inFlight.has(tid)) tid = (tid % 0xffff) + 1;
    this.nextTid = (tid % 0xffff) + 1;
    r.tid = tid;
    r.sentAt = Date.now();
    r.rxAtSend = this.rxFrames;
    const head = Buffer.allocUnsafe(7);
    head.writeUInt16BE(tid, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(r.pdu.length + 1, 4);
    head[6] = r.unitId;
    this.inFlight.set(tid, r);
    u.metrics.sent++;
    r.timer = setTimeout(() => this.onTimeout(r), this.opts.timeoutMs);
    sock.write(Buffer.concat([head, r.pdu]));
  }

  private onTimeout(r: Request): void {
    if (this.inFlight.get(r.tid!) !== r) return;
    this.inFlight.delete(r.tid!);
    const u = this.unit(r.unitId);
    u.metrics.timeouts++;
    u.timeoutsInRow++;
    r.reject(new ModbusError(`unit ${r.unitId} did not answer within ${this.opts.timeoutMs} ms`, 'timeout'));
    // Nothing at all came back since this request went out, from a unit that did answer on this
    // socket: the connection is half-open (PLC restarted, cable pulled, NAT dropped it).
    if (this.rxFrames === r.rxAtSend && u.answeredOnSocket && this.socket) {
      this.dropSocket();
      this.lost(`no answer within ${this.opts.timeoutMs} ms on an open connection (half-open)`);
      return;
    }
    // Otherwise this unit is silent: park it for a growing while so the others keep their turns.
    const park = Math.min(this.opts.backoffMaxMs, this.opts.timeoutMs * 2 ** Math.min(u.timeoutsInRow - 1, 10));
    u.coolUntil = Date.now() + park;
    for (const q of u.queue) q.reject(new ModbusError(`unit ${r.unitId} is not answering`, 'timeout'));
    u.metrics.rejected += u.queue.length;
    u.queue = [];
    this.pump();
  }

  private onData(d: Buffer): void {
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    while (this.rx.length >= 8) {
      const len = this.rx.readUInt16BE(4);
      if (len < 2 || len > 254) {
        // Framing lost: the only safe way back is a fresh connection.
        this.dropSocket();
        this.lost('the device sent a malformed Modbus TCP frame');
        return;
      }
      if (this.rx.length < 6 + len) break;
      this.rxFrames++;
      const tid = this.rx.readUInt16BE(0);
      const pdu = Buffer.from(this.rx.subarray(7, 6 + len));
      this.rx = this.rx.subarray(6 + len);
      const r = this.inFlight.get(tid);
      if (!r) continue; // a late answer to a request that already timed out
      this.inFlight.delete(tid);
      clearTimeout(r.timer);
      const u = this.unit(r.unitId);
      u.answeredOnSocket = true;
      u.timeoutsInRow = 0;
      u.coolUntil = 0;
      u.metrics.lastRttMs = Date.now() - r.sentAt!;
      if (pdu[0] & 0x80) {
        u.metrics.exceptions++;
        r.reject(ModbusError.exception(pdu[1]));
      } else if ((pdu[0] & 0x7f) !== r.pdu[0]) {
        u.metrics.exceptions++;
        r.reject(new ModbusError(`answer with function code ${pdu[0]} to a request with ${r.pdu[0]}`, 'protocol'));
      } else {
        u.metrics.ok++;
        r.resolve(pdu);
      }
    }
    this.pump();
  }
}
