#!/usr/bin/env node
// Builds the package into dist/: runtime TypeScript -> readable CommonJS with source maps,
// each node's editor (<type>.editor.ts + <type>.html) -> one dist/nodes/<type>/<type>.html,
// console assets, and the plant-model JSON Schema. (The flow nodes use Font Awesome icons and no
// message catalogues, so there are no icons/ or locales/ folders to copy.)
// `--if-stale` skips the work when dist/ is newer than every source and build setting: the source
// folders, tsconfig*.json and package.json (used by `npm start` and `npm run bench`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function newestSource() {
  const files = ['nodes', 'cli', 'sim', 'demo', 'scripts'].flatMap((d) => walk(path.join(root, d)));
  // Build settings: a changed compiler option or dependency makes dist/ stale as well.
  for (const f of fs.readdirSync(root)) if (/^tsconfig.*\.json$/.test(f) || f === 'package.json') files.push(path.join(root, f));
  let newest = 0;
  for (const f of files) newest = Math.max(newest, fs.statSync(f).mtimeMs);
  return newest;
}

if (process.argv.includes('--if-stale') && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSource()) {
  process.exit(0);
}

let ts;
try {
  ts = require('typescript');
} catch {
  // Installed as a dependency of a Node-RED user directory without devDependencies: the
  // published tarball already contains dist/, so there is nothing to build.
  if (fs.existsSync(path.join(dist, 'nodes'))) process.exit(0);
  console.error('build: typescript is not installed; run `npm install` in the package folder first');
  process.exit(1);
}

const tsc = require.resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
try {
  run(['-p', 'tsconfig.json']);
  run(['-p', 'tsconfig.editor.json']);
} catch {
  console.error('build: TypeScript errors above');
  process.exit(1);
}

// Editor: transpile each <type>.editor.ts to plain ES2019 and put it into the node's .html,
// which Node-RED requires to share the .js file's base name and folder.
const nodesDir = path.join(root, 'nodes');
for (const entry of fs.readdirSync(nodesDir, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === 'lib' || entry.name === 'shared') continue;
  const type = entry.name;
  const src = path.join(nodesDir, type);
  const out = path.join(dist, 'nodes', type);
  fs.mkdirSync(out, { recursive: true });
  const htmlFile = path.join(src, `${type}.html`);
  const editorFile = path.join(src, `${type}.editor.ts`);
  if (fs.existsSync(htmlFile)) {
    let html = fs.readFileSync(htmlFile, 'utf8');
    if (fs.existsSync(editorFile)) {
      const js = ts.transpileModule(fs.readFileSync(editorFile, 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2019, module: ts.ModuleKind.None, removeComments: false },
        fileName: editorFile,
      }).outputText.replace(/^"use strict";\s*/, '').replace(/^export \{\};\s*$/m, '');
      html = `<script type="text/javascript">\n(function () {\n${js}\n})();\n</script>\n` + html;
    }
    fs.writeFileSync(path.join(out, `${type}.html`), html);
  }
}

// Console page assets (plain files served by copilot-console).
const pub = path.join(root, 'nodes', 'lib', 'console', 'public');
if (fs.existsSync(pub)) {
  const outPub = path.join(dist, 'nodes', 'lib', 'console', 'public');
  fs.mkdirSync(outPub, { recursive: true });
  for (const f of walk(pub)) {
    const rel = path.relative(pub, f);
    const target = path.join(outPub, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (f.endsWith('.ts')) {
      const js = ts.transpileModule(fs.readFileSync(f, 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2019, module: ts.ModuleKind.None },
        fileName: f,
      }).outputText.replace(/^export \{\};\s*$/m, '');
      fs.writeFileSync(target.replace(/\.ts$/, '.js'), js);
    } else {
      fs.copyFileSync(f, target);
    }
  }
}

// The plant-model JSON Schema, generated from the zod schema so the two never drift.
const schemaModule = path.join(dist, 'nodes', 'lib', 'plant', 'json-schema.js');
if (fs.existsSync(schemaModule)) {
  const { plantJsonSchema } = require(schemaModule);
  fs.mkdirSync(path.join(root, 'schema'), { recursive: true });
  fs.writeFileSync(path.join(root, 'schema', 'plant-model.schema.json'), JSON.stringify(plantJsonSchema(), null, 2) + '\n');
}

fs.writeFileSync(stamp, new Date().toISOString() + '\n');
