// Calibration files (assets/calibration/*.json, made by `liqmap calibrate`): read, checked, written.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CalibrationError, parseCalibration, type Calibration } from '../analysis/calibration.js';
import { UserError } from '../errors.js';
import { ASSETS_DIR } from '../paths.js';

export const CALIBRATION_DIR = join(ASSETS_DIR, 'calibration');
/** What maps and the backtest use unless told otherwise. */
export const DEFAULT_CALIBRATION_FILE = join(CALIBRATION_DIR, 'btc-dev-2026-06.json');

/** Reads and checks a calibration file; a missing, unparsable or malformed file is a UserError saying which. */
export function readCalibrationFile(path: string): Calibration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`calibration ${path}: no such file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`calibration ${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return parseCalibration(json, `calibration ${path}`);
  } catch (err) {
    if (err instanceof CalibrationError) throw new UserError(err.message);
    throw err;
  }
}

let shipped: Calibration | undefined;

/** The shipped calibration, read once. */
export function defaultCalibration(): Calibration {
  shipped ??= readCalibrationFile(DEFAULT_CALIBRATION_FILE);
  return shipped;
}

/** Stable text: two-space JSON with JavaScript's shortest round-trip numbers, so the same fit gives the same bytes. */
export function formatCalibration(cal: Calibration): string {
  return `${JSON.stringify(cal, null, 2)}\n`;
}

export async function writeCalibrationFile(path: string, cal: Calibration): Promise<void> {
  await writeFile(path, formatCalibration(cal));
}
