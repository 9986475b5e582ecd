// copilot-plant: loads and validates the plant model (file or inline), shares it and the live
// value table with every copilot node, and reloads it when the file changes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import { formatPlantError, LiveValueTable, loadPlantFile, parsePlantText, type LoadResult, type PlantModel } from '../lib/plant';
import { PlantHub } from '../lib/hub';
import { AuditLog } from '../lib/audit';
import { connectionNames } from '../shared/connections';
import type { PlantConfigNode } from '../shared/types';

interface PlantDef extends NodeDef {
  source: 'file' | 'inline';
  path: string;
  inline: string;
  /** Audit database file, relative to the Node-RED user directory; empty = no audit log. */
  audit?: string;
}

/** How often the plant file is checked for changes. */
const WATCH_INTERVAL_MS = 2000;

export = function (RED: NodeAPI) {
  // Node-RED's file storage always sets userDir; only test harnesses run without one. Their
  // state files and audit database then go to a temporary folder, never the working directory.
  const userDir = (): string =>
    (RED.settings as unknown as { userDir?: string }).userDir ?? path.join(os.tmpdir(), `node-red-copilot-${process.pid}`);

  type Source = { source?: string; path?: string; inline?: string; name?: string };
  const plantFileOf = (def: Source): string | undefined => (def.source !== 'inline' && def.path ? path.resolve(userDir(), def.path) : undefined);

  function load(def: Source): LoadResult {
    if (def.source === 'inline') return parsePlantText(def.inline ?? '', { file: `${def.name || 'inline plant model'}`, baseDir: userDir() });
    const file = plantFileOf(def);
    if (!file) return { errors: [{ file: '(none)', field: 'path', message: 'no plant model file set: enter a path relative to the Node-RED user directory' }] };
    const r = loadPlantFile(file);
    if (!r.model && r.errors[0]?.message.startsWith('cannot read the file'))
      r.errors[0].message += ` (a relative path is relative to the Node-RED user directory, ${userDir()})`;
    return r;
  }

  function PlantNode(this: PlantConfigNode, config: PlantDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const listeners = new Set<(m: PlantModel) => void>();
    node.live = new LiveValueTable();
    node.hub = new PlantHub();
    node.userDir = userDir();
    node.errors = [];
    node.onModel = (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    };

    // DESIGN §3: a tag's source.connection must name a connection node of the deployed flow;
    // otherwise no read node reads it and the tag silently gets values only from messages.
    const warnUnknownConnections = (model: PlantModel) => {
      const known = new Set(connectionNames(RED));
      const byName = new Map<string, string[]>();
      for (const tag of model.tags) {
        if (!tag.source || known.has(tag.source.connection)) continue;
        const tags = byName.get(tag.source.connection) ?? [];
        tags.push(tag.name);
        byName.set(tag.source.connection, tags);
      }
      for (const [name, tags] of byName)
        node.warn(
          `${tags.length} tag${tags.length === 1 ? '' : 's'} (${tags.slice(0, 5).join(', ')}${tags.length > 5 ? ', ...' : ''}) read from connection "${name}", ` +
            `but the flow has no copilot-modbus or copilot-opcua node named "${name}": give the connection node that name or correct source.connection in the plant model; until then these tags get values only from messages`,
        );
    };

    const apply = (result: LoadResult, reason: string) => {
      node.errors = result.errors;
      if (result.model) {
        node.model = result.model;
        warnUnknownConnections(result.model);
        node.log(`${reason}: plant "${result.model.plant}", ${result.model.tags.length} tags, ${result.model.alarms.length} alarms, ${result.model.causes.length} causes`);
        for (const cb of listeners) {
          try {
            cb(result.model);
          } catch (e) {
            node.error(`a node failed to take the reloaded plant model: ${(e as Error).message}`);
          }
        }
      } else {
        // Keep running on the last good model: a typo saved to the file must not blank the plant.
        const keep = node.model ? ' (still running on the previously loaded model)' : '';
        node.error(`plant model has ${result.errors.length} error(s)${keep}:\n${result.errors.map(formatPlantError).join('\n')}`);
      }
    };

    // The plant's audit log (DESIGN §5 rule 6). A log that cannot be opened is reported loudly;
    // the nodes keep running so the plant stays visible, but copilot-write refuses to write
    // without an audit log.
    const auditFile = config.audit === undefined ? 'copilot-audit.db' : config.audit.trim();
    let audit: AuditLog | undefined;
    if (auditFile) {
      try {
        audit = new AuditLog(path.resolve(node.userDir, auditFile));
        node.hub.audit = audit;
        if (audit.anchorProblem) node.error(`the audit database ${audit.file} does not match its head file: ${audit.anchorProblem}`);
      } catch (e) {
        node.error(`cannot open the audit database ${path.resolve(node.userDir, auditFile)}: ${(e as Error).message}`);
      }
    }

    // The file's identity when it was last read, taken *before* reading, so an edit that lands
    // between the stat and the read is seen at the next poll.
    const fileId = (st: fs.Stats) => `${st.ino}:${st.size}:${st.mtimeMs}`;
    const statNow = (file: string | undefined): string | undefined => {
      try {
        return file ? fileId(fs.statSync(file)) : undefined;
      } catch {
        return undefined;
      }
    };
    const plantFile = plantFileOf(config);
    let loadedId = statNow(plantFile);
    const first = load(config);
    apply(first, 'loaded');

    // Polled rather than fs.watch'ed: polling survives editors that replace the file and network
    // folders, and comparing with the identity taken at load has no start-up race (fs.watchFile
    // takes its baseline asynchronously and misses an edit made before it).
    // A file missing at deploy was reported by the load itself.
    let missingReported = loadedId === undefined;
    const poll = plantFile
      ? setInterval(() => {
          fs.stat(plantFile, (err, st) => {
            if (err) {
              if (!missingReported)
                node.error(`plant model file ${plantFile} cannot be read (${err.code})${node.model ? '; still running on the previously loaded model' : ''}`);
              missingReported = true;
              return;
            }
            missingReported = false;
            if (fileId(st) === loadedId) return;
            loadedId = fileId(st);
            apply(load(config), 'reloaded after the file changed');
          });
        }, WATCH_INTERVAL_MS)
      : undefined;

    node.on('close', (done: () => void) => {
      if (poll) clearInterval(poll);
      listeners.clear();
      if (audit) {
        if (node.hub.audit === audit) node.hub.audit = undefined;
        try {
          audit.close();
        } catch (e) {
          node.warn(`closing the audit database: ${(e as Error).message}`);
        }
      }
      done();
    });
  }

  RED.nodes.registerType('copilot-plant', PlantNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);

  // Editor helper: validates the form's current settings (before deploy) and returns counts and
  // errors. Registered once at module load; needs the same permission as reading flows.
  RED.httpAdmin.post('/copilot-plant/check', RED.auth.needsPermission('flows.read'), (req, res) => {
    try {
      const body = (req.body ?? {}) as { source?: string; path?: string; inline?: string; name?: string };
      const r = load(body);
      if (r.model) {
        res.json({
          ok: true,
          plant: r.model.plant,
          tags: r.model.tags.length,
          alarms: r.model.alarms.length,
          causes: r.model.causes.length,
          influences: r.model.influences.length,
          writable: r.model.tags.filter((t) => t.writable).length,
        });
      } else {
        res.json({ ok: false, errors: r.errors.map(formatPlantError) });
      }
    } catch (e) {
      res.status(500).json({ ok: false, errors: [(e as Error).message] });
    }
  });
};
