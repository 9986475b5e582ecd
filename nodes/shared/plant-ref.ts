// How a flow node finds its copilot-plant config node and reports a missing or invalid model.
import type { Node, NodeAPI } from 'node-red';
import type { PlantConfigNode } from './types';
import { status } from './status';

export function plantNodeOf(RED: NodeAPI, node: Node, id: string | undefined): PlantConfigNode | undefined {
  const plant = id ? (RED.nodes.getNode(id) as PlantConfigNode | null) : null;
  if (!plant) {
    status.error(node, 'no plant model');
    node.error('No plant model selected: open the node and choose a copilot-plant configuration');
    return undefined;
  }
  if (!plant.model) {
    status.error(node, `plant model invalid (${plant.errors.length} errors)`);
    return plant;
  }
  return plant;
}
