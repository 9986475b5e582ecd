// What copilot-opcua-read (and copilot-write, through TagIO) see of a copilot-opcua config node.
import type { OpcuaConnection } from '../lib/opcua/connection';
import type { TagIO } from '../shared/connections';
import type { Node } from '../shared/types';

export interface OpcuaConfigNode extends Node, TagIO {
  /** Undefined when the settings are invalid (then `configError` says why). */
  connection?: OpcuaConnection;
  configError?: string;
  endpoint: string;
}
