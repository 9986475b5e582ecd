// A read (the write path's read-back) against a real node-opcua server whose variables carry
// Good, Uncertain and Bad status codes: Good and Uncertain values come back with their quality,
// a Bad one is an error naming the status.
import * as os from 'node:os';
import * as path from 'node:path';
import { OPCUAServer } from 'node-opcua-server';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { DataType, StatusCodes, Variant } from 'node-opcua-client';
import { OpcuaConnection } from '../../nodes/lib/opcua/connection';

const pki = path.join(os.tmpdir(), 'operator-copilot-test-pki');
let server: OPCUAServer;
let conn: OpcuaConnection;

beforeAll(async () => {
  server = new OPCUAServer({
    port: 0,
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(pki, 'status-server'), automaticallyAcceptUnknownCertificate: true }),
    isAuditing: false,
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const folder = ns.addFolder(server.engine.addressSpace!.rootFolder.objects, { browseName: 'Status' });
  const add = (name: string, value: number, status: (typeof StatusCodes)[keyof typeof StatusCodes]) => {
    const v = ns.addVariable({ componentOf: folder, browseName: name, nodeId: `s=${name}`, dataType: 'Double' });
    v.setValueFromSource(new Variant({ dataType: DataType.Double, value }), status as never);
  };
  add('GoodValue', 41.5, StatusCodes.Good);
  add('UncertainValue', 42.5, StatusCodes.UncertainLastUsableValue);
  add('BadValue', 43.5, StatusCodes.BadSensorFailure);
  await server.start();
  conn = new OpcuaConnection({
    endpoint: `opc.tcp://127.0.0.1:${server.endpoints[0].port}`,
    securityMode: 'None',
    securityPolicy: 'None',
    pkiDir: path.join(pki, 'client'),
    acceptUnknownCertificate: true,
    connectTimeoutMs: 5000,
  });
  conn.acquire('test');
}, 60_000);

afterAll(async () => {
  await conn?.close();
  await server?.shutdown(0);
});

test('Good and Uncertain values are read with their quality; Bad is an error with its status', async () => {
  await expect(conn.read('ns=1;s=GoodValue')).resolves.toMatchObject({ value: 41.5, quality: 'good', dataType: 'Double' });
  await expect(conn.read('ns=1;s=UncertainValue')).resolves.toMatchObject({ value: 42.5, quality: 'uncertain' });
  await expect(conn.read('ns=1;s=BadValue')).rejects.toThrow(/BadSensorFailure/);
});
