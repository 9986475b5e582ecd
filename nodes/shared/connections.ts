// Finds the connection (copilot-modbus or copilot-opcua config node) that a tag's
// `source.connection` names. Connection config nodes implement TagIO for copilot-write.
import type { NodeAPI } from 'node-red';
import type { Tag, TagValue, Quality } from '../lib/plant';

export interface TagReading {
  value: TagValue;
  quality: Quality;
  timestamp: number;
}

export interface TagIO {
  /** Reads one tag now from the device (not the live table): used for read-back. */
  readTag(tag: Tag): Promise<TagReading>;
  /** Writes one tag with its data type and byte order; resolves when the device accepted it. */
  writeTag(tag: Tag, value: TagValue): Promise<void>;
}

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
