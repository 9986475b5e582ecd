// copilot-approval: holds setpoint proposals for a human decision (DESIGN §5 rules 2-4). Takes
// proposals and decision messages, serves the console through the plant hub's ApprovalService,
// and emits approved writes (with a single-use signed token), rejections, and expiries or
// supersessions on three outputs. Pending proposals, the token nonce ledger and a generated
// secret live in a state file, so a redeploy or restart loses nothing and expiry keeps counting.
import * as fs from 'node:fs';
import type { NodeAPI, NodeDef } from 'node-red';
import { ApprovalStore, decisionSchema, generateSecret, MAX_ISSUES, MIN_SECRET_LENGTH, proposalSchema, writeResultSchema, type ApprovalState, type ChangeEvent } from '../lib/approval';
import type { ApprovedWrite, Proposal, ProposalRecord } from '../lib/contracts';
import { ServiceError } from '../lib/contracts';
import { describeZodError } from '../lib/messages';
import { numberSetting } from '../lib/settings';
import { StateFile, stateFilePath } from '../lib/state-file';
import { plantAuditor } from '../shared/audit';
import { plantNodeOf } from '../shared/plant-ref';
import { errorText, status } from '../shared/status';
import type { Done, Node, PlantConfigNode, Send } from '../shared/types';

interface ApprovalDef extends NodeDef {
  plant: string;
  selectionTimeout: string | number;
  tokenTtl: string | number;
  maxPending: string | number;
  movePercent: string | number;
  maxAge: string | number;
  maxSteps: string | number;
}

interface Persisted {
  /** Generated on first start when the node's credentials hold no secret. */
  secret?: string;
  store?: ApprovalState;
}

type Msg = Record<string, unknown>;

const TICK_MS = 1000;

export = function (RED: NodeAPI) {
  function ApprovalNodeCtor(this: Node & { credentials?: { secret?: string } }, config: ApprovalDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const plant: PlantConfigNode | undefined = plantNodeOf(RED, node, config.plant);
    if (!plant) return;

    const stateFile = new StateFile<Persisted>(stateFilePath(plant.userDir, 'approval', node.id), 200, (e) =>
      node.error(`cannot save the approval state: ${errorText(e)} (pending proposals would not survive a restart; check the copilot-state folder in the Node-RED user directory)`),
    );
    const typed = node.credentials?.secret?.trim() ?? '';
    if (typed && typed.length < MIN_SECRET_LENGTH) {
      // Refused at start-up: otherwise every approval would fail, each with the same error.
      status.error(node, 'secret too short');
      const why = `copilot-approval: the Secret field holds ${typed.length} characters; a signing secret needs at least ${MIN_SECRET_LENGTH}. Type a longer one, or empty the field to have one generated; no proposal is taken until then`;
      node.error(why);
      // Each message that arrives is reported (a Catch node sees it), never dropped in silence.
      node.on('input', (_msg: Msg, _send: Send, done: Done) => done(new Error(why)));
      return;
    }
    const saved = stateFile.load() ?? {};
    let secret = typed || saved.secret || '';
    let generated = false;
    if (!secret) {
      secret = generateSecret();
      generated = true;
    }
    const keepSecret = !typed;

    const audit = plantAuditor(node, plant);

    let store: ApprovalStore;
    let started = false;
    const early: Array<Array<Msg | null>> = [];
    /** What the state file holds: the store and, unless the credentials hold it, the secret. */
    const snapshot = (): Persisted => ({ ...(keepSecret ? { secret } : {}), store: store.toJSON() });
    const persist = (now = false) => {
      stateFile.save(snapshot());
      if (now) {
        try {
          stateFile.flush();
        } catch (e) {
          node.error(`cannot save the approval state: ${errorText(e)}`);
        }
      }
    };

    const showStatus = () => {
      const open = store.list().filter((r) => r.state === 'pending' || r.state === 'selected');
      const selected = open.filter((r) => r.state === 'selected').length;
      const waiting2 = open.filter((r) => r.approvals.length > 0).length;
      if (!plant.model) return status.error(node, 'plant model invalid');
      if (!open.length) return status.ok(node, 'no pending proposals');
      const extra = [selected ? `${selected} selected` : '', waiting2 ? `${waiting2} awaiting 2nd approval` : ''].filter(Boolean).join(', ');
      status.info(node, `${open.length} pending${extra ? ` (${extra})` : ''}`);
    };

    const onChange = (rec: ProposalRecord, event: ChangeEvent, write?: ApprovedWrite) => {
      plant.hub.emit({ type: 'proposal', payload: rec });
      if (event === 'redeemed') {
        // A spent token must be on disk before the write goes ahead: a restart must not revive it.
        // If it cannot be saved, the error reaches copilot-write and nothing is written.
        stateFile.save(snapshot());
        try {
          stateFile.flush();
        } catch (e) {
          throw new Error(`the spent approval token cannot be saved (${errorText(e)}), so the write is not carried out; check the copilot-state folder in the Node-RED user directory`);
        }
      } else persist(event === 'approved');
      let out: Array<Msg | null> | undefined;
      if (event === 'approved' && write) out = [{ topic: 'copilot/approved-write', payload: write, proposal: rec }, null, null];
      else if (event === 'rejected' || event === 'refused') out = [null, { topic: 'copilot/rejected', payload: rec }, null];
      else if (event === 'expired' || event === 'superseded') out = [null, null, { topic: `copilot/${event}`, payload: rec }];
      if (out) {
        // Expiries found while restoring at start-up wait until the flow's wires exist.
        if (started) node.send(out);
        else early.push(out);
      }
      if (started) showStatus();
    };

    store = new ApprovalStore({
      now: Date.now,
      secret,
      model: () => plant.model,
      live: (t) => plant.live.get(t),
      selectionTimeoutMs: numberSetting(config.selectionTimeout, 60, 5) * 1000,
      tokenTtlMs: numberSetting(config.tokenTtl, 60, 5) * 1000,
      maxPendingMs: numberSetting(config.maxPending, 30, 1) * 60_000,
      movePercent: numberSetting(config.movePercent, 1, 0),
      maxAgeMs: numberSetting(config.maxAge, 15, 1) * 1000,
      maxSteps: Math.floor(numberSetting(config.maxSteps, 1, 1)),
      audit,
      onChange,
    });
    try {
      store.restore(saved.store);
    } catch (e) {
      node.error(`the saved approval state could not be restored, starting empty: ${errorText(e)}`);
    }
    if (generated) persist(true);

    // One approval node per plant: the console and copilot-write find it through the hub.
    if (plant.hub.service('approval'))
      node.warn('another copilot-approval node already serves this plant; this one replaces it for the console and copilot-write (use one per plant)');
    const withdraw = plant.hub.provide('approval', node.id, store);
    const unlisten = plant.hub.on((e) => {
      if (e.type !== 'write') return;
      const r = writeResultSchema.safeParse(e.payload);
      if (r.success) store.recordWrite(e.payload);
    });
    const timer = setInterval(() => {
      try {
        store.tick();
      } catch (e) {
        node.error(`approval timer: ${errorText(e)}`);
      }
    }, TICK_MS);
    const startTimer = setImmediate(() => {
      started = true;
      for (const out of early.splice(0)) node.send(out);
      showStatus();
    });

    const proposalsOf = (msg: Msg): unknown[] => {
      const p = msg.payload as Record<string, unknown> | unknown[] | undefined;
      if (Array.isArray(p)) return p;
      // A whole suggestion (copilot-reason output 1) carries its proposals too.
      if (msg.topic === 'copilot/suggestion' && p && Array.isArray((p as { proposals?: unknown }).proposals)) return (p as { proposals: unknown[] }).proposals;
      return [p];
    };

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      try {
        if (!plant.model) throw new Error('the plant model is not loaded; fix the copilot-plant configuration first');
        const topic = typeof msg.topic === 'string' ? msg.topic : '';
        if (topic === 'select' || topic === 'approve' || topic === 'reject') {
          const d = decisionSchema.safeParse(msg.payload);
          if (!d.success) throw new Error(`${topic}: ${describeZodError(d.error, { max: MAX_ISSUES })}; send {proposalId, user: {name, roles}, value?, reason?}`);
          const { proposalId, user, value, reason } = d.data;
          if (topic === 'select') store.select(proposalId, user);
          else if (topic === 'approve') store.approve(proposalId, user, { value, reason });
          else store.reject(proposalId, user, reason ?? '');
          return done();
        }
        if (topic && topic !== 'copilot/proposal' && topic !== 'copilot/suggestion' && topic !== 'proposal')
          throw new Error(`unknown topic "${topic}": send proposals with topic copilot/proposal, decisions with topic select, approve or reject`);
        const problems: string[] = [];
        for (const raw of proposalsOf(msg)) {
          const p = proposalSchema.safeParse(raw);
          if (!p.success) {
            problems.push(`not a proposal: ${describeZodError(p.error, { max: MAX_ISSUES })}`);
            continue;
          }
          // The same proposal again (e.g. a suggestion re-sent with the proposals it already made) changes nothing.
          if (store.get(p.data.id)) continue;
          try {
            store.propose(p.data as unknown as Proposal, typeof msg.user === 'string' ? msg.user : null);
          } catch (e) {
            problems.push(errorText(e));
          }
        }
        if (problems.length) throw new Error(problems.join('; '));
        done();
      } catch (e) {
        if (e instanceof ServiceError) status.warn(node, `${e.status}: ${e.message.slice(0, 40)}`);
        done(e instanceof Error ? e : new Error(String(e)));
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      clearInterval(timer);
      clearImmediate(startTimer);
      unlisten();
      withdraw();
      try {
        if (removed) {
          // A deleted node's proposals can never be decided: drop them with its state.
          stateFile.flush();
          fs.rmSync(stateFile.file, { force: true });
        } else {
          persist(true);
        }
      } catch (e) {
        node.error(`cannot save the approval state: ${errorText(e)}`);
      }
      done();
    });
  }

  RED.nodes.registerType('copilot-approval', ApprovalNodeCtor as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { secret: { type: 'password' } },
  } as unknown as Parameters<NodeAPI['nodes']['registerType']>[2]);
};
