// copilot-opcua-read: subscribes to the plant-model tags whose source names this node's OPC UA
// connection, keeps the plant's live value table current, and reports by exception (tag
// deadband) with a periodic full refresh. The connection's shared session does the protocol
// work; this node maps tags, qualities and messages.
import type { NodeAPI, NodeDef } from 'node-red';
import { readConfigSchema, type ReadConfig } from '../lib/opcua';
import type { ConnectionStatus, SubscriptionItem } from '../lib/opcua/connection';
import { describeZodError } from '../lib/messages';
import { settleWithin } from '../lib/timeout';
import { ExceptionReporter, isOpcuaSource, reportMessages, type Report, type LiveSlot, type LiveValue, type PlantModel, type Quality, type TagValue } from '../lib/plant';
import { plantNodeOf } from '../shared/plant-ref';
import { sourceSplitter } from '../shared/source-split';
import { errorText, status } from '../shared/status';
import type { Done, Node, PlantConfigNode, Send } from '../shared/types';
import type { OpcuaConfigNode } from '../copilot-opcua/opcua-node';

interface ReadDef extends NodeDef {
  plant: string;
  connection: string;
  samplingInterval: string | number;
  publishingInterval: string | number;
  refresh: string | number;
  output: string;
  batchSize: string | number;
}

const CLOSE_BOUND_MS = 8000;

export = function (RED: NodeAPI) {
  function OpcuaReadNode(this: Node, config: ReadDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const plant = plantNodeOf(RED, node, config.plant);
    const conn = config.connection ? (RED.nodes.getNode(config.connection) as OpcuaConfigNode | null) : null;
    const parsed = readConfigSchema.safeParse({
      samplingInterval: config.samplingInterval === '' ? undefined : config.samplingInterval,
      publishingInterval: config.publishingInterval === '' ? undefined : config.publishingInterval,
      refresh: config.refresh === '' ? undefined : config.refresh,
      output: config.output || undefined,
      batchSize: config.batchSize === '' ? undefined : config.batchSize,
    });

    const cleanups: Array<() => void> = [];
    let refreshTimer: NodeJS.Timeout | undefined;
    let flushScheduled = false;
    let closing = false;

    const fail = (text: string, message: string) => {
      status.error(node, text);
      node.error(message);
    };

    if (!parsed.success) return fail('invalid settings', `copilot-opcua-read: ${describeZodError(parsed.error)}`);
    const cfg: ReadConfig = parsed.data;
    if (!conn) return fail('no connection', 'No OPC UA connection selected: open the node and choose a copilot-opcua connection');
    if (!plant) return;
    const connection = conn.connection;
    if (!connection) return fail('connection invalid', `OPC UA connection "${conn.name ?? ''}": ${conn.configError ?? 'invalid settings'}`);
    const connName = conn.name ?? '';
    const source = `opcua:${connName}`;
    const splitSources = sourceSplitter(node, 'OPC UA', 'nodeId', 'nodeId: "ns=1;s=..."');

    let model: PlantModel | undefined;
    let items: SubscriptionItem[] = [];
    // Indexed like `items`: the subscription names items by index, and so do these.
    // The reporter holds the tags' live records (see store()).
    let reporter = new ExceptionReporter<Readonly<LiveValue>>([]);
    let slots: LiveSlot[] = [];
    const refused = new Map<string, string>();
    let subscribed = false;
    // The sample handed to the live table, which copies it into the tag's record: one object reused
    // by every notification. The reporter is then offered that record, so that a notification
    // allocates nothing here (see LiveValueTable.updateSlot for why that matters).
    const scratch: LiveValue = { value: 0, quality: 'good', timestamp: 0, source };
    const store = (index: number, value: TagValue, quality: Quality, timestamp: number): boolean => {
      scratch.value = value;
      scratch.quality = quality;
      scratch.timestamp = timestamp;
      const held = plant.live.updateSlot(slots[index], scratch);
      return held !== undefined && reporter.offer(index, held);
    };

    const send = (samples: Report) => {
      const msgs = reportMessages(samples, cfg.output, source);
      // One send() per message: Node-RED deep-clones every message but the first of a send() that
      // carries several, and these messages are new objects that need no clone.
      for (const m of msgs) node.send(m);
    };
    const flush = () => {
      flushScheduled = false;
      if (closing) return;
      send(reporter.takePending());
    };
    // One publish response delivers many items one by one: coalesce them into one report.
    const scheduleFlush = () => {
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    };

    const showStatus = (s: ConnectionStatus = connection.status) => {
      if (closing) return;
      if (!model) return status.error(node, `plant model invalid (${plant.errors.length} errors)`);
      if (items.length === 0) return status.warn(node, `no tags on "${connName}"`);
      if (s.state === 'connected' && subscribed) {
        const bad = refused.size;
        if (bad) return status.warn(node, `${items.length - bad}/${items.length} tags, ${bad} refused`);
        return status.ok(node, `${items.length} tags`);
      }
      if (s.state === 'reconnecting') return status.warn(node, s.text);
      return status.busy(node, s.state === 'connected' ? 'subscribing' : s.text);
    };

    /** Everything this node reported becomes bad quality (last value kept) while the server is unreachable. */
    const markAllBad = () => {
      const now = Date.now();
      for (let i = 0; i < items.length; i++) {
        const last = reporter.latestOf(i);
        if (!last || last.quality === 'bad') continue;
        store(i, last.value, 'bad', now);
      }
      scheduleFlush();
    };

    const subscribe = (m: PlantModel) => {
      model = m;
      const { tags } = splitSources(m, connName, isOpcuaSource);
      const next = tags.map((t) => ({ key: t.name, nodeId: isOpcuaSource(t.source) ? t.source.nodeId : '' }));
      const unchanged = next.length > 0 && next.length === items.length && next.every((i, k) => i.key === items[k].key && i.nodeId === items[k].nodeId);
      const prevNodeIds = new Map(items.map((i) => [i.key, i.nodeId]));
      // Same items: keep the very list the live subscription's callbacks index into.
      if (!unchanged) items = next;
      const prev = reporter;
      // Changes the old reporter queued but had not flushed yet go out now, not lost with it.
      send(prev.takePending());
      reporter = new ExceptionReporter<Readonly<LiveValue>>(
        items.map((i) => i.key),
        tags.map((t) => t.deadband ?? 0),
      );
      slots = items.map((i) => plant.live.slot(i.key));
      // A tag still read from the same node id keeps its last report; one that is new (or moved to
      // another node id) starts afresh, so it is reported with its first value.
      items.forEach((item, i) => {
        if (prevNodeIds.get(item.key) !== item.nodeId) return;
        const last = prev.latestOfTag(item.key);
        if (last) reporter.offer(i, last);
      });
      reporter.takePending();
      // Same items (only deadbands, alarms or other connections changed): the subscription stays,
      // rather than recreating every monitored item on the server.
      if (unchanged) return showStatus();
      refused.clear();
      subscribed = false;
      if (items.length === 0) {
        // Nothing to read on this connection: do not hold a session (or retry one) for nothing.
        connection.release(node.id).catch(() => undefined);
        return showStatus();
      }
      connection.acquire(node.id);
      // Callbacks of a replaced subscription may still arrive: they index into their own list.
      const list = items;
      connection.addSubscriber({
        id: node.id,
        publishingIntervalMs: cfg.publishingInterval,
        samplingIntervalMs: cfg.samplingInterval,
        batchSize: cfg.batchSize,
        items: list,
        onValue: (index, s) => {
          // A callback of a replaced subscription (its list is no longer the reporter's) is dropped.
          if (items !== list || index >= list.length) return;
          // A value that is no tag value (an array, a structure) is bad quality; the last value stays.
          const value = s.value ?? reporter.latestOf(index)?.value;
          if (value === undefined) return;
          if (store(index, value, s.value === undefined ? 'bad' : s.quality, s.timestamp)) scheduleFlush();
        },
        onItemError: (index, message) => {
          const tag = list[index]?.key;
          if (!tag) return;
          if (refused.get(tag) !== message) node.warn(`tag ${tag}: ${message}`);
          refused.set(tag, message);
        },
        onSubscribed: (info) => {
          subscribed = true;
          node.debug(`subscribed ${info.items} items (${info.refused} refused) in ${info.ms} ms`);
          showStatus();
        },
      });
      showStatus();
    };

    const fullRefresh = () => {
      const now = Date.now();
      const samples = reporter.fullRefresh();
      if (connection.status.state === 'connected') {
        // While the subscription is alive an unchanged value is still the current value: renew
        // its timestamp so consumers' staleness checks see a live tag, not a quiet one.
        samples.samples.forEach((s, i) => {
          if (s.quality === 'bad') return;
          // The samples are the tags' live records: the renewed record is what is reported.
          samples.samples[i] = plant.live.update(samples.tags[i], { value: s.value, quality: s.quality, timestamp: now, source }) ?? s;
        });
      }
      send(samples);
    };

    let wasConnected = false;
    cleanups.push(
      connection.onStatus((s) => {
        if (s.state === 'connected') wasConnected = true;
        else if (wasConnected && s.state === 'reconnecting') {
          wasConnected = false;
          subscribed = false;
          markAllBad();
        }
        showStatus(s);
      }),
    );
    if (plant.model) subscribe(plant.model);
    else showStatus();
    cleanups.push(plant.onModel((m) => subscribe(m)));
    if (cfg.refresh > 0) refreshTimer = setInterval(fullRefresh, cfg.refresh * 1000);

    node.on('input', (_msg: Record<string, unknown>, _send: Send, done: Done) => {
      // Any input asks for a full refresh now (e.g. an inject at start-up or a dashboard button).
      try {
        fullRefresh();
        done();
      } catch (e) {
        done(new Error(`full refresh failed: ${errorText(e)}`));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(refreshTimer);
      for (const c of cleanups) c();
      settleWithin(connection.release(node.id), CLOSE_BOUND_MS, () => {
        status.clear(node);
        done();
      });
    });
  }

  RED.nodes.registerType('copilot-opcua-read', OpcuaReadNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
