// copilot-modbus-read: polls the plant-model tags mapped to one copilot-modbus connection,
// updates the plant's live value table and sends tag samples by exception (deadband) plus a
// periodic full refresh. A failed read marks its tags bad; the status shows the connection
// state and poll statistics.
import { numberSetting } from '../lib/settings';
import type { NodeAPI, NodeDef, Node } from 'node-red';
import { isModbusSource, reportMessages, type LiveSlot, type PlantModel } from '../lib/plant';
import { ModbusPoller, type ModbusMaster, type TagSampleOut } from '../lib/modbus';
import { plantNodeOf } from '../shared/plant-ref';
import { sourceSplitter } from '../shared/source-split';
import { errorText, status } from '../shared/status';
import type { Done, PlantConfigNode, Send } from '../shared/types';
import type { ModbusConfigNode } from '../copilot-modbus/config-node';

interface ReadDef extends NodeDef {
  plant: string;
  connection: string;
  interval: number | string;
  fullRefresh: number | string;
  output: 'batch' | 'tag';
  maxGap: number | string;
}


export = function (RED: NodeAPI) {
  function ReadNode(this: Node, config: ReadDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const intervalMs = numberSetting(config.interval, 1, 0.01) * 1000;
    const fullRefreshMs = numberSetting(config.fullRefresh, 60, 0) * 1000;
    const maxGap = Math.round(numberSetting(config.maxGap, 10, 0));
    const plant = plantNodeOf(RED, node, config.plant);
    const conn = config.connection ? (RED.nodes.getNode(config.connection) as ModbusConfigNode | null) : null;
    if (!conn) {
      status.error(node, 'no connection');
      node.error('No Modbus connection selected: open the node and choose a copilot-modbus configuration');
    }
    let master: ModbusMaster | undefined;
    let poller: ModbusPoller | undefined;
    // Indexed like the poller's items (and so like a poll's `all`): taken once per build, so a
    // sample costs no lookup by tag name in the live table.
    let slots: LiveSlot[] = [];
    let timer: NodeJS.Timeout | undefined;
    let polling = false;
    let closed = false;
    let forceFull = false;
    const cleanups: Array<() => void> = [];

    const connName = conn?.name ?? '';
    const splitSources = sourceSplitter(node, 'Modbus', 'Modbus address', 'address: "HR:100"');

    const build = (model: PlantModel) => {
      if (!conn) return;
      const { onConnection } = splitSources(model, connName, isModbusSource);
      poller = new ModbusPoller(onConnection, { defaultUnitId: conn.unitId, maxGap, fullRefreshMs });
      const live = plant?.live;
      slots = live ? poller.tags.map((t) => live.slot(t)) : [];
      for (const bad of poller.invalid) node.error(`tag ${bad.tag}: ${bad.error}`);
      if (!poller.tagCount) node.warn(`The plant model has no tag with source.connection "${connName}": nothing to poll`);
      forceFull = true;
      showStatus();
    };

    const emit = (samples: TagSampleOut[], send: Send) => {
      const report = { tags: samples.map((s) => s.tag), samples };
      for (const m of reportMessages(report, config.output === 'tag' ? 'per-tag' : 'batch', conn?.name)) send(m);
    };

    /** Every status goes through here: an invalid model or an empty tag list is not painted over. */
    const showStatus = () => {
      if (closed || !master || !plant) return;
      if (!poller) return status.error(node, `plant model invalid (${plant.errors.length} errors)`);
      if (!poller.tagCount) return status.warn(node, `no tags on "${connName}"`);
      const st = master.state;
      if (!poller.stats.polls) return status.busy(node, st);
      const { goodTags: good, badTags: bad } = poller.stats;
      const text = `${st} · ${good}/${good + bad} good · ${poller.stats.lastPollMs} ms`;
      if (st !== 'connected') status.error(node, text);
      else if (bad) status.warn(node, text);
      else status.ok(node, text);
    };

    const pollOnce = async (send: Send, full: boolean): Promise<void> => {
      if (!master || !poller) return;
      if (polling) {
        // A poll is on the wire: the next one sends everything.
        if (full) forceFull = true;
        return;
      }
      polling = true;
      try {
        const force = full || forceFull;
        forceFull = false;
        // The slots of this poller: a model reload during the poll may replace both.
        const polledSlots = slots;
        const result = await poller.poll(master, Date.now, force);
        if (closed) return;
        const live = plant?.live;
        if (live) {
          const { all } = result;
          for (let i = 0; i < all.length; i++) live.updateSlot(polledSlots[i], { value: all[i].value, quality: all[i].quality, timestamp: all[i].timestamp, source: conn?.name });
        }
        emit(result.changed, send);
        showStatus();
      } finally {
        polling = false;
      }
    };

    const schedule = () => {
      if (closed) return;
      timer = setTimeout(() => {
        pollOnce((m) => node.send(m), false)
          .catch((e) => node.error(`poll failed: ${errorText(e)}`))
          .finally(schedule);
      }, intervalMs);
    };

    if (plant && conn) {
      if (plant.model) build(plant.model);
      cleanups.push(plant.onModel((m) => build(m)));
      master = conn.register(node.id);
      master.on('state', showStatus);
      cleanups.push(() => master?.off('state', showStatus));
      showStatus();
      schedule();
    }

    node.on('input', (_msg: unknown, send: Send, done: Done) => {
      pollOnce(send, true).then(() => done(), (e) => done(e instanceof Error ? e : new Error(String(e))));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const c of cleanups) c();
      if (conn) conn.deregister(node.id).then(() => done(), () => done());
      else done();
    });
  }

  RED.nodes.registerType('copilot-modbus-read', ReadNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
