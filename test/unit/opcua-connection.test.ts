// The shared OPC UA connection against the simulator's OPC UA server on an OS-chosen port:
// subscription values match the process, bad node ids are reported, write with the server's
// DataType and read-back, secure user/password sessions, reconnection after a server restart
// without duplicate subscriptions.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AttributeIds, OPCUAClient } from 'node-opcua-client';
import { OpcuaConnection, type ConnectionOptions, type ConnectionStatus } from '../../nodes/lib/opcua/connection';
import { startOpcuaServer, simNodeId } from '../../sim/opcua-server';
import type { RunningOpcuaServer } from '../../sim/process-api';
import { fakeProcess, type FakeProcess } from './opcua-fake-process';
import { sleep, until } from '../helpers/wait';

const pkiRoot = path.join(os.tmpdir(), 'operator-copilot-test-pki');
const users = [{ username: 'op', password: 'secret' }];

let proc: FakeProcess;
let server: RunningOpcuaServer;
const open: OpcuaConnection[] = [];

function connection(extra: Partial<ConnectionOptions> = {}): OpcuaConnection {
  const c = new OpcuaConnection({
    endpoint: server.endpointUrl,
    securityMode: 'None',
    securityPolicy: 'None',
    pkiDir: path.join(pkiRoot, 'client'),
    acceptUnknownCertificate: true,
    backoff: { initialMs: 200, maxMs: 1000 },
    connectTimeoutMs: 5000,
    ...extra,
  });
  open.push(c);
  return c;
}

/** Subscriptions the server holds right now, from its standard diagnostics (a public surface). */
async function serverSubscriptionCount(): Promise<number> {
  const c = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1, initialDelay: 100 } });
  await c.connect(server.endpointUrl);
  const s = await c.createSession();
  try {
    const dv = await s.read({ nodeId: 'ns=0;i=2285', attributeId: AttributeIds.Value }); // CurrentSubscriptionCount
    return dv.value.value as number;
  } finally {
    await s.close();
    await c.disconnect();
  }
}

beforeAll(async () => {
  proc = fakeProcess(100);
  server = await startOpcuaServer(proc, { port: 0, pkiDir: path.join(pkiRoot, 'sim'), users });
}, 60000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server?.stop();
  proc?.stop();
});

test('subscription values match the process; an unknown node id is reported, the others still flow', async () => {
  const c = connection();
  const items = [
    { key: 'TT-201', nodeId: simNodeId('TT-201') },
    { key: 'P-301.RUN', nodeId: simNodeId('P-301.RUN') },
    { key: 'NOPE', nodeId: 'ns=1;s=NO-SUCH-TAG' },
    { key: 'GARBAGE', nodeId: 'not a node id' },
  ];
  const latest = new Map<string, { value: unknown; quality: string }>();
  const errors: string[] = [];
  let subscribed: { items: number; refused: number } | undefined;
  c.acquire('reader');
  c.addSubscriber({
    id: 'reader',
    publishingIntervalMs: 100,
    samplingIntervalMs: 50,
    items,
    onValue: (i, s) => latest.set(items[i].key, { ...s }),
    onItemError: (i, m) => errors.push(`${items[i].key}: ${m}`),
    onSubscribed: (info) => (subscribed = info),
  });
  await until('subscription', () => subscribed, 10_000);
  expect(subscribed).toMatchObject({ items: 4, refused: 2 });
  expect(errors.some((e) => e.startsWith('NOPE:') && /BadNodeIdUnknown/.test(e))).toBe(true);
  expect(errors.some((e) => e.startsWith('GARBAGE:') && /not a valid OPC UA NodeId/.test(e))).toBe(true);
  await until('values', () => latest.has('TT-201') && latest.has('P-301.RUN'), 10_000);
  expect(latest.get('P-301.RUN')).toMatchObject({ value: true, quality: 'good' });
  // After a few process steps the subscribed value is the process's value (within one step's change).
  await sleep(500);
  const v = latest.get('TT-201')!.value as number;
  expect(Math.abs(v - (proc.read('TT-201') as number))).toBeLessThan(0.5);
  expect(c.status.state).toBe('connected');
});

test('write uses the server-side DataType and reads back; refusals reject with the status', async () => {
  const c = connection();
  await expect(c.write(simNodeId('LIC-201.SP'), 55)).resolves.toEqual({ dataType: 'Double' });
  expect(proc.read('LIC-201.SP')).toBe(55);
  await expect(c.read(simNodeId('LIC-201.SP'))).resolves.toMatchObject({ value: 55, quality: 'good', dataType: 'Double' });
  await expect(c.write(simNodeId('TIC-201.AUTO'), 1)).resolves.toEqual({ dataType: 'Boolean' });
  expect(proc.read('TIC-201.AUTO')).toBe(true);
  await expect(c.write(simNodeId('TIC-201.AUTO'), 7)).rejects.toThrow(/Boolean/);
  await expect(c.write(simNodeId('LIC-201.SP'), 95)).rejects.toThrow(/BadOutOfRange/);
  await expect(c.write(simNodeId('TT-201'), 50)).rejects.toThrow(/refused the write/);
  await expect(c.read('ns=1;s=NO-SUCH-TAG')).rejects.toThrow(/BadNodeIdUnknown/);
  // withSession released its temporary use: nobody holds the connection, so it closed.
  expect(c.userCount).toBe(0);
});

test('Basic256Sha256 SignAndEncrypt with user/password; a wrong password is reported, not thrown', async () => {
  const ok = connection({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', username: 'op', password: 'secret' });
  await expect(ok.read(simNodeId('PT-201'))).resolves.toMatchObject({ quality: 'good' });
  const bad = connection({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', username: 'op', password: 'nope' });
  const seen: ConnectionStatus[] = [];
  bad.onStatus((s) => seen.push(s));
  bad.acquire('x');
  const refused = await until('refusal', () => seen.find((s) => s.state === 'reconnecting' && s.error), 10_000);
  expect(refused.error).toMatch(/refused|BadUserAccessDenied|BadIdentityToken/);
}, 30000);

test('an untrusted server certificate is reported with what to do; once trusted, the next retry connects', async () => {
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opcua-untrusted-'));
  try {
    const c = connection({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', username: 'op', password: 'secret', pkiDir, acceptUnknownCertificate: false });
    c.acquire('x');
    await until('refusal', () => c.status.error?.includes('not trusted'), 20000);
    expect(c.status.state).toBe('reconnecting');
    expect(c.status.error).toContain(`${pkiDir}/rejected`);
    const rejected = fs.readdirSync(path.join(pkiDir, 'rejected')).filter((f) => f.endsWith('.pem'));
    expect(rejected.length).toBe(1);
    fs.renameSync(path.join(pkiDir, 'rejected', rejected[0]), path.join(pkiDir, 'trusted', 'certs', rejected[0]));
    await until('connected', () => c.status.state === 'connected', 20000);
  } finally {
    fs.rmSync(pkiDir, { recursive: true, force: true });
  }
}, 45000);

test('after the server restarts, values flow again through exactly one subscription', async () => {
  const c = connection();
  let subscribedTimes = 0;
  const values: number[] = [];
  c.acquire('reader');
  c.addSubscriber({
    id: 'reader',
    publishingIntervalMs: 100,
    samplingIntervalMs: 50,
    items: [{ key: 'TT-201', nodeId: simNodeId('TT-201') }],
    onValue: (_i, s) => values.push(s.value as number),
    onItemError: () => undefined,
    onSubscribed: () => subscribedTimes++,
  });
  await until('first values', () => values.length > 0, 10_000);
  expect(await serverSubscriptionCount()).toBe(1);

  const port = server.port;
  await server.stop();
  await until('loss noticed', () => c.status.state === 'reconnecting', 10_000);
  server = await startOpcuaServer(proc, { port, pkiDir: path.join(pkiRoot, 'sim'), users });
  values.length = 0;
  await until('values after the restart', () => values.length > 2 && c.status.state === 'connected', 20000);
  expect(subscribedTimes).toBe(2);
  expect(await serverSubscriptionCount()).toBe(1);
  expect(c.subscriptionsCreated).toBe(2);
}, 40000);

/** A real TCP relay to the server that can go silent without closing anything, like a cut cable or a dead switch. */
function silentLinkProxy(targetPort: number): Promise<{ port: number; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { silent: false };
  const srv = net.createServer((down) => {
    const up = net.connect(targetPort, '127.0.0.1');
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        down.destroy();
        up.destroy();
      });
    }
    down.on('data', (d) => !state.silent && up.write(d));
    up.on('data', (d) => !state.silent && down.write(d));
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({
        port,
        get silent() {
          return state.silent;
        },
        set silent(v: boolean) {
          state.silent = v;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            srv.close(() => r());
          }),
      });
    }),
  );
}

test('a network that goes silent is noticed by the publish watchdog; values flow again when it is back', async () => {
  const proxy = await silentLinkProxy(server.port);
  try {
    const c = connection({ endpoint: `opc.tcp://127.0.0.1:${proxy.port}` });
    const values: number[] = [];
    c.acquire('reader');
    c.addSubscriber({
      id: 'reader',
      publishingIntervalMs: 100,
      samplingIntervalMs: 50,
      items: [{ key: 'TT-201', nodeId: simNodeId('TT-201') }],
      onValue: (_i, s) => values.push(s.value as number),
      onItemError: () => undefined,
    });
    await until('first values', () => values.length > 0, 10_000);
    proxy.silent = true;
    await until('loss noticed', () => c.status.state === 'reconnecting' && /no answer/.test(c.status.error ?? ''), 15000);
    proxy.silent = false;
    values.length = 0;
    await until('values again', () => values.length > 2 && c.status.state === 'connected', 30000);
    expect(c.subscriptionsCreated).toBe(2);
  } finally {
    await proxy.close();
  }
}, 60000);

test('nothing listening: the status says so and retries with back-off, forever, without leaking handles', async () => {
  const closed = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
  const c = connection({ endpoint: `opc.tcp://127.0.0.1:${closed}`, backoff: { initialMs: 50, maxMs: 100 } });
  const errors: string[] = [];
  c.onStatus((s) => s.error && errors.push(s.error));
  c.acquire('x');
  await until('a few retries', () => errors.length >= 5, 10_000);
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  await until('many more retries', () => errors.length >= 25, 10_000);
  expect((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length).toBeLessThanOrEqual(handles + 1);
  expect(errors.at(-1)).toBe(`nothing listens at opc.tcp://127.0.0.1:${closed} (connection refused)`);
  expect(c.status.state).toBe('reconnecting');
});
