// Registers the bundled Inter (SIL OFL 1.1, assets/fonts/) with node-canvas under a private family name,
// so every machine draws the same glyphs whatever fonts the system has.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { registerFont } from 'canvas';
import { ASSETS_DIR } from '../paths.js';
import { FONT_FAMILY } from './theme.js';

export const FONTS_DIR = join(ASSETS_DIR, 'fonts');

const FACES = [
  { file: 'Inter-Regular.otf', weight: 'normal' },
  { file: 'Inter-SemiBold.otf', weight: '600' },
  { file: 'Inter-Bold.otf', weight: 'bold' },
] as const;

let registered = false;

/** Idempotent; must run before the first canvas is created in a thread (Pango caches its font map). */
export function registerFonts(): void {
  if (registered) return;
  for (const face of FACES) {
    const path = join(FONTS_DIR, face.file);
    if (!existsSync(path)) throw new Error(`liqmap: bundled font ${path} is missing`);
    registerFont(path, { family: FONT_FAMILY, weight: face.weight });
  }
  registered = true;
}
