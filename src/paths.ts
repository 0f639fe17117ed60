import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root (where package.json is), whether running from src/ under vitest or from dist/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'assets'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('liqmap: cannot find the project root (package.json beside assets/)');
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();
export const ASSETS_DIR = join(PROJECT_ROOT, 'assets');
export const SAMPLE_DIR = join(ASSETS_DIR, 'sample');
