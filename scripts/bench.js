#!/usr/bin/env node
// `npm run bench`: builds, then runs every bench/*.js in turn (one process each, so one
// benchmark's heap and sockets never disturb the next). Each prints JSON lines; this runner
// passes them through and adds a closing summary line. Select with `npm run bench -- alarms`.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const build = spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--if-stale'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const filter = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
  .filter((f) => !filter.length || filter.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const f of files) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench', f)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: f.replace(/\.js$/, ''), error: r.error ? r.error.message : `exit ${r.status}`, seconds: (Date.now() - t0) / 1000 }));
  }
}
console.log(JSON.stringify({ bench: 'summary', files: files.length, failed }));
process.exit(failed ? 1 : 0);
