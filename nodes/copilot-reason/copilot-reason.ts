// copilot-reason: alarm events in (from copilot-alarms or any source), incidents and
// suggestions out; one message per new setpoint proposal on the second output for
// copilot-approval. The logic is nodes/lib/reasoning; this file is the Node-RED glue: config,
// validation at the edge, the plant's live values, the hub service for the console, the audit,
// persistence of feedback and incidents, and the status.
import type { NodeAPI, NodeDef } from 'node-red';
import { ServiceError, type Incident, type Suggestion } from '../lib/contracts';
import type { ReasonService } from '../lib/hub';
import type { LlmHandle } from '../lib/llm';
import { samplesFromMessage } from '../lib/messages';
import { numberSetting } from '../lib/settings';
import { alarmEventOf, FeedbackBook, Reasoner, type FeedbackRecord, type SuggestionMeta } from '../lib/reasoning';
import { StateFile, stateFilePath } from '../lib/state-file';
import { plantAuditor } from '../shared/audit';
import { plantNodeOf } from '../shared/plant-ref';
import { errorText, status } from '../shared/status';
import type { Done, Node, PlantConfigNode, Send } from '../shared/types';

interface ReasonDef extends NodeDef {
  plant: string;
  llm: string;
  callsPerMinute: string | number;
  tokenBudget: string | number;
  expiry: string | number;
  minInterval: string | number;
  refresh: string | number;
  groupWindow: string | number;
  settle?: string | number;
}

interface Persisted {
  feedback: FeedbackRecord[];
  incidents: Incident[];
}

type Msg = Record<string, unknown>;

/** A non-negative number from an editor field; an empty field means the default. */
const setting = (v: unknown, dflt: number): number => numberSetting(v, dflt, 0);
const optional = (v: unknown): number | undefined => (v === '' || v === undefined || v === null || !Number.isFinite(Number(v)) ? undefined : Number(v));

const SHORT: Record<string, string> = { root_cause_identified: 'cause found', ambiguous: 'ambiguous', insufficient_evidence: 'insufficient evidence' };

export = function (RED: NodeAPI) {
  function ReasonNode(this: Node, config: ReasonDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const plant: PlantConfigNode | undefined = plantNodeOf(RED, node, config.plant);
    const llmNode = config.llm ? (RED.nodes.getNode(config.llm) as unknown as LlmHandle | null) : null;
    const advisor = llmNode?.advisor;
    const llmProblem = llmNode?.problem;
    const statePath = plant ? stateFilePath(plant.userDir, 'reason', node.id) : undefined;
    // Writes are debounced: save() only schedules them, and a failed write is reported here.
    const stateFile = statePath ? new StateFile<Persisted>(statePath, 200, (e) => node.warn(`cannot save incidents and feedback to ${statePath}: ${errorText(e)}`)) : undefined;
    let reasoner: Reasoner | undefined;
    let warnUntil = 0;

    const audit = plantAuditor(node, plant);

    const persist = () => {
      if (reasoner && stateFile) stateFile.save({ feedback: reasoner.feedbackBook.all(), incidents: reasoner.incidents().filter((i) => i.closedAt !== undefined).slice(0, 50) });
    };

    const showStatus = () => {
      if (!reasoner || Date.now() < warnUntil) return;
      const open = reasoner.tracker.openIncidents().length;
      const verdict = reasoner.stats.lastVerdict ? ` · ${SHORT[reasoner.stats.lastVerdict]}` : '';
      const llm = advisor ? ` · LLM ${reasoner.stats.llmState}` : llmProblem ? ' · LLM config error' : '';
      const text = `${open} open incident${open === 1 ? '' : 's'}${verdict}${llm}`.slice(0, 80);
      if (reasoner.stats.llmState.startsWith('fallback') || llmProblem) status.warn(node, text);
      else if (open) status.info(node, text);
      else status.ok(node, text);
    };

    const onSuggestion = (s: Suggestion, meta: SuggestionMeta) => {
      const proposals = meta.newProposals.map((p) => ({ topic: 'copilot/proposal', payload: p }));
      node.send([{ topic: 'copilot/suggestion', payload: s }, proposals.length ? proposals : null]);
      plant?.hub.emit({ type: 'suggestion', payload: s });
      audit('suggestion', null, {
        id: s.id,
        incidentId: s.incidentId,
        verdict: s.verdict,
        cause: s.hypotheses[0]?.cause ?? null,
        confidence: s.hypotheses[0]?.confidence ?? null,
        reasoner: s.reasoner,
        summary: s.summary,
        alarms: s.alarms.map((a) => a.id),
        proposals: s.proposals.map((p) => ({ id: p.id, tag: p.tag, current: p.current, proposed: p.proposed, ok: p.policy.ok, reasons: p.policy.reasons })),
        ...(meta.llm ? { model: meta.llm.model, llm: meta.llm.label, inputHash: meta.llm.inputHash, tokens: meta.llm.tokens, toolCalls: meta.llm.toolCalls } : {}),
        ...(meta.fallback ? { fallback: meta.fallback } : {}),
      });
      showStatus();
    };

    const build = () => {
      if (!plant?.model) return;
      const saved = stateFile?.load();
      reasoner = new Reasoner(
        plant.model,
        plant.live,
        {
          suggestion: onSuggestion,
          incident: (i) => {
            plant.hub.emit({ type: 'incident', payload: i });
            if (i.closedAt !== undefined) persist();
            showStatus();
          },
          llmState: () => showStatus(),
          feedback: () => persist(),
          error: (e) => node.error(`diagnosis failed: ${errorText(e)}`),
        },
        {
          expiryMs: setting(config.expiry, 5) * 60_000,
          minIntervalMs: setting(config.minInterval, 2) * 1000,
          refreshMs: setting(config.refresh, 5) * 1000,
          llmCallsPerMinute: optional(config.callsPerMinute),
          tokenBudgetPerHour: optional(config.tokenBudget),
          settleMs: setting(config.settle, 300) * 1000,
          incidents: { groupWindowMs: setting(config.groupWindow, 10) * 60_000 },
        },
        advisor,
        new FeedbackBook(saved?.feedback ?? []),
      );
      reasoner.tracker.restore(saved?.incidents ?? []);
      if (llmProblem) node.warn(`the LLM is not used: ${llmProblem}`);
      for (const note of reasoner.budgetWarnings) node.warn(note);
      showStatus();
    };
    build();

    const unsubscribeModel = plant?.onModel((model) => {
      try {
        if (reasoner) reasoner.setModel(model);
        else build();
      } catch (e) {
        node.error(`cannot apply the reloaded plant model: ${errorText(e)}`);
      }
    });

    // The console (through the hub) and messages ask and give feedback through the same service,
    // so both write the same audit records.
    const service: ReasonService = {
      incidents: () => reasoner?.incidents() ?? [],
      ask: async (id, question, user) => {
        if (!reasoner) throw new ServiceError(503, 'the reasoning node is not running: the plant model is missing or invalid');
        const a = await reasoner.ask(id, question);
        audit('question', user.name, { incidentId: id, question, answer: a.answer, reasoner: a.reasoner });
        return a;
      },
      feedback: (id, fb, user) => {
        if (!reasoner) throw new ServiceError(503, 'the reasoning node is not running: the plant model is missing or invalid');
        const inc = reasoner.feedback(id, fb, user);
        audit('feedback', user.name, { incidentId: id, cause: fb.cause, correct: fb.correct, note: fb.note });
        return inc;
      },
    };
    const withdraw = plant?.hub.provide('reason', node.id, service);

    const reject = (text: string, done: Done) => {
      warnUntil = Date.now() + 5000;
      status.warn(node, text.slice(0, 60));
      done(new Error(text));
    };

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      if (!reasoner) return reject(plant ? `the plant model is invalid (${plant.errors.length} errors, see the log): the message was dropped` : 'no plant model selected: open the node and choose a copilot-plant configuration', done);
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      const user = { name: typeof msg.user === 'string' ? msg.user : 'flow', roles: ['operator'] };
      const p = (msg.payload ?? {}) as Record<string, unknown>;
      try {
        if (topic === 'ask' || topic === 'copilot/ask') {
          const incidentId = String(p.incidentId ?? reasoner.incidents()[0]?.id ?? '');
          service
            .ask(incidentId, String(p.question ?? ''), user)
            .then((a) => {
              send([{ topic: 'copilot/answer', payload: { incidentId, question: p.question, ...a }, _msgid: msg._msgid }, null]);
              done();
            })
            .catch((e: Error) => done(e));
          return;
        }
        if (topic === 'feedback' || topic === 'copilot/feedback') {
          const inc = service.feedback(String(p.incidentId ?? reasoner.incidents()[0]?.id ?? ''), { cause: p.cause as string, correct: p.correct as boolean, ...(p.note ? { note: String(p.note) } : {}) }, user);
          send([{ topic: 'copilot/incident', payload: inc }, null]);
          return done();
        }
        if (topic.startsWith('alarm/') || (p && typeof p === 'object' && 'tag' in p && ('state' in p || 'active' in p))) {
          if (topic === 'alarm/flood' || topic === 'alarm/chatter' || topic === 'alarm/summary') return done();
          const r = alarmEventOf(plant!.model!, msg.payload, msg.topic, Date.now());
          if (!r.event) return reject(r.error!, done);
          reasoner.onAlarm(r.event);
          showStatus();
          return done();
        }
        // Anything else should be tag samples: they update the plant's live values the diagnosis reads.
        for (const s of samplesFromMessage(msg)) plant!.live.update(s.tag, { value: s.value, quality: s.quality, timestamp: s.timestamp, ...(s.source ? { source: s.source } : {}) });
        done();
      } catch (e) {
        const text = e instanceof ServiceError ? e.message : `message not understood (expected an alarm event, tag samples, or topic "ask"/"feedback"): ${errorText(e)}`;
        reject(text, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      try {
        reasoner?.close();
        persist();
        stateFile?.flush();
      } catch (e) {
        node.warn(`closing: ${errorText(e)}`);
      }
      withdraw?.();
      unsubscribeModel?.();
      done();
    });
  }

  RED.nodes.registerType('copilot-reason', ReasonNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
