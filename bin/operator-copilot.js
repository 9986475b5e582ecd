#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is written in TypeScript and built into dist/ by `npm install`.
// `operator-copilot --help | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(0);
  throw e;
});
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(e.message)) {
    console.error('operator-copilot: the package is not built; run `npm install` (or `npm run build`) in its folder');
    process.exit(2);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`operator-copilot: ${err && err.message ? err.message : err}`);
    process.exitCode = 2;
  },
);
