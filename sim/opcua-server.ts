// The simulator's OPC UA server: the same SimProcess the Modbus server serves, browsable as
// Objects/<area>/<TAG>. Every tag is one variable with NodeId `ns=1;s=<TAG>` (namespace 1 is
// the server's own namespace, "urn:operator-copilot:sim"): numbers are AnalogItemType Doubles
// with EngineeringUnits and EURange, run states and controller modes are Booleans, setpoints and
// modes accept writes (they go to process.write; a refused write answers a Bad status).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { OPCUAServer, type OPCUAServerOptions } from 'node-opcua-server';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { DataType, MessageSecurityMode, SecurityPolicy, StatusCodes, Variant, type StatusCode } from 'node-opcua-client';
import type { OpcuaServerOptions, RunningOpcuaServer, SimProcess, SimTagInfo } from './process-api';

export const SIM_NAMESPACE_URI = 'urn:operator-copilot:sim';

/** The NodeId under which the simulator serves a tag: what a plant model's OPC UA source names. */
export function simNodeId(tag: string): string {
  return `ns=1;s=${tag}`;
}

/** Where the server's certificate and trust lists live when the caller names no folder. */
export function defaultSimPkiDir(): string {
  return path.join(os.tmpdir(), 'operator-copilot-sim-pki');
}

// UNECE Recommendation 20 codes (the EngineeringUnits namespace OPC UA Part 8 prescribes) for
// the units plant models use; unknown units are served with unitId -1 and their text.
const UNECE: Record<string, { code: string; description: string }> = {
  degC: { code: 'CEL', description: 'degree Celsius' },
  '°C': { code: 'CEL', description: 'degree Celsius' },
  degF: { code: 'FAH', description: 'degree Fahrenheit' },
  K: { code: 'KEL', description: 'kelvin' },
  'm3/h': { code: 'MQH', description: 'cubic metre per hour' },
  'l/s': { code: 'G51', description: 'litre per second' },
  'kg/h': { code: 'E93', description: 'kilogram per hour' },
  '%': { code: 'P1', description: 'percent' },
  bar: { code: 'BAR', description: 'bar' },
  barg: { code: 'BAR', description: 'bar (gauge)' },
  kPa: { code: 'KPA', description: 'kilopascal' },
  Pa: { code: 'PAL', description: 'pascal' },
  kW: { code: 'KWT', description: 'kilowatt' },
  rpm: { code: 'RPM', description: 'revolutions per minute' },
  A: { code: 'AMP', description: 'ampere' },
  V: { code: 'VLT', description: 'volt' },
};

function unitIdOf(code: string): number {
  let id = 0;
  for (const ch of code) id = (id << 8) | ch.charCodeAt(0);
  return id;
}

export function euInformation(unit: string) {
  const u = UNECE[unit];
  return {
    namespaceUri: 'http://www.opcfoundation.org/UA/units/un/cefact',
    unitId: u ? unitIdOf(u.code) : -1,
    displayName: { text: unit },
    description: { text: u?.description ?? unit },
  };
}

/** Asks the OS for a free TCP port (used only if node-opcua reports no port after binding 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// The AccessLevel bits of OPC UA Part 3 (CurrentRead = 1, CurrentWrite = 2).
const READ = 1;
const READ_WRITE = 3;

export async function startOpcuaServer(proc: SimProcess, opts: OpcuaServerOptions): Promise<RunningOpcuaServer> {
  const pkiDir = opts.pkiDir ?? defaultSimPkiDir();
  fs.mkdirSync(pkiDir, { recursive: true });
  // The simulator is a test bench: it trusts every client certificate so secure connections
  // work out of the box. A real server keeps a trust list.
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
  const users = opts.users ?? [];
  const allowAnonymous = opts.allowAnonymous ?? true;
  const options: OPCUAServerOptions = {
    port: opts.port,
    serverCertificateManager,
    alternateHostname: ['localhost', '127.0.0.1'],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous,
    userManager: {
      isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password),
    },
    serverInfo: { applicationUri: `${SIM_NAMESPACE_URI}:server`, productUri: SIM_NAMESPACE_URI, applicationName: { text: 'Operator Copilot plant simulator' } },
    buildInfo: { productName: 'operator-copilot sim', manufacturerName: 'Operator Copilot for Node-RED' },
    serverCapabilities: { maxSessions: 50 },
    maxConnectionsPerEndpoint: 50,
    isAuditing: false,
  };
  let server = new OPCUAServer(options);
  try {
    await server.initialize();
  } catch (e) {
    await server.shutdown(0).catch(() => undefined);
    throw new Error(`OPC UA server could not start (certificate folder ${pkiDir}): ${(e as Error).message}`);
  }
  let unsubscribe = populate(server, proc);
  try {
    await server.start();
  } catch (e) {
    unsubscribe();
    await server.shutdown(0).catch(() => undefined);
    throw new Error(`OPC UA server could not listen on port ${opts.port}: ${(e as Error).message}`);
  }
  let port = server.endpoints[0]?.port ?? 0;
  if (!port) {
    // Some node-opcua versions cannot report the port the OS chose: choose one ourselves.
    unsubscribe();
    await server.shutdown(0);
    const chosen = await freePort();
    server = new OPCUAServer({ ...options, port: chosen });
    await server.initialize();
    unsubscribe = populate(server, proc);
    await server.start();
    port = chosen;
  }
  const running = server;
  let stopped = false;
  return {
    port,
    endpointUrl: `opc.tcp://127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await running.shutdown(0);
    },
  };
}

function areaFolder(tag: SimTagInfo): string {
  return tag.area || 'plant';
}

/** Builds the address space and keeps it updated from the process on every simulation step. */
function populate(server: OPCUAServer, proc: SimProcess): () => void {
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA server has no address space after initialize()');
  const ns = addressSpace.getOwnNamespace();
  const objects = addressSpace.rootFolder.objects;
  const folders = new Map<string, ReturnType<typeof ns.addFolder>>();
  // Each tag's current value as a Variant, refreshed on every step: the getter the server calls
  // on every read and sampling tick only returns it, so reads never touch the process model.
  const current = new Map<string, Variant>();
  const variantOf = (tag: SimTagInfo, v: number | boolean): Variant =>
    tag.kind === 'boolean' ? new Variant({ dataType: DataType.Boolean, value: Boolean(v) }) : new Variant({ dataType: DataType.Double, value: Number(v) });
  const refresh = () => {
    for (const tag of proc.tags) {
      try {
        const v = proc.read(tag.name);
        const prev = current.get(tag.name);
        if (!prev || prev.value !== v) current.set(tag.name, variantOf(tag, v));
      } catch {
        // A tag the process cannot read right now keeps its last value.
      }
    }
  };
  refresh();

  for (const tag of proc.tags) {
    const area = areaFolder(tag);
    let folder = folders.get(area);
    if (!folder) {
      folder = ns.addFolder(objects, { browseName: area, nodeId: `s=area/${area}` });
      folders.set(area, folder);
    }
    const access = tag.writable ? READ_WRITE : READ;
    const value = {
      get: () => current.get(tag.name) ?? new Variant({ dataType: tag.kind === 'boolean' ? DataType.Boolean : DataType.Double, value: tag.kind === 'boolean' ? false : 0 }),
      set: (variant: Variant): StatusCode => {
        if (!tag.writable) return StatusCodes.BadNotWritable;
        const v = variant.value as unknown;
        if (tag.kind === 'boolean' ? typeof v !== 'boolean' : typeof v !== 'number' || !Number.isFinite(v)) return StatusCodes.BadTypeMismatch;
        if (tag.kind === 'number' && tag.range && ((v as number) < tag.range[0] || (v as number) > tag.range[1])) return StatusCodes.BadOutOfRange;
        try {
          proc.write(tag.name, v as number | boolean);
        } catch {
          // The process refused (e.g. a limit of the simulated controller): Bad, never a throw.
          return StatusCodes.BadOutOfRange;
        }
        refresh();
        return StatusCodes.Good;
      },
    };
    const common = {
      componentOf: folder,
      browseName: tag.name,
      nodeId: `s=${tag.name}`,
      description: tag.description,
      accessLevel: access,
      userAccessLevel: access,
      // Sampled from the cached value, so a fast rate costs next to nothing.
      minimumSamplingInterval: 50,
    };
    if (tag.kind === 'boolean') {
      ns.addVariable({ ...common, dataType: 'Boolean', value: tag.writable ? value : { get: value.get } });
    } else {
      ns.addAnalogDataItem({
        ...common,
        dataType: 'Double',
        engineeringUnitsRange: tag.range ? { low: tag.range[0], high: tag.range[1] } : { low: -1e9, high: 1e9 },
        ...(tag.unit ? { engineeringUnits: euInformation(tag.unit) } : {}),
        value: tag.writable ? value : { get: value.get },
      });
    }
  }
  return proc.onStep(refresh);
}
