// What flow nodes see of a copilot-modbus config node.
import type { Node } from 'node-red';
import type { ConnectionState, ModbusMaster, UnitMetrics } from '../lib/modbus';
import type { TagIO } from '../shared/connections';

export interface ModbusConfigNode extends Node, TagIO {
  unitId: number;
  register(userId: string): ModbusMaster;
  deregister(userId: string): Promise<void>;
  connectionState(): { state: ConnectionState; detail: string };
  /** Per-unit queue metrics of the connection (empty when not in use). */
  metrics(): Record<number, UnitMetrics>;
}
