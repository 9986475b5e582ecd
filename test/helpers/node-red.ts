// Watching nodes in a Node-RED runtime started by node-red-node-test-helper: the messages a
// `helper` node receives and what a node reports (errors, status texts). The test file still
// calls helper.init() and loads its flow (useNodeRed below registers the start/stop hooks); Jest gives each test file one module registry, so the
// helper required here is the instance that file initialised.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');

/** A node of the loaded flow, or its id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NodeRef = string | { on(event: string, listener: (...args: any[]) => void): unknown };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const nodeOf = (ref: NodeRef): any => {
  if (typeof ref !== 'string') return ref;
  const node = helper.getNode(ref);
  if (!node) throw new Error(`no node "${ref}" in the loaded flow`);
  return node;
};

/** Every message the node receives from now on, in arrival order (the array fills as they come). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function collect<M = any>(node: NodeRef): M[] {
  const got: M[] = [];
  nodeOf(node).on('input', (m: M) => got.push(m));
  return got;
}

/** The payloads of the messages the node receives from now on, in arrival order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function collectPayloads<P = any>(node: NodeRef): P[] {
  const got: P[] = [];
  nodeOf(node).on('input', (m: { payload: P }) => got.push(m.payload));
  return got;
}

/** The errors the node reports from now on (node.error(), and done(err) which ends there), as their messages. */
export function errorsOf(node: NodeRef): string[] {
  const errors: string[] = [];
  nodeOf(node).on('call:error', (call: { args: unknown[] }) => errors.push(String((call.args[0] as Error | undefined)?.message ?? call.args[0])));
  return errors;
}

/**
 * The first arguments of every call a node made to one Node method since its flow was loaded,
 * the constructor's calls included (the watchers above see only later ones).
 */
export function callsTo<A = unknown>(id: string, method: 'error' | 'warn' | 'status' | 'log'): A[] {
  return helper._NodePrototype[method]
    .getCalls()
    .filter((c: { thisValue: { id: string } }) => c.thisValue?.id === id)
    .map((c: { args: unknown[] }) => c.args[0] as A);
}

/** The same calls as text: an Error as its message, a status as its text. */
export function reportedBy(id: string, method: 'error' | 'warn' | 'status' | 'log'): string[] {
  return callsTo<{ message?: string; text?: string } | string | undefined>(id, method).map((a) =>
    typeof a === 'object' && a ? String(a.message ?? a.text ?? '') : String(a ?? ''),
  );
}

/** The status texts the node shows from now on ('' for a status without text). */
export function statusTextsOf(node: NodeRef): string[] {
  const texts: string[] = [];
  nodeOf(node).on('call:status', (call: { args: Array<{ text?: string } | undefined> }) => texts.push(String(call.args[0]?.text ?? '')));
  return texts;
}

export interface UseNodeRedOptions {
  /** Prefix of the temporary user dir, e.g. 'copilot-write-' (a folder under os.tmpdir()). */
  prefix: string;
  /** A file copied into the user dir as plant.yaml before the runtime starts (e.g. DEMO_PLANT_FILE). */
  plant?: string;
  /** 'each' (default): a fresh user dir and runtime per test; 'all': one for the whole describe/file. */
  scope?: 'each' | 'all';
}

/**
 * Registers the hooks that give the tests of the enclosing describe (or file) a Node-RED runtime:
 * before, a new temporary user dir (with `plant` copied in as plant.yaml) and helper.startServer();
 * after, helper.unload(), helper.stopServer() and the user dir removed. Returns a getter for the
 * current user dir (call it inside a test or hook, not at collection time).
 */
export function useNodeRed(opts: UseNodeRedOptions): () => string {
  let userDir: string | undefined;
  const before = opts.scope === 'all' ? beforeAll : beforeEach;
  const after = opts.scope === 'all' ? afterAll : afterEach;
  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
    if (opts.plant) fs.copyFileSync(opts.plant, path.join(userDir, 'plant.yaml'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    userDir = undefined;
  });
  return () => {
    if (!userDir) throw new Error('useNodeRed: no user dir outside a test (the runtime is not started)');
    return userDir;
  };
}
