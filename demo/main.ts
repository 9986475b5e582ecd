// `npm start`: the whole product on one machine. Starts the plant simulator (Modbus TCP, OPC UA,
// fault API), an embedded Node-RED 4.1 with this package installed, deploys flows/demo.json
// (simulator -> read -> alarms -> reason -> approval -> write, plus the operator console), and
// prints where everything is. Ctrl-C stops it all.
import { randomBytes, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startNodeRed, PACKAGE_ROOT, type EmbeddedNodeRed } from './node-red';
import { startSimulator } from '../sim';
import { envUserEntries, envUserEntryParts } from '../nodes/lib/console/users';

export interface DemoOptions {
  port: number;
  simHttpPort: number;
  simModbusPort: number;
  simOpcuaPort?: number;
  password: string;
  /** The password was generated (DEMO_PASSWORD unset): say so when printing it. */
  passwordGenerated?: boolean;
  userDir: string;
  speed: number;
  seed: number;
  /** Rewrite the user directory's flows from flows/demo.json even if it was edited. */
  resetFlows?: boolean;
  logLevel?: 'error' | 'warn' | 'info';
  /** The LLM to use; an OpenAI-compatible server's key comes from OPENAI_API_KEY in the environment. */
  llm?: { provider: 'ollama' | 'openai'; url: string; model: string };
}

export interface RunningDemo {
  red: EmbeddedNodeRed;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  options: DemoOptions;
  /** The console users the deployed flow takes from the environment (all with the demo password). */
  users: string[];
  stop(): Promise<void>;
}

/**
 * A number from the environment, or `fallback` when unset or empty. One that fails `valid` is an
 * error naming the variable and what to set instead: `SIM_SPEED=fast is not a speed-up (... a
 * number above 0 and at most 1000); set it to one, or unset it for 5`.
 */
function numberEnv(name: string, fallback: number, valid: (n: number) => boolean, what: string): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!valid(n)) throw new Error(`${name}=${v} is not ${what}; set it to one, or unset it for ${fallback}`);
  return n;
}

/** A whole number from `min` to `max` from the environment; `what` says what it is, e.g. "a port number". */
function intEnv(name: string, fallback: number, min: number, max: number, what: string): number {
  return numberEnv(name, fallback, (n) => Number.isInteger(n) && n >= min && n <= max, `${what} (a whole number from ${min} to ${max})`);
}

const portEnv = (name: string, fallback: number) => intEnv(name, fallback, 0, 65535, 'a port number');

/**
 * The console users a flow takes from the environment: the names in its copilot-console nodes'
 * `envUsers` (`name:role, name:role1+role2`, as in flows/demo.json), for the start banner.
 * A JSON list or a `${VARIABLE}` there names no one here.
 */
export function envUserNames(flowText: string): string[] {
  let flow: unknown;
  try {
    flow = JSON.parse(flowText);
  } catch {
    return [];
  }
  if (!Array.isArray(flow)) return [];
  const names = new Set<string>();
  for (const n of flow as Array<{ type?: unknown; envUsers?: unknown }>) {
    if (n?.type !== 'copilot-console' || typeof n.envUsers !== 'string') continue;
    const spec = n.envUsers.trim();
    if (spec.startsWith('[') || spec.includes('${')) continue;
    for (const entry of envUserEntries(spec)) {
      const { name } = envUserEntryParts(entry);
      if (name) names.add(name);
    }
  }
  return [...names];
}

/**
 * The host to print in the Node-RED and console URLs for the address Node-RED listens on (HOST):
 * that address itself, except a wildcard (all interfaces), where this machine's loopback works.
 */
export function urlHost(listen: string | undefined): { host: string; note: string } {
  const h = (listen ?? '').trim();
  if (!h || h === '127.0.0.1' || h === 'localhost') return { host: '127.0.0.1', note: '' };
  if (h === '0.0.0.0' || h === '::' || h === '[::]') return { host: '127.0.0.1', note: `  (listening on all interfaces: HOST=${h}; from another machine use this machine's address)` };
  return { host: h.includes(':') && !h.startsWith('[') ? `[${h}]` : h, note: '' };
}

export function optionsFromEnv(): DemoOptions {
  const llm = process.env.OLLAMA_URL
    ? { provider: 'ollama' as const, url: process.env.OLLAMA_URL, model: process.env.OLLAMA_MODEL || 'llama3.1:8b' }
    : process.env.OPENAI_BASE_URL
      ? { provider: 'openai' as const, url: process.env.OPENAI_BASE_URL, model: process.env.OPENAI_MODEL || 'gpt-4o-mini' }
      : undefined;
  return {
    port: portEnv('PORT', 1880),
    simHttpPort: portEnv('SIM_HTTP_PORT', 1881),
    simModbusPort: portEnv('SIM_MODBUS_PORT', 1502),
    simOpcuaPort: portEnv('SIM_OPCUA_PORT', 4840),
    password: process.env.DEMO_PASSWORD || randomBytes(9).toString('base64url'),
    passwordGenerated: !process.env.DEMO_PASSWORD,
    userDir: path.resolve(process.env.DEMO_USER_DIR || path.join(PACKAGE_ROOT, '.demo')),
    speed: numberEnv('SIM_SPEED', 5, (n) => n > 0 && n <= 1000, 'a speed-up (simulated seconds per real second: a number above 0 and at most 1000)'),
    // The simulator's noise generator uses the seed modulo 2^32.
    seed: intEnv('SIM_SEED', 7, 0, 4294967295, 'a noise seed'),
    resetFlows: process.env.DEMO_RESET === '1',
    llm,
  };
}

/**
 * Writes the checkout's `text` to `dst` in the user dir when it is missing, when `reset`, or when
 * the checkout's copy changed since it was last written (a newer checkout: a sha-256 in `marker`
 * says which one was written). A replaced file that differs from `text` (an older checkout's copy,
 * or an engineer's edit, DEMO_RESET included) is kept as `<name>.backup-<time><ext>`; otherwise
 * edits survive a restart. True when it wrote.
 */
function syncFromCheckout(text: string, dst: string, marker: string, reset: boolean): boolean {
  const sha = createHash('sha256').update(text).digest('hex');
  const known = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  const exists = fs.existsSync(dst);
  if (!reset && exists && known === sha) return false;
  if (exists && fs.readFileSync(dst, 'utf8') !== text) {
    const ext = path.extname(dst);
    fs.copyFileSync(dst, path.join(path.dirname(dst), `${path.basename(dst, ext)}.backup-${Date.now()}${ext}`));
  }
  fs.writeFileSync(dst, text);
  fs.writeFileSync(marker, sha + '\n');
  return true;
}

/**
 * Copies the demo plant model and flow into the user directory (see syncFromCheckout; DEMO_RESET=1
 * rewrites both). Returns the flow Node-RED will run.
 */
export function prepareUserDir(o: DemoOptions): string {
  fs.mkdirSync(o.userDir, { recursive: true });
  const reset = !!o.resetFlows;
  const plantText = fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'plants', 'reactor-unit-2.yaml'), 'utf8');
  syncFromCheckout(plantText, path.join(o.userDir, 'plant.yaml'), path.join(o.userDir, '.demo-plant-sha256'), reset);
  const flowSrc = fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8');
  const flowDst = path.join(o.userDir, 'flows.json');
  if (syncFromCheckout(flowSrc, flowDst, path.join(o.userDir, '.demo-flow-sha256'), reset)) {
    // Credentials of an older flow cannot be decrypted with new node ids; start clean.
    fs.rmSync(path.join(o.userDir, 'flows_cred.json'), { force: true });
    return flowSrc;
  }
  return fs.readFileSync(flowDst, 'utf8');
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const users = envUserNames(prepareUserDir(o));
  const sim = await startSimulator({
    httpPort: o.simHttpPort,
    modbusPort: o.simModbusPort,
    opcuaPort: o.simOpcuaPort,
    speed: o.speed,
    seed: o.seed,
  });
  // flows/demo.json reads its ports, users and LLM settings from these variables (${...}).
  Object.assign(process.env, {
    COPILOT_SIM_MODBUS_PORT: String(sim.modbusPort),
    COPILOT_DEMO_PASSWORD: o.password,
    COPILOT_LLM_PROVIDER: o.llm?.provider ?? 'none',
    COPILOT_LLM_URL: o.llm?.url ?? '',
    COPILOT_LLM_MODEL: o.llm?.model ?? '',
  });
  let red: EmbeddedNodeRed;
  try {
    red = await startNodeRed({
      userDir: o.userDir,
      port: o.port,
      host: process.env.HOST || '127.0.0.1',
      credentialSecret: 'operator-copilot-demo',
      logLevel: o.logLevel ?? 'warn',
    });
  } catch (e) {
    await sim.stop();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    red,
    sim,
    options: o,
    users,
    stop() {
      stopping ??= (async () => {
        await red.stop().catch(() => undefined);
        await sim.stop().catch(() => undefined);
      })();
      return stopping;
    },
  };
}

export async function main(): Promise<void> {
  let o: DemoOptions;
  try {
    o = optionsFromEnv();
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(2);
  }
  let demo: RunningDemo;
  try {
    demo = await startDemo(o);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    console.error(`demo: could not start: ${err.message}`);
    if (err.code === 'EADDRINUSE') console.error('demo: a port is in use; set PORT, SIM_HTTP_PORT, SIM_MODBUS_PORT or SIM_OPCUA_PORT to free ports');
    process.exit(1);
  }
  const sim = demo.sim;
  const web = urlHost(process.env.HOST);
  const lines = [
    '',
    'Operator Copilot demo is running',
    `  Operator console   http://${web.host}:${demo.red.port}/copilot${web.note}`,
    `  Node-RED editor    http://${web.host}:${demo.red.port}/`,
    `  Users              ${demo.users.length ? demo.users.join(', ') : '(none from the environment: see the copilot-console node)'}  password: ${o.password}${o.passwordGenerated ? '  (generated; set DEMO_PASSWORD to choose one)' : ''}`,
    `  Simulator          fault API http://127.0.0.1:${sim.httpPort}/faults · Modbus TCP 127.0.0.1:${sim.modbusPort}${sim.opcuaPort ? ` · OPC UA opc.tcp://127.0.0.1:${sim.opcuaPort}` : ''} · speed ${o.speed}x`,
    `  Reasoner           ${o.llm ? `LLM ${o.llm.provider} ${o.llm.model} at ${o.llm.url} (knowledge base as fallback)` : 'built-in knowledge base (no LLM configured)'}`,
    `  Audit log          ${path.join(o.userDir, 'copilot-audit.db')}`,
    '',
    'Inject a fault, e.g. a cooling water pump trip:',
    `  curl -X POST http://127.0.0.1:${sim.httpPort}/faults -H 'content-type: application/json' -d '{"type":"pump-trip","target":"P-301"}'`,
    `  curl http://127.0.0.1:${sim.httpPort}/faults          # all faults;  curl -X DELETE .../faults clears them`,
    '',
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));
  const shutdown = (sig: string) => {
    console.log(`\ndemo: ${sig}, stopping...`);
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}
