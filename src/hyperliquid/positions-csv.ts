// Recorded Hyperliquid positions, one row per position per snapshot:
// `snapshot_ts,user,coin,szi,entry_px,leverage,liquidation_px,position_value` (the columns of the
// public whale recordings in test/fixtures/dev/; `entry_px` and `leverage` optional). `szi` is signed
// (negative = short), `liquidation_px` empty = null (no liquidation price), `position_value` USD at the
// mark. Every malformed row is reported with its line.
import { UserError } from '../errors.js';

export interface RecordedPosition {
  user: string;
  coin: string;
  szi: number;
  entryPx: number | undefined;
  leverage: number | undefined;
  liquidationPx: number | null;
  positionValue: number;
}

export interface PositionSnapshot {
  /** Unix ms of `snapshot_ts`. */
  ts: number;
  positions: RecordedPosition[];
}

const REQUIRED = ['snapshot_ts', 'user', 'coin', 'szi', 'liquidation_px', 'position_value'];
export const POSITIONS_CSV_HEADER = 'snapshot_ts,user,coin,szi,entry_px,leverage,liquidation_px,position_value';
const MAX_REPORTED = 20;

export class PositionsFormatError extends UserError {
  override name = 'PositionsFormatError';
}

/** Snapshots in time order, positions in file order; `coin` keeps only that coin's rows. */
export function parsePositionsCsv(text: string, file: string, coin?: string): PositionSnapshot[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new PositionsFormatError(`${file}: empty file: expected a header with ${REQUIRED.join(',')}`);
  const header = lines[0]!.split(',').map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new PositionsFormatError(`${file}:1: header lacks column(s) ${missing.join(', ')} (expected ${REQUIRED.join(',')})`);
  const col = (name: string) => header.indexOf(name);
  const [iTs, iUser, iCoin, iSzi, iEntry, iLev, iLiq, iValue] = ['snapshot_ts', 'user', 'coin', 'szi', 'entry_px', 'leverage', 'liquidation_px', 'position_value'].map(col) as number[];
  const problems: string[] = [];
  const byTs = new Map<number, RecordedPosition[]>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const at = `${file}:${n + 1}`;
    const cell = (i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
    const number = (i: number, name: string, allowEmpty = false): number | undefined => {
      const text = cell(i);
      if (text === '' && allowEmpty) return undefined;
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) {
        problems.push(`${at}: ${name} "${text.slice(0, 30)}" is not a number`);
        return undefined;
      }
      return v;
    };
    const ts = Date.parse(cell(iTs!));
    if (!Number.isFinite(ts)) {
      problems.push(`${at}: snapshot_ts "${cell(iTs!).slice(0, 40)}" is not an ISO time`);
      continue;
    }
    const rowCoin = cell(iCoin!);
    if (coin !== undefined && rowCoin.toUpperCase() !== coin.toUpperCase()) continue;
    const szi = number(iSzi!, 'szi');
    const value = number(iValue!, 'position_value');
    const liq = number(iLiq!, 'liquidation_px', true);
    const entry = number(iEntry!, 'entry_px', true);
    const leverage = number(iLev!, 'leverage', true);
    if (szi === undefined || value === undefined) continue;
    if (liq !== undefined && !(liq > 0)) {
      problems.push(`${at}: liquidation_px ${liq} must be above 0 (leave it empty for none)`);
      continue;
    }
    const rows = byTs.get(ts) ?? [];
    rows.push({ user: cell(iUser!), coin: rowCoin, szi, entryPx: entry, leverage, liquidationPx: liq ?? null, positionValue: value });
    byTs.set(ts, rows);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED);
    const more = problems.length > MAX_REPORTED ? [`… and ${problems.length - MAX_REPORTED} more`] : [];
    throw new PositionsFormatError(`${file}: ${problems.length} malformed ${problems.length === 1 ? 'row' : 'rows'}\n${[...shown, ...more].map((p) => `  ${p}`).join('\n')}`);
  }
  return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, positions]) => ({ ts, positions }));
}

/** The mark of a snapshot: the median of position_value ÷ |szi| over its positions. */
export function snapshotMark(positions: readonly RecordedPosition[]): number | undefined {
  const marks = positions.filter((p) => p.szi !== 0 && p.positionValue > 0).map((p) => p.positionValue / Math.abs(p.szi)).sort((a, b) => a - b);
  if (marks.length === 0) return undefined;
  const mid = marks.length / 2;
  return marks.length % 2 === 1 ? marks[Math.floor(mid)]! : (marks[mid - 1]! + marks[mid]!) / 2;
}

/** Rows of one snapshot in the same format, for `liqmap track --record` (no header). */
export function formatPositionRows(ts: number, positions: readonly RecordedPosition[]): string {
  const at = new Date(ts).toISOString();
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return positions.map((p) => [at, p.user, p.coin, p.szi, cell(p.entryPx), cell(p.leverage), cell(p.liquidationPx), p.positionValue].join(',') + '\n').join('');
}
