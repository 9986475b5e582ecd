// copilot-alarms: runs the ISA-18.2 alarm engine (nodes/lib/alarms) on the tag samples it
// receives, takes operator commands as messages and from the console (the hub's AlarmService),
// emits one message per alarm state change and a periodic summary with the KPIs, and keeps the
// alarm states, shelves and latches in a state file so a restart re-annunciates nothing.
import type { NodeAPI, NodeDef } from 'node-red';
import { ALARM_COMMANDS, AlarmEngine, commandFromMessage, isAlarmCommandTopic, optionsFromSettings, positiveSetting, type AlarmEngineState, type AlarmOutput } from '../lib/alarms';
import { ServiceError } from '../lib/contracts';
import type { AlarmService } from '../lib/hub';
import { samplesFromMessage } from '../lib/messages';
import type { PlantModel } from '../lib/plant';
import { StateFile, stateFilePath } from '../lib/state-file';
import { plantAuditor } from '../shared/audit';
import { plantNodeOf } from '../shared/plant-ref';
import { errorText, status } from '../shared/status';
import type { Done, Node, PlantConfigNode, Send } from '../shared/types';

interface AlarmsDef extends NodeDef {
  plant: string;
  summaryInterval: string | number;
  floodStart: string | number;
  floodEnd: string | number;
  floodWindow: string | number;
  chatterCount: string | number;
  chatterWindow: string | number;
  firstOutQuiet: string | number;
  staleHours: string | number;
  maxShelve: string | number;
}

type Msg = Record<string, unknown>;

/** Delays, shelve expiry and staleness are checked this often (the engine itself has no timers). */
const TICK_MS = 500;
/** A rejected message's status stays this long before the alarm counts show again. */
const WARN_SHOW_MS = 5000;

export = function (RED: NodeAPI) {
  function AlarmsNode(this: Node, config: AlarmsDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const plant: PlantConfigNode | undefined = plantNodeOf(RED, node, config.plant);
    const options = optionsFromSettings(config);
    const summaryMs = positiveSetting(config.summaryInterval, 60) * 1000;

    let engine: AlarmEngine | undefined;
    let out1: Msg[] = [];
    let out2: Msg[] = [];
    let dirty = false;
    let lastStatus = '';
    const stateFile = plant ? new StateFile<AlarmEngineState>(stateFilePath(plant.userDir, 'alarms', node.id), 0) : undefined;

    // The alarm system keeps running when the audit log fails; it says so once per outage.
    const append = plantAuditor(node, plant);
    const audit = (actor: string | null, data: unknown, kind = 'alarm') => append(kind, actor, data);

    const sink = (o: AlarmOutput) => {
      if (o.kind === 'alarm') {
        const e = o.event;
        out1.push({ topic: `alarm/${e.tag}/${e.type}`, payload: e, change: o.change, previous: o.previous });
        plant?.hub.emit({ type: 'alarm', payload: e });
        audit(e.by ?? null, { ...e, change: o.change, previous: o.previous });
        dirty = true;
      } else if (o.kind === 'flood') {
        out2.push({ topic: 'alarm/flood', payload: o });
        audit(null, o, 'alarm-flood');
      } else {
        out2.push({ topic: 'alarm/chatter', payload: o });
        audit(null, o, 'alarm-chatter');
      }
    };

    const takeOutputs = (): [Msg[], Msg[]] | null => {
      if (!out1.length && !out2.length) return null;
      const r: [Msg[], Msg[]] = [out1, out2];
      out1 = [];
      out2 = [];
      return r;
    };
    const sendNow = () => {
      const o = takeOutputs();
      if (o) node.send(o);
    };

    const save = () => {
      if (!engine || !stateFile) return;
      try {
        stateFile.save(engine.snapshot(Date.now()));
        dirty = false;
      } catch (e) {
        node.error(`cannot save the alarm state to ${stateFile.file}: ${errorText(e)} (alarms keep running; a restart may re-annunciate)`);
      }
    };

    let warnUntil = 0;
    const showStatus = () => {
      if (!engine || Date.now() < warnUntil) return;
      const s = engine.status();
      const shelved = s.shelved ? ` · ${s.shelved} shelved` : '';
      const text = s.active || s.unack || s.latched ? `${s.active} active (${s.unack} unack)${s.flood ? ' · flood' : ''}${shelved}${s.latched ? ` · ${s.latched} latched` : ''}` : `no active alarms${shelved}`;
      if (text === lastStatus) return;
      lastStatus = text;
      const fill = s.highest === 'urgent' || s.highest === 'high' ? 'red' : s.highest === 'medium' ? 'yellow' : s.highest === 'low' ? 'blue' : 'green';
      node.status({ fill, shape: s.unack ? 'dot' : 'ring', text });
    };

    const build = (model: PlantModel, saved: AlarmEngineState | undefined) => {
      const seeds = engine?.latestSamples() ?? [];
      engine = new AlarmEngine(model, sink, options, saved);
      // Latest values carry over, so suppression conditions and DEV references are known at once.
      engine.ingestAll(seeds);
      lastStatus = '';
      showStatus();
    };

    if (plant?.model) {
      try {
        build(plant.model, stateFile?.load());
      } catch (e) {
        // A state file written by hand or by another version must not keep the alarms from running.
        node.warn(`the saved alarm state (${stateFile?.file}) could not be restored, starting with every alarm NORMAL: ${errorText(e)}`);
        engine = undefined;
        build(plant.model, undefined);
      }
      sendNow();
    }

    const unsubscribeModel = plant?.onModel((model) => {
      try {
        build(model, engine?.snapshot(Date.now()) ?? stateFile?.load());
        save();
        sendNow();
        node.log(`plant model reloaded: ${model.alarms.length} alarms`);
      } catch (e) {
        node.error(`cannot apply the reloaded plant model to the alarms: ${errorText(e)}`);
      }
    });

    const service: AlarmService = {
      list: () => engine?.list() ?? [],
      command: (cmd) => {
        if (!engine) throw new ServiceError(503, 'the alarm engine is not running: the plant model is missing or invalid');
        if (!ALARM_COMMANDS.includes(cmd.command)) throw new ServiceError(400, `unknown alarm command "${cmd.command}": use ${ALARM_COMMANDS.join(', ')}`);
        const e = engine.command(cmd, Date.now());
        save();
        sendNow();
        showStatus();
        return e;
      },
      kpis: () => (engine ? (engine.kpis(Date.now()) as unknown as Record<string, unknown>) : {}),
    };
    const withdraw = plant?.hub.provide('alarms', node.id, service);

    const tick = setInterval(() => {
      if (!engine) return;
      try {
        // A read node that reports by exception may refresh the live value table without sending
        // an unchanged value: a newer entry there proves the value is not stale.
        if (plant) engine.refreshFromLive((tag) => plant.live.get(tag));
        engine.tick(Date.now());
        sendNow();
        if (dirty) save();
        showStatus();
      } catch (e) {
        node.error(`alarm tick failed: ${errorText(e)}`);
      }
    }, TICK_MS);
    const summaryTimer = setInterval(() => emitSummary(), summaryMs);

    function emitSummary() {
      if (!engine) return;
      try {
        const s = engine.summary(Date.now());
        node.send([null, { topic: 'alarm/summary', payload: s }]);
        plant?.hub.emit({ type: 'kpis', payload: s.kpis as unknown as Record<string, unknown> });
      } catch (e) {
        node.error(`alarm summary failed: ${errorText(e)}`);
      }
    }

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      try {
        if (!plant) throw new Error('no plant model selected: open the node and choose a copilot-plant configuration');
        if (!engine) throw new Error(`the plant model is invalid (${plant.errors.length} errors, see the log): alarms are not evaluated`);
        const topic = msg.topic;
        if (isAlarmCommandTopic(topic)) {
          const cmd = commandFromMessage(msg);
          try {
            engine.command(cmd, Date.now());
          } catch (e) {
            if (e instanceof ServiceError) throw new Error(`${cmd.command} ${cmd.alarmId} refused (${e.status}): ${e.message}`);
            throw e;
          }
          save();
        } else if (topic === 'summary') {
          const s = engine.summary(Date.now());
          out2.push({ topic: 'alarm/summary', payload: s });
        } else {
          const samples = samplesFromMessage(msg);
          for (const s of samples) plant.live.update(s.tag, { value: s.value, quality: s.quality, timestamp: s.timestamp, source: s.source });
          engine.ingestAll(samples);
        }
        const o = takeOutputs();
        if (o) send(o);
        // The status line is refreshed by the tick: counting every alarm per message would cost more than the evaluation.
        done();
      } catch (e) {
        lastStatus = '';
        warnUntil = Date.now() + WARN_SHOW_MS;
        status.warn(node, errorText(e).slice(0, 60));
        done(e instanceof Error ? e : new Error(String(e)));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tick);
      clearInterval(summaryTimer);
      unsubscribeModel?.();
      withdraw?.();
      try {
        if (engine && stateFile) {
          stateFile.save(engine.snapshot(Date.now()));
          stateFile.flush();
        }
      } catch (e) {
        node.error(`cannot save the alarm state on close: ${errorText(e)}`);
      }
      engine = undefined;
      done();
    });
  }

  RED.nodes.registerType('copilot-alarms', AlarmsNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
