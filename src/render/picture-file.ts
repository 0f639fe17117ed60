// Writing a rendered picture to disk for the command line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

/** Writes PNG bytes (creating the directory) and returns the absolute path; a bad path is a user error. */
export function writePicture(path: string, png: Buffer): string {
  if (!/\.png$/i.test(path)) throw new UserError(`--out ${path}: the picture is a PNG; give a file name ending in .png`);
  const full = resolve(path);
  try {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, png);
  } catch (err) {
    throw new UserError(`cannot write ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return full;
}

export function describePicture(path: string, png: Buffer): string {
  return `wrote ${path} (${Math.round(png.length / 1024)} KB)`;
}
