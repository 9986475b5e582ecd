// One OPC UA session per endpoint, shared by every node that uses it, with a connection state
// machine that never ends in a dead state: any loss (server restart, network loss, keep-alive
// failure, subscription timeout) tears the client down and rebuilds client, session and every
// subscription from scratch after a jittered back-off. Rebuilding instead of relying on
// node-opcua's in-place repair means exactly one subscription per subscriber at any time: the
// old client is disposed before the new one exists. Everything node-opcua does is caught here;
// nothing it throws or rejects reaches the caller's event loop unhandled.
import {
  AttributeIds,
  BrowseDirection,
  MessageSecurityMode,
  NodeClass,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  resolveNodeId,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type UserIdentityInfo,
} from 'node-opcua-client';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { Sample, TagValue } from '../plant';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../backoff';
import { withTimeout } from '../timeout';
import { batches, DEFAULT_BATCH_SIZE } from './batch';
import type { SecurityModeName, SecurityPolicyName } from './config';
import { qualityOf } from './quality';
import { coerceForWrite, dataTypeName, tagValueOf } from './values';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Short, for a node status. */
  text: string;
  error?: string;
  attempt?: number;
  retryInMs?: number;
}

export interface ConnectionOptions {
  endpoint: string;
  securityMode: SecurityModeName;
  securityPolicy: SecurityPolicyName;
  username?: string;
  password?: string;
  /** Folder of the client's certificate and trust lists (own/, trusted/, rejected/). */
  pkiDir: string;
  /** Trust a server certificate that is not (yet) in the trust list. */
  acceptUnknownCertificate: boolean;
  applicationName?: string;
  backoff?: BackoffOptions;
  /** Give up one connection attempt after this long (a host that drops packets never answers). */
  connectTimeoutMs?: number;
  log?: { info(m: string): void; warn(m: string): void };
}

export interface SubscriptionItem {
  key: string;
  nodeId: string;
}

export interface Subscriber {
  id: string;
  publishingIntervalMs: number;
  samplingIntervalMs: number;
  batchSize?: number;
  items: SubscriptionItem[];
  /**
   * A new value (or status) of items[index], stamped with the time it arrived (a live
   * subscription proves the value current then; the server's source timestamp is the time of the
   * last change, on the PLC's clock); value undefined when the server sent none (Bad
   * status). Called once per notification, so the sample object is one scratch object reused for
   * every call: copy the fields you keep.
   */
  onValue(index: number, sample: Omit<Sample, 'value'> & { value: TagValue | undefined }): void;
  /** An item the server refused (unknown node id, no read access, ...) or that cannot be parsed. */
  onItemError(index: number, message: string): void;
  /** The subscription exists on the server (after every (re)connection). */
  onSubscribed?(info: { items: number; refused: number; ms: number }): void;
}

export interface BrowseEntry {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
}

interface Live {
  sub: Subscriber;
  subscription?: ClientSubscription;
  /** When the last publish response (data or keep-alive) of this subscription arrived. */
  lastPublish: number;
}

/** How often the publish watchdog looks; a silent subscription is noticed within this much of its limit. */
const WATCHDOG_MS = 1000;
/** Silence tolerated before a connection counts as lost: never less than this, whatever the intervals. */
const MIN_SILENCE_MS = 5000;
/** CreateMonitoredItems calls outstanding at once while subscribing. */
const BATCHES_IN_FLIGHT = 4;

const SECURITY_MODE: Record<SecurityModeName, MessageSecurityMode> = {
  None: MessageSecurityMode.None,
  Sign: MessageSecurityMode.Sign,
  SignAndEncrypt: MessageSecurityMode.SignAndEncrypt,
};

const SECURITY_POLICY: Record<SecurityPolicyName, SecurityPolicy> = {
  None: SecurityPolicy.None,
  Basic256Sha256: SecurityPolicy.Basic256Sha256,
  Aes128_Sha256_RsaOaep: SecurityPolicy.Aes128_Sha256_RsaOaep,
  Aes256_Sha256_RsaPss: SecurityPolicy.Aes256_Sha256_RsaPss,
};

function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 300);
}

const TRUST_REFUSED = 'server certificate not trusted';

/** The server's certificate is not (yet) trusted by this client. */
function isTrustError(e: unknown): boolean {
  const m = messageOf(e);
  return /certificate/i.test(m) && /(trust|reject|invalid|untrusted|revoked|BadCertificate|BadSecurityChecks)/i.test(m);
}

/** Makes node-opcua's connection errors say what to do. */
export function explainError(e: unknown, opts: Pick<ConnectionOptions, 'pkiDir' | 'endpoint'>): string {
  // node-opcua puts the cause on later lines ("...cannot be established ... Reason: ECONNREFUSED").
  const full = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  if (/ECONNREFUSED/.test(full)) return `nothing listens at ${opts.endpoint} (connection refused)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(full)) return `host of ${opts.endpoint} not found`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(full)) return `${opts.endpoint} is unreachable (no route to the host)`;
  if (/cannot be established/i.test(full)) return `cannot connect to ${opts.endpoint} (no OPC UA server answered)`;
  const m = messageOf(e);
  if (isTrustError(e))
    return `${TRUST_REFUSED} (${m}): move it from ${opts.pkiDir}/rejected to ${opts.pkiDir}/trusted/certs, or allow unknown server certificates`;
  if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/i.test(m)) return `user name or password refused by the server (${m})`;
  return m;
}

export class OpcuaConnection {
  private state: ConnectionState = 'idle';
  private statusNow: ConnectionStatus = { state: 'idle', text: 'not connected' };
  private readonly users = new Set<string>();
  private readonly subscribers = new Map<string, Live>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private readonly readyWaiters = new Set<{ resolve: (s: ClientSession) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private client?: OPCUAClient;
  private session?: ClientSession;
  /** Increments on every teardown: callbacks of an older client see a stale generation and do nothing. */
  private generation = 0;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private teardown?: Promise<void>;
  private certificateManager?: OPCUACertificateManager;
  /** The last attempt failed because the server certificate is not trusted (see open()). */
  private trustRefused = false;
  /** Subscriptions created over the life of this connection (tests check there are no duplicates). */
  subscriptionsCreated = 0;

  constructor(private readonly opts: ConnectionOptions) {}

  get status(): ConnectionStatus {
    return this.statusNow;
  }

  onStatus(l: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  /** A node starts using the connection; the first user opens it. */
  acquire(userId: string): void {
    this.users.add(userId);
    if (this.state === 'idle' || this.state === 'closed') this.start();
  }

  /** A node stops using the connection; the last user closes it. */
  async release(userId: string): Promise<void> {
    this.removeSubscriber(userId);
    this.users.delete(userId);
    if (this.users.size === 0) await this.close();
  }

  get userCount(): number {
    return this.users.size;
  }

  /** Subscribes (now if connected, else as soon as the session exists, and again after every reconnection). */
  addSubscriber(sub: Subscriber): () => void {
    this.removeSubscriber(sub.id);
    const live: Live = { sub, lastPublish: Date.now() };
    this.subscribers.set(sub.id, live);
    const session = this.session;
    if (session && this.state === 'connected') {
      const gen = this.generation;
      this.subscribe(session, live, gen).catch((e) => this.lost(gen, `subscription failed: ${messageOf(e)}`));
    }
    return () => this.removeSubscriber(sub.id);
  }

  removeSubscriber(id: string): void {
    const live = this.subscribers.get(id);
    if (!live) return;
    this.subscribers.delete(id);
    const s = live.subscription;
    live.subscription = undefined;
    if (s) s.terminate().catch(() => undefined);
  }

  /** Waits until the session is up (bounded), acquiring the connection meanwhile if nobody holds it. */
  async withSession<T>(fn: (s: ClientSession) => Promise<T>, timeoutMs = 10000): Promise<T> {
    const temp = `temp:${Math.random().toString(36).slice(2)}`;
    this.acquire(temp);
    try {
      const session = this.session && this.state === 'connected' ? this.session : await this.whenConnected(timeoutMs);
      return await withTimeout(fn(session), timeoutMs, 'OPC UA request');
    } finally {
      await this.release(temp);
    }
  }

  private whenConnected(timeoutMs: number): Promise<ClientSession> {
    return new Promise((resolve, reject) => {
      const w = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.readyWaiters.delete(w);
          reject(new Error(`not connected to ${this.opts.endpoint} within ${timeoutMs} ms${this.statusNow.error ? `: ${this.statusNow.error}` : ''}`));
        }, timeoutMs),
      };
      this.readyWaiters.add(w);
    });
  }

  /** Reads the value of one variable now (not from a subscription): for read-back. */
  async read(nodeId: string): Promise<Sample & { dataType: string }> {
    const id = this.parseNodeId(nodeId);
    return this.withSession(async (session) => {
      const dv = await session.read({ nodeId: id, attributeId: AttributeIds.Value });
      // Good and Uncertain values are returned with their quality (a read-back of uncertain
      // quality is then "not verified", saying why); a Bad status has no usable value.
      if (qualityOf(dv.statusCode) === 'bad') {
        throw new Error(`${nodeId}: read answered ${dv.statusCode.name}${dv.statusCode.description ? ` (${dv.statusCode.description})` : ''}`);
      }
      const value = tagValueOf(dv.value.dataType, dv.value.value);
      if (value === undefined) throw new Error(`${nodeId}: the value (${dataTypeName(dv.value.dataType)}) is not a number, boolean or text`);
      return { value, quality: qualityOf(dv.statusCode), timestamp: this.timestampOf(dv), dataType: dataTypeName(dv.value.dataType) };
    });
  }

  /**
   * Writes a value with the variable's actual DataType, read from the server first (never
   * guessed from the JavaScript value); rejects with the server's status when it refuses.
   */
  async write(nodeId: string, value: TagValue): Promise<{ dataType: string }> {
    const id = this.parseNodeId(nodeId);
    return this.withSession(async (session) => {
      const dataType = await session.getBuiltInDataType(id);
      const coerced = coerceForWrite(dataType, value);
      if (!coerced.ok) throw new Error(`${nodeId}: ${coerced.reason}`);
      const status = await session.write({ nodeId: id, attributeId: AttributeIds.Value, value: { value: { dataType, value: coerced.value } } });
      if (!status.isGood()) throw new Error(`${nodeId}: the server refused the write with ${status.name}${status.description ? ` (${status.description})` : ''}`);
      return { dataType: dataTypeName(dataType) };
    });
  }

  /** Children of a node (Objects when none given), for the editor's browse helper. */
  async browse(nodeId = 'ns=0;i=85'): Promise<BrowseEntry[]> {
    const id = this.parseNodeId(nodeId);
    return this.withSession((session) => browseChildren(session, id.toString()));
  }

  private parseNodeId(nodeId: string) {
    try {
      return resolveNodeId(nodeId);
    } catch (e) {
      throw new Error(`"${nodeId}" is not a valid OPC UA NodeId (expected e.g. ns=2;s=Reactor.TT201 or ns=3;i=1001): ${messageOf(e)}`);
    }
  }

  private timestampOf(dv: DataValue): number {
    return dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? Date.now();
  }

  private setStatus(s: ConnectionStatus): void {
    this.state = s.state;
    this.statusNow = s;
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch {
        // A listener's failure must not stop the connection's state machine.
      }
    }
  }

  private start(): void {
    const gen = ++this.generation;
    this.attempt = 0;
    this.connect(gen);
  }

  private connect(gen: number): void {
    if (gen !== this.generation || this.users.size === 0) return;
    this.attempt++;
    this.setStatus({ state: this.attempt > 1 ? 'reconnecting' : 'connecting', text: this.attempt > 1 ? `reconnecting (attempt ${this.attempt})` : 'connecting', attempt: this.attempt, error: this.statusNow.error });
    this.open(gen).then(
      () => undefined,
      (e) => {
        if (gen !== this.generation) return;
        const error = explainError(e, this.opts);
        this.trustRefused = isTrustError(e);
        this.opts.log?.warn(`OPC UA ${this.opts.endpoint}: ${error}`);
        this.scheduleReconnect(gen, error);
      },
    );
  }

  private scheduleReconnect(gen: number, error: string): void {
    clearInterval(this.watchdog);
    const retryInMs = backoffDelay(this.attempt, this.opts.backoff ?? DEFAULT_BACKOFF);
    const old = this.client;
    this.client = undefined;
    this.session = undefined;
    for (const live of this.subscribers.values()) live.subscription = undefined;
    this.teardown = this.dispose(old);
    this.setStatus({ state: 'reconnecting', text: `retry in ${Math.ceil(retryInMs / 1000)} s: ${error}`.slice(0, 80), error, attempt: this.attempt, retryInMs });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // Wait for the old client to be gone, so two sessions of ours never overlap.
      (this.teardown ?? Promise.resolve()).then(() => this.connect(gen));
    }, retryInMs);
  }

  /** Called by every loss signal of the current client; the first one wins. */
  private lost(gen: number, why: string): void {
    if (gen !== this.generation || this.state === 'closed' || this.state === 'idle') return;
    const next = ++this.generation;
    this.opts.log?.warn(`OPC UA ${this.opts.endpoint}: connection lost (${why}); reconnecting`);
    this.attempt = 1;
    this.scheduleReconnect(next, why);
  }

  private async open(gen: number): Promise<void> {
    const o = this.opts;
    // One certificate manager for the life of the connection: it watches the PKI folders, so one
    // per reconnection attempt would leak a folder watcher every retry.
    this.certificateManager ??= new OPCUACertificateManager({ rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: o.acceptUnknownCertificate });
    const certificateManager = this.certificateManager;
    if (this.trustRefused) {
      // The last attempt failed on an untrusted server certificate, and the engineer is asked to
      // move it to trusted/. The manager learns of that from a folder watcher, which can miss or
      // lag a move (in tests, about one time in three the next 20 s of retries still failed):
      // re-read the trust lists, so a trusted certificate counts from the very next attempt.
      this.trustRefused = false;
      await certificateManager.reloadCertificates();
    }
    const client = OPCUAClient.create({
      applicationName: o.applicationName ?? 'OperatorCopilot-NodeRED',
      endpointMustExist: false,
      securityMode: SECURITY_MODE[o.securityMode],
      securityPolicy: SECURITY_POLICY[o.securityPolicy],
      clientCertificateManager: certificateManager,
      keepSessionAlive: true,
      requestedSessionTimeout: 60000,
      // Our own state machine reconnects (and rebuilds subscriptions); node-opcua's retry loop
      // would compete with it.
      connectionStrategy: { maxRetry: 0, initialDelay: 500, maxDelay: 1000 },
    });
    this.client = client;
    client.on('connection_lost', () => this.lost(gen, 'connection to the server lost'));
    client.on('close', (err?: Error | null) => {
      if (err) this.lost(gen, `connection closed: ${messageOf(err)}`);
    });
    client.on('connection_failed', () => undefined);
    client.on('backoff', () => undefined);
    const timeout = o.connectTimeoutMs ?? 15000;
    await withTimeout(client.connect(o.endpoint), timeout, `connecting to ${o.endpoint}`);
    if (gen !== this.generation) return;
    const identity: UserIdentityInfo = o.username ? { type: UserTokenType.UserName, userName: o.username, password: o.password ?? '' } : { type: UserTokenType.Anonymous };
    const session = await withTimeout(client.createSession(identity), timeout, 'creating the OPC UA session');
    if (gen !== this.generation) {
      await session.close().catch(() => undefined);
      return;
    }
    session.on('keepalive_failure', () => this.lost(gen, 'server stopped answering keep-alives'));
    session.on('session_closed', (status) => {
      if (gen === this.generation && this.session === session) this.lost(gen, `session closed by the server (${status?.name ?? 'unknown'})`);
    });
    this.session = session;
    for (const live of this.subscribers.values()) await this.subscribe(session, live, gen);
    if (gen !== this.generation) return;
    this.attempt = 0;
    this.startWatchdog(gen);
    this.setStatus({ state: 'connected', text: 'connected' });
    for (const w of this.readyWaiters) {
      clearTimeout(w.timer);
      w.resolve(session);
    }
    this.readyWaiters.clear();
  }

  /**
   * A lost network often closes nothing: the socket stays open and simply goes quiet. The server
   * answers a publish at least every publishingInterval x maxKeepAliveCount, so a subscription
   * silent for three times that (at least MIN_SILENCE_MS) means the connection is gone.
   */
  private startWatchdog(gen: number): void {
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (gen !== this.generation) return clearInterval(this.watchdog);
      const now = Date.now();
      for (const live of this.subscribers.values()) {
        const s = live.subscription;
        if (!s) continue;
        const limit = Math.max(MIN_SILENCE_MS, 3 * s.publishingInterval * Math.max(1, s.maxKeepAliveCount));
        if (now - live.lastPublish > limit) return this.lost(gen, `no answer from the server for ${Math.round((now - live.lastPublish) / 1000)} s`);
      }
    }, WATCHDOG_MS);
    this.watchdog.unref?.();
  }

  private async subscribe(session: ClientSession, live: Live, gen: number): Promise<void> {
    const sub = live.sub;
    const t0 = Date.now();
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: sub.publishingIntervalMs,
      requestedLifetimeCount: 60,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    if (gen !== this.generation || this.subscribers.get(sub.id) !== live) {
      await subscription.terminate().catch(() => undefined);
      return;
    }
    this.subscriptionsCreated++;
    live.subscription = subscription;
    live.lastPublish = Date.now();
    const seen = () => (live.lastPublish = Date.now());
    // A publish response's samples are stamped with the time it arrived: node-opcua emits
    // received_notifications before it hands out the response's values, and one clock read per
    // response rather than per value (with 10,000 items, a thousand values or more per response).
    let arrivedAt = Date.now();
    subscription.on('keepalive', seen);
    subscription.on('received_notifications', () => (arrivedAt = seen()));
    subscription.on('error', () => undefined);
    subscription.on('internal_error', (e: Error) => this.lost(gen, `subscription error: ${messageOf(e)}`));
    subscription.on('status_changed', (status) => {
      if (status.isNotGood()) this.lost(gen, `subscription ${status.name}`);
    });
    subscription.on('terminated', () => {
      if (live.subscription === subscription && this.subscribers.get(sub.id) === live) this.lost(gen, 'subscription terminated by the server');
    });

    // Node ids that do not parse never reach the server; the rest go in batches.
    const valid: Array<{ index: number; nodeId: ReturnType<typeof resolveNodeId> }> = [];
    sub.items.forEach((item, index) => {
      try {
        valid.push({ index, nodeId: resolveNodeId(item.nodeId) });
      } catch (e) {
        sub.onItemError(index, `"${item.nodeId}" is not a valid OPC UA NodeId: ${messageOf(e)}`);
      }
    });
    let refused = sub.items.length - valid.length;
    const scratch: Parameters<Subscriber['onValue']>[1] = { value: undefined, quality: 'good', timestamp: 0 };
    const attach = (group: ClientMonitoredItemGroup, batch: typeof valid) => {
      // The subscriber's index of each item of the group, in one flat array: read once per
      // notification, so a lookup costs no visit to a per-item object elsewhere in the heap.
      const indexOf = Int32Array.from(batch, (x) => x.index);
      group.on('err', () => undefined);
      group.monitoredItems.forEach((mi, k) => {
        const status = mi.statusCode;
        if (status && status.isNotGood()) {
          refused++;
          sub.onItemError(batch[k].index, `${sub.items[batch[k].index].nodeId}: the server refused to monitor it (${status.name})`);
        }
      });
      group.on('changed', (_mi, dv: DataValue, k: number) => {
        scratch.value = tagValueOf(dv.value.dataType, dv.value.value);
        scratch.quality = qualityOf(dv.statusCode);
        scratch.timestamp = arrivedAt;
        try {
          sub.onValue(indexOf[k], scratch);
        } catch {
          // The subscriber's own failure must not break node-opcua's notification loop.
        }
      });
    };
    // The batches go out a few at a time rather than one after the other: once the first items
    // report, a busy server answers every further call more slowly, so waiting for each answer
    // before sending the next call multiplies that delay.
    const pending = batches(valid, sub.batchSize ?? DEFAULT_BATCH_SIZE);
    const worker = async () => {
      for (let batch = pending.shift(); batch; batch = pending.shift()) {
        const b = batch;
        const group = await subscription.monitorItems(
          b.map((x) => ({ nodeId: x.nodeId, attributeId: AttributeIds.Value })),
          { samplingInterval: sub.samplingIntervalMs, discardOldest: true, queueSize: 1 },
          // Samples are stamped with the time they arrive (see onValue), so the server's
          // timestamps would only cost bytes on the wire and two decoded dates per notification.
          TimestampsToReturn.Neither,
        );
        if (gen !== this.generation || live.subscription !== subscription) return;
        attach(group, b);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, pending.length) }, worker));
    if (gen !== this.generation || live.subscription !== subscription) return;
    sub.onSubscribed?.({ items: sub.items.length, refused, ms: Date.now() - t0 });
  }

  private async dispose(client: OPCUAClient | undefined): Promise<void> {
    if (!client) return;
    try {
      await withTimeout(client.disconnect(), 5000, 'disconnecting');
    } catch {
      // Already gone, or the server does not answer: the socket is closed either way.
    }
  }

  /** Closes the session and the client; pending waiters fail. Safe to call more than once. */
  async close(): Promise<void> {
    this.generation++;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const w of this.readyWaiters) {
      clearTimeout(w.timer);
      w.reject(new Error('the OPC UA connection was closed'));
    }
    this.readyWaiters.clear();
    const client = this.client;
    const session = this.session;
    // Taken now: a user acquiring the connection while this close runs gets a fresh manager.
    const cm = this.certificateManager;
    this.client = undefined;
    this.session = undefined;
    this.certificateManager = undefined;
    for (const live of this.subscribers.values()) live.subscription = undefined;
    if (this.state !== 'idle') this.setStatus({ state: 'closed', text: 'closed' });
    if (session) await withTimeout(session.close(true), 3000, 'closing the session').catch(() => undefined);
    await this.dispose(client);
    await this.teardown?.catch(() => undefined);
    if (cm) {
      // Each client counts itself in and (on disconnect) out; dispose for real whatever is left.
      cm.referenceCounter = 0;
      await cm.dispose().catch(() => undefined);
    }
  }
}

/** Hierarchical children of a node, with names, for browsing. */
export async function browseChildren(session: ClientSession, nodeId: string): Promise<BrowseEntry[]> {
  const r = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
  if (r.statusCode.isNotGood()) throw new Error(`${nodeId}: browse answered ${r.statusCode.name}`);
  return (r.references ?? []).map((ref) => ({
    nodeId: ref.nodeId.toString(),
    browseName: ref.browseName.toString(),
    displayName: ref.displayName.text ?? ref.browseName.name ?? '',
    nodeClass: NodeClass[ref.nodeClass] ?? String(ref.nodeClass),
  }));
}
