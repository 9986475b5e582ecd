// Starts a real Node-RED runtime in this process with this package installed into its user
// directory (a symlink in <userDir>/node_modules, exactly what `npm install <path>` makes).
// Used by `npm start` and by the tests that need a real runtime.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface EmbeddedNodeRed {
  port: number;
  url: string;
  userDir: string;
  /** node-red's runtime API object */
  RED: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  userDir: string;
  port?: number;
  host?: string;
  flows?: unknown[];
  /** Credentials by node id, written encrypted with credentialSecret. */
  credentialSecret?: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Extra Node-RED settings. */
  settings?: Record<string, unknown>;
}

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).name;

/** Makes <userDir>/node_modules/<this package> point at the package root. */
export function installIntoUserDir(userDir: string): void {
  const nm = path.join(userDir, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  const link = path.join(nm, PACKAGE_NAME);
  try {
    if (fs.realpathSync(link) === fs.realpathSync(PACKAGE_ROOT)) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    /* not there yet */
  }
  fs.symlinkSync(PACKAGE_ROOT, link, 'dir');
  const pkgFile = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkgFile)) fs.writeFileSync(pkgFile, JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [PACKAGE_NAME]: 'file:' + PACKAGE_ROOT } }, null, 2));
}

export async function startNodeRed(opts: EmbeddedOptions): Promise<EmbeddedNodeRed> {
  // Loaded lazily: node-red is a devDependency (the published package does not embed it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express');
  fs.mkdirSync(opts.userDir, { recursive: true });
  installIntoUserDir(opts.userDir);
  if (opts.flows) fs.writeFileSync(path.join(opts.userDir, 'flows.json'), JSON.stringify(opts.flows, null, 2));
  const app = express();
  const server = http.createServer(app);
  const settings = {
    userDir: opts.userDir,
    flowFile: 'flows.json',
    credentialSecret: opts.credentialSecret ?? false,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    uiHost: opts.host ?? '127.0.0.1',
    logging: { console: { level: opts.logLevel ?? 'warn', metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    ...opts.settings,
  };
  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, settings.uiHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  await RED.start();
  let stopped = false;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    userDir: opts.userDir,
    RED,
    async stop() {
      if (stopped) return;
      stopped = true;
      await RED.stop();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
