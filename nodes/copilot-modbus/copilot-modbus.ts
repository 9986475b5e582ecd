// copilot-modbus: one Modbus connection (TCP, or RTU through modbus-serial) shared by every
// node that uses it. Users register by node id; the connection opens on the first user and
// closes on the last. Its `name` is the connection name plant tags use in `source.connection`.
// Implements TagIO (read now, write with the tag's encoding) for copilot-write.
import { numberSetting } from '../lib/settings';
import type { NodeAPI, NodeDef } from 'node-red';
import type { Tag, TagValue } from '../lib/plant';
import { isModbusSource } from '../lib/plant';
import {
  decodeRegisters,
  encodeRegisters,
  isBitArea,
  ModbusRtuClient,
  ModbusTcpClient,
  pointOf,
  readBits,
  readFunctionCode,
  readRegisters,
  sampleOfRead,
  widthOf,
  writeCoil,
  writeRegisters,
  type ConnectionState,
  type ModbusMaster,
} from '../lib/modbus';
import type { TagReading } from '../shared/connections';
import type { ModbusConfigNode } from './config-node';

interface ModbusDef extends NodeDef {
  transport: 'tcp' | 'rtu';
  host: string;
  port: number | string;
  unitId: number | string;
  timeout: number | string;
  inFlight: number | string;
  queueLimit: number | string;
  serialPath: string;
  baudRate: number | string;
  parity: 'none' | 'even' | 'odd';
}



export = function (RED: NodeAPI) {
  function ModbusNode(this: ModbusConfigNode, config: ModbusDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.unitId = numberSetting(config.unitId, 1, 0, 255);
    const users = new Set<string>();
    let master: ModbusMaster | undefined;

    const create = (): ModbusMaster => {
      if (config.transport === 'rtu') {
        return new ModbusRtuClient({ path: config.serialPath, baudRate: numberSetting(config.baudRate, 9600, 300, 921600), parity: config.parity || 'none', timeoutMs: numberSetting(config.timeout, 1000, 50, 60000) });
      }
      return new ModbusTcpClient({
        host: config.host || '127.0.0.1',
        port: numberSetting(config.port, 502, 1, 65535),
        timeoutMs: numberSetting(config.timeout, 1000, 50, 60000),
        maxInFlight: numberSetting(config.inFlight, 1, 1, 64),
        queueLimit: numberSetting(config.queueLimit, 100, 1, 10000),
      });
    };

    const onState = (s: ConnectionState, detail: string) => {
      if (s === 'backoff') node.warn(`Modbus ${node.name}: ${detail}`);
      else if (s === 'connected') node.log(`Modbus ${node.name}: ${detail}`);
    };

    node.register = (userId) => {
      users.add(userId);
      if (!master) {
        master = create();
        master.on('state', onState);
        master.open();
      }
      return master;
    };

    node.deregister = async (userId) => {
      users.delete(userId);
      if (users.size === 0 && master) {
        const m = master;
        master = undefined;
        await m.close();
      }
    };

    node.connectionState = () => ({ state: master?.state ?? 'idle', detail: master?.detail ?? 'not in use' });
    node.metrics = () => master?.metrics() ?? {};

    // TagIO: borrow the shared connection for one operation (opening it if no reader uses it).
    const withMaster = async <T>(fn: (m: ModbusMaster) => Promise<T>): Promise<T> => {
      const id = `tagio:${Math.random().toString(36).slice(2)}`;
      const m = node.register(id);
      try {
        if (m.state === 'connecting') await waitConnected(m, 3000);
        return await fn(m);
      } finally {
        await node.deregister(id);
      }
    };

    node.readTag = (tag: Tag) =>
      withMaster(async (m): Promise<TagReading> => {
        if (!isModbusSource(tag.source)) throw new Error(`${tag.name} has no Modbus source`);
        const p = pointOf(tag.source);
        const unit = p.unitId ?? node.unitId;
        const value = isBitArea(p.area)
          ? (await readBits(m, unit, readFunctionCode(p.area), p.offset, 1))[0]
          : decodeRegisters(p, await readRegisters(m, unit, readFunctionCode(p.area), p.offset, widthOf(p)));
        return sampleOfRead(tag.name, value, Date.now());
      });

    node.writeTag = (tag: Tag, value: TagValue) =>
      withMaster(async (m) => {
        if (!isModbusSource(tag.source)) throw new Error(`${tag.name} has no Modbus source`);
        const p = pointOf(tag.source);
        const unit = p.unitId ?? node.unitId;
        if (p.area === 'CO') {
          if (typeof value !== 'boolean') throw new Error(`${tag.name} is a coil: write true or false`);
          return writeCoil(m, unit, p.offset, value);
        }
        if (p.area !== 'HR') throw new Error(`${tag.name} is in ${p.area}, which is read-only in Modbus`);
        if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`${tag.name} needs a number`);
        return writeRegisters(m, unit, p.offset, encodeRegisters(p, value));
      });

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      const m = master;
      master = undefined;
      if (!m) return done();
      m.close().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType('copilot-modbus', ModbusNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  // Connection state and per-unit queue metrics, for the editor and for troubleshooting.
  // Registered once at module load; the node is looked up by id.
  RED.httpAdmin.get('/copilot-modbus/:id/metrics', RED.auth.needsPermission('flows.read'), (req, res) => {
    const n = RED.nodes.getNode(req.params.id) as ModbusConfigNode | null;
    if (!n || typeof n.connectionState !== 'function') {
      res.status(404).json({ error: `no deployed copilot-modbus node with id ${req.params.id}` });
      return;
    }
    res.json({ name: n.name, ...n.connectionState(), units: n.metrics() });
  });
};

function waitConnected(m: ModbusMaster, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(finish, ms);
    function finish() {
      clearTimeout(t);
      m.off('state', on);
      resolve();
    }
    function on(s: ConnectionState) {
      if (s !== 'connecting') finish();
    }
    m.on('state', on);
  });
}
