// `operator-copilot sim`: runs the demo plant (examples/plants/reactor-unit-2.yaml) and serves
// it over Modbus TCP, the HTTP fault API and optionally OPC UA until SIGINT/SIGTERM.
import { startSimulator } from '../../sim';
import { UsageError, type Command } from '../command';

const OPTIONS: Record<string, string> = {
  '--http-port': 'httpPort',
  '--modbus-port': 'modbusPort',
  '--opcua-port': 'opcuaPort',
  '--speed': 'speed',
  '--seed': 'seed',
};

function parseArgs(args: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    const key = OPTIONS[flag];
    if (!key) throw new UsageError(`unknown option ${args[i]}`);
    const text = inline ?? args[++i];
    const n = Number(text);
    if (text === undefined || text === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number`);
    if (key.endsWith('Port') && !(Number.isInteger(n) && n >= 0 && n <= 65535)) throw new UsageError(`${flag} must be a port 0..65535 (0 = the OS picks)`);
    if (key === 'speed' && !(n > 0 && n <= 1000)) throw new UsageError('--speed must be > 0 and at most 1000 (simulated seconds per real second)');
    if (key === 'seed' && !Number.isInteger(n)) throw new UsageError('--seed must be an integer');
    out[key] = n;
  }
  return out;
}

export const sim: Command = {
  name: 'sim',
  usage: 'operator-copilot sim [--http-port N] [--modbus-port N] [--opcua-port N] [--speed X] [--seed N]',
  summary: 'run the demo plant simulator: Modbus TCP (unit 1), HTTP fault API, optional OPC UA; ports 0 = the OS picks',
  async run(args, io) {
    const o = parseArgs(args);
    const speed = o.speed ?? 5;
    const seed = o.seed ?? 1;
    const running = await startSimulator({
      httpPort: o.httpPort ?? 1881,
      modbusPort: o.modbusPort ?? 1502,
      opcuaPort: o.opcuaPort,
      speed,
      seed,
      onOpcuaError: (e) => io.err(`sim: OPC UA server not started (${e.message}); Modbus and the fault API keep running`),
    });
    io.out(`sim: http=${running.httpPort} modbus=${running.modbusPort} opcua=${running.opcuaPort ?? 'off'} speed=${speed} seed=${seed}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await running.stop();
    io.out('sim: stopped');
    return 0;
  },
};

export const commands = [sim];
