// copilot-write: the only way this package writes to a PLC (DESIGN §5 rule 1). Takes approved
// writes from copilot-approval, spends their token with the plant's approval service, checks
// the write policy against the live value once more, writes through the tag's connection
// (copilot-modbus / copilot-opcua, found by the tag's source.connection), reads back, compares
// within the tag's tolerance and emits the write result. A message without a valid token is
// refused and audited, whatever is wired into this node. Writes are carried out one at a time.
import type { NodeAPI, NodeDef } from 'node-red';
import { executeApprovedWrite, rampMismatch, type TagIO } from '../lib/approval';
import type { TokenCheck } from '../lib/approval';
import type { WriteResult } from '../lib/contracts';
import type { Tag } from '../lib/plant';
import { numberSetting } from '../lib/settings';
import { settleWithin } from '../lib/timeout';
import { findConnection } from '../shared/connections';
import { plantAuditor } from '../shared/audit';
import { plantNodeOf } from '../shared/plant-ref';
import { errorText, status } from '../shared/status';
import type { Done, Node, PlantConfigNode, Send } from '../shared/types';

interface WriteDef extends NodeDef {
  plant: string;
  ramp: boolean | string;
  rampInterval: string | number;
  timeout: string | number;
  maxAge: string | number;
}

export = function (RED: NodeAPI) {
  function WriteNode(this: Node, config: WriteDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const plant: PlantConfigNode | undefined = plantNodeOf(RED, node, config.plant);
    const tolerant = plantAuditor(node, plant);
    const ramp = config.ramp === true || config.ramp === 'true';
    const rampIntervalMs = numberSetting(config.rampInterval, 5, 0) * 1000;
    const timeoutMs = numberSetting(config.timeout, 10, 1) * 1000;
    const maxAgeMs = numberSetting(config.maxAge, 15, 1) * 1000;
    const actor = `copilot-write${config.name ? ` "${config.name}"` : ''} ${node.id}`;
    let queue: Promise<void> = Promise.resolve();
    let closing = false;
    let pendingSleep: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
    let written = 0;
    let failed = 0;
    let refused = 0;
    if (plant?.model) status.ok(node, 'ready');

    const ioFor = (tag: Tag): TagIO | string => {
      const name = tag.source?.connection;
      if (!name) return `${tag.name} has no source connection in the plant model`;
      const conn = findConnection(RED, name);
      if (!conn || typeof conn.writeTag !== 'function' || typeof conn.readTag !== 'function')
        return `no connection named "${name}" in the flows (add a copilot-modbus or copilot-opcua configuration node with that name)`;
      return conn;
    };

    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (closing) return resolve();
        pendingSleep = { timer: setTimeout(() => ((pendingSleep = undefined), resolve()), ms), resolve };
      });

    const summary = () => `${written} written, ${failed} failed, ${refused} refused`;

    // copilot-approval may approve changes of several maxSteps for a ramp: without Ramp here they
    // would be approved, their token spent, and then fail. Said once (again if the setting changes).
    let rampWarned: number | undefined;
    const checkRamp = () => {
      const steps = plant?.hub.service('approval')?.maxSteps;
      const hint = rampMismatch(ramp, steps);
      if (!hint || rampWarned === steps) return;
      rampWarned = steps;
      node.warn(`${hint}: without it, every approved change larger than a tag's maxStep fails at the write`);
    };
    const rampCheck = setImmediate(checkRamp);

    async function handle(msg: Record<string, unknown>, send: Send, done: Done): Promise<void> {
      if (!plant) return done(new Error('no plant model selected'));
      const approval = plant.hub.service('approval');
      const log = plant.hub.audit;
      // Throws when the log cannot record: executeApprovedWrite refuses a write it cannot audit
      // and reports (never loses) a result it could not audit after the device accepted it.
      const audit = log ? (k: string, a: string | null, d: unknown) => void log.append(k, a, d) : undefined;
      const onAuditError = (k: string, e: Error) => node.error(`audit log append failed (${k}): ${errorText(e)}`);
      const redeem =
        approval?.redeem.bind(approval) ??
        ((w: Record<string, unknown>): TokenCheck => {
          const reason = 'no copilot-approval node serves this plant, so no approval token can be checked';
          tolerant('token-refusal', actor, { reason, proposalId: typeof w?.proposalId === 'string' ? w.proposalId : null, tag: typeof w?.tag === 'string' ? w.tag : null });
          return { ok: false, reason };
        });
      checkRamp();
      status.busy(node, 'writing');
      const outcome = await executeApprovedWrite(msg.payload, {
        redeem,
        model: () => plant.model,
        live: (t) => plant.live.get(t),
        io: ioFor,
        now: Date.now,
        audit,
        onAuditError,
        actor,
        maxAgeMs,
        timeoutMs,
        ramp: ramp ? { maxSteps: approval?.maxSteps ?? 1, intervalMs: rampIntervalMs } : undefined,
        approvalMaxSteps: approval?.maxSteps,
        updateLive: (t, v) => plant.live.update(t, v),
        sleep,
        cancelled: () => closing,
      });
      if ('refused' in outcome) {
        refused++;
        status.error(node, `refused: ${outcome.refused.slice(0, 50)}`);
        return done(new Error(`write refused: ${outcome.refused}`));
      }
      const result: WriteResult = outcome.result;
      if (result.verified) written++;
      else failed++;
      plant.hub.emit({ type: 'write', payload: result });
      send({ ...msg, topic: `copilot/write/${result.tag}`, payload: result });
      if (result.verified) status.ok(node, `${result.tag} = ${result.written} verified · ${summary()}`);
      else status.error(node, `${result.tag} failed · ${summary()}`);
      if (!result.verified) node.warn(`write of ${result.requested} to ${result.tag} failed: ${result.error}`);
      done();
    }

    node.on('input', (msg: Record<string, unknown>, send: Send, done: Done) => {
      // One write at a time: a second approved write for the same tag must see the first's read-back.
      queue = queue.then(() =>
        handle(msg, send, done).catch((e) => {
          status.error(node, 'write error');
          done(new Error(`write failed: ${errorText(e)}`));
        }),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearImmediate(rampCheck);
      if (pendingSleep) {
        clearTimeout(pendingSleep.timer);
        pendingSleep.resolve();
      }
      // Let a write in progress finish (each device call is bounded by the timeout) so its result is audited.
      settleWithin(queue, Math.min(12_000, timeoutMs * 2 + 500), done);
    });
  }

  RED.nodes.registerType('copilot-write', WriteNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
