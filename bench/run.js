#!/usr/bin/env node
// `npm run bench`: runs every compiled dist/bench/*.bench.js in its own process, one after another, so
// one benchmark's heap and threads never colour another's figures. `npm run bench -- engine` runs the
// ones whose name contains "engine".
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dir = join(process.cwd(), 'dist', 'bench');
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`bench: no benchmark in ${dir} matches "${filter}"`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
