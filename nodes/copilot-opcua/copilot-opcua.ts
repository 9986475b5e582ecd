// copilot-opcua: one OPC UA endpoint, one session shared by every node that uses it (opened by
// the first user, closed by the last), reconnecting by itself. Its name is the connection name
// plant-model tags use in `source: {connection, nodeId}`. It also implements TagIO, the read and
// write primitive copilot-write uses for approved setpoint writes and their read-back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import { connectionConfigSchema, type ConnectionConfig } from '../lib/opcua';
import type { OpcuaConnection, ConnectionOptions, ConnectionStatus } from '../lib/opcua/connection';
import { describeZodError } from '../lib/messages';
import { settleWithin } from '../lib/timeout';
import { isOpcuaSource, type Tag, type TagValue } from '../lib/plant';
import type { TagReading } from '../shared/connections';
import type { OpcuaConfigNode } from './opcua-node';

// node-opcua costs ~0.4 s and ~45 MB when loaded: load it when the first OPC UA connection is
// configured, not at every Node-RED start of every user of this package.
type ConnectionClass = typeof import('../lib/opcua/connection').OpcuaConnection;
let connectionClass: ConnectionClass | undefined;
function Connection(): ConnectionClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  connectionClass ??= (require('../lib/opcua/connection') as typeof import('../lib/opcua/connection')).OpcuaConnection;
  return connectionClass;
}

interface OpcuaDef extends NodeDef {
  endpoint: string;
  securityMode: string;
  securityPolicy: string;
  acceptUnknownCertificate: boolean;
}

interface Credentials {
  user?: string;
  password?: string;
}

/** How long a close may take before Node-RED's 15 s limit: the rest is abandoned, not awaited. */
const CLOSE_BOUND_MS = 8000;

export = function (RED: NodeAPI) {
  const userDir = (): string => (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
  /** The client certificate and the trust lists of every copilot-opcua connection. */
  const pkiDir = (): string => path.join(userDir(), 'opcua-pki');

  function connectionOptions(cfg: ConnectionConfig, creds: Credentials, log?: ConnectionOptions['log']): ConnectionOptions {
    const dir = pkiDir();
    fs.mkdirSync(dir, { recursive: true });
    return {
      endpoint: cfg.endpoint,
      securityMode: cfg.securityMode,
      securityPolicy: cfg.securityPolicy,
      acceptUnknownCertificate: cfg.acceptUnknownCertificate,
      username: creds.user || undefined,
      password: creds.password || undefined,
      pkiDir: dir,
      log,
    };
  }

  function OpcuaNode(this: OpcuaConfigNode, config: OpcuaDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.name = config.name;
    node.endpoint = config.endpoint;
    const creds = ((node as unknown as { credentials?: Credentials }).credentials ?? {}) as Credentials;
    const parsed = connectionConfigSchema.safeParse({
      endpoint: config.endpoint,
      securityMode: config.securityMode || 'None',
      securityPolicy: config.securityPolicy || 'None',
      acceptUnknownCertificate: !!config.acceptUnknownCertificate,
    });
    if (!config.name) node.configError = 'the connection has no name: plant-model tags name their connection, e.g. source: {connection: ua1, nodeId: ...}';
    else if (!parsed.success) node.configError = describeZodError(parsed.error);
    if (node.configError) {
      node.error(`OPC UA connection "${config.name ?? ''}": ${node.configError}`);
    } else if (parsed.success) {
      try {
        node.connection = new (Connection())(connectionOptions(parsed.data, creds, { info: (m) => node.log(m), warn: (m) => node.warn(m) }));
        let last = '';
        node.connection.onStatus((s: ConnectionStatus) => {
          // Log state changes once each, not every retry of the same failure.
          const line = s.state === 'reconnecting' ? `not connected: ${s.error ?? ''}` : s.state;
          if (line !== last && s.state !== 'connecting') node.log(`${config.endpoint}: ${line}`);
          last = line;
        });
      } catch (e) {
        node.configError = `cannot prepare the certificate folder ${pkiDir()}: ${(e as Error).message}`;
        node.error(node.configError);
      }
    }

    const need = (): OpcuaConnection => {
      if (!node.connection) throw new Error(`OPC UA connection "${config.name}" is not usable: ${node.configError ?? 'not configured'}`);
      return node.connection;
    };
    const nodeIdOf = (tag: Tag): string => {
      if (!isOpcuaSource(tag.source)) throw new Error(`tag ${tag.name} has no OPC UA source (source: {connection: ${config.name}, nodeId: ...})`);
      return tag.source.nodeId;
    };

    node.readTag = async (tag: Tag): Promise<TagReading> => {
      const r = await need().read(nodeIdOf(tag));
      return { value: r.value, quality: r.quality, timestamp: r.timestamp };
    };
    node.writeTag = async (tag: Tag, value: TagValue): Promise<void> => {
      await need().write(nodeIdOf(tag), value);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      const c = node.connection;
      if (!c) return done();
      settleWithin(c.close(), CLOSE_BOUND_MS, done);
    });
  }

  RED.nodes.registerType('copilot-opcua', OpcuaNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });

  // Editor helper: browses the server the form describes (before or after deploy), one level at a
  // time. Connecting to an arbitrary host is a deploy-level privilege, hence flows.write.
  RED.httpAdmin.post('/copilot-opcua/browse', RED.auth.needsPermission('flows.write'), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = connectionConfigSchema.safeParse({
      endpoint: body.endpoint,
      securityMode: body.securityMode || 'None',
      securityPolicy: body.securityPolicy || 'None',
      acceptUnknownCertificate: body.acceptUnknownCertificate === true || body.acceptUnknownCertificate === 'true',
    });
    if (!parsed.success) {
      res.status(400).json({ ok: false, error: describeZodError(parsed.error) });
      return;
    }
    const nodeId = typeof body.nodeId === 'string' && body.nodeId.trim() ? body.nodeId.trim() : 'ns=0;i=85';
    // The editor does not send a stored password back; use the deployed node's credentials then.
    const deployed = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as OpcuaConfigNode | null) : null;
    const stored = (deployed as unknown as { credentials?: Credentials } | null)?.credentials ?? {};
    const creds: Credentials = {
      user: typeof body.user === 'string' ? body.user : stored.user,
      password: typeof body.password === 'string' && body.password !== '__PWRD__' ? body.password : stored.password,
    };
    let temp: OpcuaConnection | undefined;
    Promise.resolve()
      .then(() => {
        temp = new (Connection())({ ...connectionOptions(parsed.data, creds), connectTimeoutMs: 8000 });
        return temp.browse(nodeId);
      })
      .then((children) => res.json({ ok: true, nodeId, children }))
      .catch((e: Error) => res.json({ ok: false, nodeId, error: e.message }))
      .finally(() => temp?.close().catch(() => undefined));
  });
};
