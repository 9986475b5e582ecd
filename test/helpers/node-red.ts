// Watching nodes in a Node-RED runtime started by node-red-node-test-helper: the messages a
// `helper` node receives and what a node reports (errors, status texts). The test file still
// calls helper.init() and loads its flow; Jest gives each test file one module registry, so the
// helper required here is the instance that file initialised.

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

/** The status texts the node shows from now on ('' for a status without text). */
export function statusTextsOf(node: NodeRef): string[] {
  const texts: string[] = [];
  nodeOf(node).on('call:status', (call: { args: Array<{ text?: string } | undefined> }) => texts.push(String(call.args[0]?.text ?? '')));
  return texts;
}
