import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Golden files change only through `npm run update-goldens` (UPDATE_GOLDENS=1), never by a test run:
 * a missing golden fails the test instead of being written silently.
 */
export const updatingGoldens = process.env.UPDATE_GOLDENS === '1';

export function expectGoldenText(path: string, actual: string): { expected: string; actual: string } {
  if (updatingGoldens) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return { expected: actual, actual };
  }
  if (!existsSync(path)) throw new Error(`golden ${path} is missing: run npm run update-goldens and review the result`);
  return { expected: readFileSync(path, 'utf8'), actual };
}
