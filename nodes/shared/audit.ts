// A node's append to its plant's audit log (Node-RED glue around lib/audit/appender): a failing
// log is reported on the node once per outage, with what was not recorded, and its recovery too.
import { tolerantAppender, type AuditFn } from '../lib/audit/appender';
import type { Node, PlantConfigNode } from './types';

export function plantAuditor(node: Node, plant: PlantConfigNode | undefined): AuditFn {
  return tolerantAppender(() => plant?.hub.audit, {
    failed: (message) => node.error(message),
    recovered: (lost) => node.warn(`the audit log records again; ${lost} record${lost === 1 ? ' was' : 's were'} lost while it failed`),
  });
}
