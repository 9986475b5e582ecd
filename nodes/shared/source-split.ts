// The tags a reader node reads: those whose source names its connection and is of its protocol.
// A tag that names the connection but carries another protocol's source (an OPC UA nodeId on a
// Modbus connection, or no address at all) is not read, and the engineer is told which, once
// per list: a plant reload with the same odd tags does not repeat the warning.
import { tagsOnConnection, type PlantModel, type Tag } from '../lib/plant';

export interface SourceSplit {
  /** Every tag naming the connection (the Modbus poller reports its own invalid addresses). */
  onConnection: Tag[];
  /** Those of this reader's protocol. */
  tags: Tag[];
}

export function sourceSplitter(node: { warn(message: string): void }, protocol: string, missing: string, example: string): (model: PlantModel, connName: string, isKind: (source: Tag['source']) => boolean) => SourceSplit {
  let warned = '';
  return (model, connName, isKind) => {
    const onConnection = tagsOnConnection(model, connName);
    const tags = onConnection.filter((t) => isKind(t.source));
    const odd = onConnection.filter((t) => !isKind(t.source)).map((t) => t.name).join(', ');
    if (odd && odd !== warned) node.warn(`not read: ${odd} name connection "${connName}" but have no ${missing}; a${/^[AEIOU]/.test(protocol) ? 'n' : ''} ${protocol} source is {connection: ${connName}, ${example}}`);
    warned = odd;
    return { onConnection, tags };
  };
}
