// Node status helpers: short text, colour by meaning, shared by every copilot node.
import type { Node } from 'node-red';

export const status = {
  ok: (node: Node, text: string) => node.status({ fill: 'green', shape: 'dot', text }),
  info: (node: Node, text: string) => node.status({ fill: 'blue', shape: 'dot', text }),
  warn: (node: Node, text: string) => node.status({ fill: 'yellow', shape: 'ring', text }),
  error: (node: Node, text: string) => node.status({ fill: 'red', shape: 'ring', text }),
  busy: (node: Node, text: string) => node.status({ fill: 'grey', shape: 'ring', text }),
  clear: (node: Node) => node.status({}),
};

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
