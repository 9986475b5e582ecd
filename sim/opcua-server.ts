// Placeholder until the OPC UA server lands (issue 4): it refuses clearly instead of pretending.
import type { OpcuaServerOptions, RunningOpcuaServer, SimProcess } from './process-api';

export async function startOpcuaServer(_proc: SimProcess, _opts: OpcuaServerOptions): Promise<RunningOpcuaServer> {
  throw new Error('the OPC UA server of the simulator is not available in this build');
}
