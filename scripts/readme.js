// Assembles README.md from the section sources in docs/, in the order a newcomer reads them, with
// a table of contents after the introduction. Edit docs/*.md, then run `node scripts/readme.js`;
// links between sections (`](opcua.md)`) become README anchors.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const ORDER = ['intro', 'tour', 'plant-model', 'simulator', 'modbus', 'opcua', 'alarms', 'reasoning', 'llm', 'safety', 'audit', 'console', 'security', 'benchmarks', 'limits', 'development'];

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const anchor = (h) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A section file left out of ORDER (or a name in ORDER with no file) would silently drop out of the README.
const onDisk = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3));
const missing = onDisk.filter((n) => !ORDER.includes(n));
const absent = ORDER.filter((n) => !onDisk.includes(n));
if (missing.length || absent.length) {
  throw new Error(`scripts/readme.js: ${missing.length ? `docs/${missing.join('.md, docs/')}.md not in ORDER (add it where a reader needs it)` : ''}${missing.length && absent.length ? '; ' : ''}${absent.length ? `no docs file for ${absent.join(', ')} in ORDER` : ''}`);
}

const parts = Object.fromEntries(ORDER.map((n) => [n, fs.readFileSync(path.join(root, 'docs', `${n}.md`), 'utf8').trim() + '\n']));
const titles = {};
for (const n of ORDER) {
  const m = parts[n].match(/^## (.+)$/m);
  if (m) titles[n] = m[1];
}
const fix = (text) => {
  for (const [n, t] of Object.entries(titles)) text = text.replace(new RegExp(`\\]\\(${escape(n)}\\.md\\)`, 'g'), `](#${anchor(t)})`);
  return text;
};

const toc = ['## Contents', ''];
for (const n of ORDER) for (const m of parts[n].matchAll(/^## (.+)$/gm)) toc.push(`- [${m[1]}](#${anchor(m[1])})`);
const intro = fix(parts.intro);
const at = intro.indexOf('## Quick start');
if (at < 0) throw new Error('docs/intro.md: no "## Quick start" heading to put the contents before');
let out = intro.slice(0, at) + toc.join('\n') + '\n\n' + intro.slice(at);
for (const n of ORDER.slice(1)) out += '\n' + fix(parts[n]);
fs.writeFileSync(path.join(root, 'README.md'), out);
console.log(`README.md: ${out.split('\n').length - 1} lines from ${ORDER.length} sections`);
