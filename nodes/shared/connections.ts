// Finds the connection (copilot-modbus or copilot-opcua config node) that a tag's
// `source.connection` names. Connection config nodes implement TagIO for copilot-write.
import type { NodeAPI } from 'node-red';
import type { TagIO } from '../lib/approval/write';

// Defined with the write path that uses them; the connection nodes import them from here.
export type { TagIO, TagReading } from '../lib/approval/write';

export const CONNECTION_TYPES = ['copilot-modbus', 'copilot-opcua'];

export function connectionNames(RED: NodeAPI): string[] {
  const names: string[] = [];
  RED.nodes.eachNode((n: { type: string; name?: string }) => {
    if (CONNECTION_TYPES.includes(n.type) && n.name) names.push(n.name);
  });
  return names;
}

export function findConnection(RED: NodeAPI, name: string): (TagIO & { id: string }) | undefined {
  let id: string | undefined;
  RED.nodes.eachNode((n: { type: string; name?: string; id: string }) => {
    if (CONNECTION_TYPES.includes(n.type) && n.name === name) id = n.id;
  });
  return id ? (RED.nodes.getNode(id) as unknown as TagIO & { id: string }) ?? undefined : undefined;
}
