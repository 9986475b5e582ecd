// copilot-modbus: one Modbus connection (TCP, or RTU through modbus-serial) shared by every
// node that uses it. Users register by node id; the connection opens on the first user and
// closes on the last. Its `name` is the connection name plant tags use in `source.connection`.
// Implements TagIO (read now, write with the tag's encoding) for copilot-write.
import { numberSetting } from '../lib/settings';
import type { NodeAPI, NodeDef } from 'node-red';
import {
  modbusTagIO,
  ModbusRtuClient,
  ModbusTcpClient,
  type ConnectionState,
  type ModbusMaster,
} from '../lib/modbus';
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

    const io = modbusTagIO(withMaster, node.unitId);
    node.readTag = io.readTag;
    node.writeTag = io.writeTag;

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
