// copilot-console: the operator console's configuration (plant, users and roles, session idle
// timeout, display options). Its routes are registered once at module load on RED.httpNode at
// /copilot and look up the active console node per request, so redeploys never pile up routes.
import type { NodeAPI, NodeDef } from 'node-red';
import { ServiceError } from '../lib/contracts';
import { numberSetting } from '../lib/settings';
import {
  createConsoleRouter,
  hashPassword,
  mergeUsers,
  parseEnvUsers,
  parseStoredUsers,
  unsetEnvReference,
  upgradeStoredUsers,
  DEFAULT_IDLE_TIMEOUT_MS,
  type ConsoleContext,
  type ConsoleUser,
} from '../lib/console';
import type { Node, PlantConfigNode } from '../shared/types';

interface ConsoleDef extends NodeDef {
  plant: string;
  idleMinutes: number | string;
  envUsers: string;
  envPassword: string;
  title: string;
  showNormal: boolean;
  textSize: string;
}

interface ConsoleNode extends Node {
  plantId: string;
  idleTimeoutMs: number;
  display: Record<string, unknown>;
  /** Resolves once every password from the environment is hashed. */
  users: Promise<ConsoleUser[]>;
  credentials: { users?: string };
}

const TEXT_SIZES = ['normal', 'large', 'xlarge'];

export = function (RED: NodeAPI) {
  /** Deployed console nodes, oldest first; /copilot serves the newest. */
  const active: ConsoleNode[] = [];

  function ConsoleConfigNode(this: ConsoleNode, config: ConsoleDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.plantId = config.plant;
    // Blank or not a number: the default (30 min); otherwise within the editor's 1 min to 24 h.
    node.idleTimeoutMs = numberSetting(config.idleMinutes, DEFAULT_IDLE_TIMEOUT_MS / 60_000, 1, 24 * 60) * 60_000;
    node.display = {
      title: config.title || '',
      showNormal: config.showNormal === true,
      textSize: TEXT_SIZES.includes(config.textSize) ? config.textSize : 'normal',
    };

    node.users = (async () => {
      try {
        // Plain passwords that reached the credentials some other way are hashed and stored back.
        const upgraded = await upgradeStoredUsers(node.credentials?.users);
        if (upgraded.changed) {
          RED.nodes.addCredentials(node.id, { ...node.credentials, users: upgraded.text });
          node.warn('console passwords were stored in clear: they are hashed now; deploy once so only the hashes are kept');
        }
        const stored = parseStoredUsers(upgraded.text);
        const unsetUsers = unsetEnvReference(config.envUsers);
        const unsetPassword = unsetEnvReference(config.envPassword);
        if (unsetUsers) node.warn(`environment variable ${unsetUsers} (console users) is not set: no users from the environment`);
        if (unsetPassword && !unsetUsers && config.envUsers) node.warn(`environment variable ${unsetPassword} (console password) is not set`);
        const env = unsetUsers ? { users: [], errors: [] } : await parseEnvUsers(config.envUsers, unsetPassword ? undefined : config.envPassword || undefined);
        const merged = mergeUsers(stored.users, env.users);
        for (const e of [...stored.errors, ...env.errors, ...merged.errors]) node.warn(`console users: ${e}`);
        if (!merged.users.length) node.warn('the console has no users: add users in the copilot-console node (or from the environment) and deploy');
        else node.log(`console users: ${merged.users.map((u) => `${u.name} (${u.roles.join('+')})`).join(', ')}`);
        return merged.users;
      } catch (e) {
        node.error(`console users could not be loaded: ${(e as Error).message}`);
        return [];
      }
    })();

    active.push(node);
    if (active.length > 1) {
      node.warn(`${active.length} copilot-console nodes are deployed; /copilot serves the most recently started one ("${node.name || node.id}")`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      const i = active.indexOf(node);
      if (i >= 0) active.splice(i, 1);
      done();
    });
  }

  RED.nodes.registerType('copilot-console', ConsoleConfigNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { users: { type: 'text' } },
  } as never);

  // The editor hashes a typed password here before storing it, so the flow's credentials only
  // ever hold scrypt hashes. Needs the permission to change flows.
  RED.httpAdmin.post('/copilot-console/hash', RED.auth.needsPermission('flows.write'), (req, res) => {
    const password = (req.body as { password?: unknown } | undefined)?.password;
    if (typeof password !== 'string' || !password || password.length > 1024) {
      res.status(400).json({ error: 'send {password}: a non-empty string of at most 1024 characters' });
      return;
    }
    hashPassword(password).then(
      (hash) => res.json({ hash }),
      (e: Error) => res.status(500).json({ error: e.message }),
    );
  });

  const context = async (): Promise<ConsoleContext> => {
    const node = active[active.length - 1];
    if (!node) throw new ServiceError(503, 'no copilot-console configuration node is deployed: add one in the Node-RED editor, choose the plant, and deploy');
    const plant = node.plantId ? (RED.nodes.getNode(node.plantId) as PlantConfigNode | null) : null;
    if (!plant || !plant.hub) throw new ServiceError(503, `the copilot-console node "${node.name || node.id}" has no plant model: choose a copilot-plant in it and deploy`);
    return {
      hub: plant.hub,
      users: await node.users,
      plant: plant.model?.plant,
      model: plant.model,
      live: plant.live,
      idleTimeoutMs: node.idleTimeoutMs,
      display: node.display,
    };
  };

  // httpNode is absent when the settings disable HTTP nodes (httpNodeRoot: false).
  if (RED.httpNode) {
    const router = createConsoleRouter({ context, log: { warn: (m) => RED.log.warn(m) } });
    RED.httpNode.use('/copilot', router);
  } else {
    RED.log.warn('copilot-console: HTTP nodes are disabled in the settings (httpNodeRoot), so the operator console at /copilot is not served');
  }
};
