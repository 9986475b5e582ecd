// The simulator's OPC UA server on an OS-chosen port, checked with a plain node-opcua client:
// address space layout, data types and properties, writes through the process, security.
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  type ClientSession,
} from 'node-opcua-client';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { startOpcuaServer, simNodeId } from '../../sim/opcua-server';
import type { RunningOpcuaServer } from '../../sim/process-api';
import { fakeProcess, type FakeProcess } from './opcua-fake-process';
import { sleep } from '../helpers/wait';

const pkiDir = path.join(os.tmpdir(), 'operator-copilot-test-pki', 'sim');
const clientPki = path.join(os.tmpdir(), 'operator-copilot-test-pki', 'plain-client');

let proc: FakeProcess;
let server: RunningOpcuaServer;
let client: OPCUAClient;
let session: ClientSession;

beforeAll(async () => {
  proc = fakeProcess(100);
  server = await startOpcuaServer(proc, { port: 0, pkiDir, users: [{ username: 'op', password: 'secret' }] });
  client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1, initialDelay: 100 } });
  await client.connect(server.endpointUrl);
  session = await client.createSession();
}, 60000);

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await client?.disconnect().catch(() => undefined);
  await server?.stop();
  proc?.stop();
});

async function children(nodeId: string) {
  const r = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
  return r.references ?? [];
}

test('the server listens on the port the OS chose', () => {
  expect(server.port).toBeGreaterThan(0);
  expect(server.endpointUrl).toBe(`opc.tcp://127.0.0.1:${server.port}`);
});

test('Objects holds one folder per area, each with one variable per tag of that area', async () => {
  const folders = (await children('ns=0;i=85')).filter((r) => r.nodeId.namespace === 1);
  expect(folders.map((f) => f.browseName.name).sort()).toEqual(['cooling', 'feed', 'reactor']);
  let total = 0;
  for (const f of folders) {
    const vars = (await children(f.nodeId.toString())).filter((r) => r.nodeClass === NodeClass.Variable);
    const expected = proc.tags.filter((t) => t.area === f.browseName.name).map((t) => t.name).sort();
    expect(vars.map((v) => v.browseName.name).sort()).toEqual(expected);
    for (const v of vars) expect(v.nodeId.toString()).toBe(simNodeId(v.browseName.name!));
    total += vars.length;
  }
  expect(total).toBe(proc.tags.length);
});

test('numbers are Doubles with EngineeringUnits and EURange; run states are Booleans', async () => {
  const [tt, run] = await session.read([
    { nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value },
    { nodeId: simNodeId('P-301.RUN'), attributeId: AttributeIds.Value },
  ]);
  expect(tt.value.dataType).toBe(DataType.Double);
  expect(tt.value.value).toBeCloseTo(proc.read('TT-201') as number, 0);
  expect(run.value.dataType).toBe(DataType.Boolean);
  expect(run.value.value).toBe(true);
  const props = await children(simNodeId('TT-201'));
  const byName = new Map(props.map((p) => [p.browseName.name, p.nodeId.toString()]));
  const [range, units] = await session.read([
    { nodeId: byName.get('EURange')!, attributeId: AttributeIds.Value },
    { nodeId: byName.get('EngineeringUnits')!, attributeId: AttributeIds.Value },
  ]);
  expect(range.value.value.low).toBe(0);
  expect(range.value.value.high).toBe(150);
  expect(units.value.value.displayName.text).toBe('degC');
  expect(units.value.value.unitId).toBe(0x43454c); // UNECE "CEL"
});

test('a setpoint write goes to the process and reads back', async () => {
  const st = await session.write({ nodeId: simNodeId('FIC-101.SP'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 9.5 } } });
  expect(st).toBe(StatusCodes.Good);
  expect(proc.read('FIC-101.SP')).toBe(9.5);
  const dv = await session.read({ nodeId: simNodeId('FIC-101.SP'), attributeId: AttributeIds.Value });
  expect(dv.value.value).toBe(9.5);
  const mode = await session.write({ nodeId: simNodeId('TIC-201.AUTO'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Boolean, value: false } } });
  expect(mode).toBe(StatusCodes.Good);
  expect(proc.read('TIC-201.AUTO')).toBe(false);
});

test('refused writes answer Bad status codes and the server keeps serving', async () => {
  const pv = await session.write({ nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 50 } } });
  expect(pv.isGood()).toBe(false);
  // 18 is inside EURange (0..20) but outside the process's writable limits (2..15).
  const refused = await session.write({ nodeId: simNodeId('FIC-101.SP'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 18 } } });
  expect(refused).toBe(StatusCodes.BadOutOfRange);
  const wrongType = await session.write({ nodeId: simNodeId('FIC-101.SP'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.String, value: 'ten' } } });
  expect(wrongType.isGood()).toBe(false);
  expect(proc.read('FIC-101.SP')).toBe(9.5);
  const dv = await session.read({ nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value });
  expect(dv.statusCode.isGood()).toBe(true);
});

test('values follow the process', async () => {
  const before = (await session.read({ nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value })).value.value as number;
  await sleep(400);
  const after = (await session.read({ nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value })).value.value as number;
  expect(after).not.toBe(before);
  expect(after).toBeCloseTo(proc.read('TT-201') as number, 1);
});

test('Basic256Sha256 Sign&Encrypt with user/password connects; a wrong password is refused', async () => {
  const secure = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: MessageSecurityMode.SignAndEncrypt,
    securityPolicy: SecurityPolicy.Basic256Sha256,
    connectionStrategy: { maxRetry: 1, initialDelay: 100 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: clientPki, automaticallyAcceptUnknownCertificate: true }),
  });
  try {
    await secure.connect(server.endpointUrl);
    const s = await secure.createSession({ type: UserTokenType.UserName, userName: 'op', password: 'secret' });
    const dv = await s.read({ nodeId: simNodeId('TT-201'), attributeId: AttributeIds.Value });
    expect(dv.statusCode.isGood()).toBe(true);
    await s.close();
    await expect(secure.createSession({ type: UserTokenType.UserName, userName: 'op', password: 'wrong' })).rejects.toThrow();
  } finally {
    await secure.disconnect();
  }
}, 30000);
