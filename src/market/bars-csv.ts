// The bars interchange format (DESIGN.md §5, docs/ARCHITECTURE.md): one CSV per (venue, symbol,
// interval), header row, oldest bar first. Text in, text out: reading files is the caller's job.
import type { Bar } from '../analysis/types.js';

/** Column name → Bar field, in the order the writer emits them. */
export const BAR_COLUMNS = [
  ['ts', 'ts'],
  ['open', 'open'],
  ['high', 'high'],
  ['low', 'low'],
  ['close', 'close'],
  ['volume', 'volume'],
  ['taker_buy_volume', 'takerBuyVolume'],
  ['net_taker_volume', 'netTakerVolume'],
  ['oi', 'oi'],
  ['oi_usd', 'oiUsd'],
  ['realized_long_usd', 'realizedLongUsd'],
  ['realized_short_usd', 'realizedShortUsd'],
] as const satisfies readonly (readonly [string, keyof Bar])[];

const REQUIRED = ['ts', 'open', 'high', 'low', 'close'];
const FIELD_OF = new Map<string, keyof Bar>(BAR_COLUMNS.map(([c, f]) => [c, f]));
const MAX_REPORTED = 20;

export class BarsFormatError extends Error {
  override name = 'BarsFormatError';
  constructor(
    readonly file: string,
    readonly problems: { line: number; message: string }[],
  ) {
    const shown = problems.slice(0, MAX_REPORTED).map((p) => `  ${file}:${p.line}: ${p.message}`);
    const more = problems.length > MAX_REPORTED ? [`  … and ${problems.length - MAX_REPORTED} more`] : [];
    super(`${file}: ${problems.length} malformed ${problems.length === 1 ? 'row' : 'rows'}\n${[...shown, ...more].join('\n')}`);
  }
}

export interface ParsedBars {
  bars: Bar[];
  /** Columns present in the header, in the format's names. */
  columns: string[];
  /** Header columns this reader does not know; ignored. */
  ignoredColumns: string[];
}

/** Parses interchange CSV text. Every malformed row is reported with its line; none is skipped silently. */
export function parseBarsCsv(text: string, file = '<input>'): ParsedBars {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0 || lines[0]!.trim() === '') {
    throw new BarsFormatError(file, [{ line: 1, message: `empty file: expected a header such as "${BAR_COLUMNS.map(([c]) => c).join(',')}"` }]);
  }
  const header = lines[0]!.split(',').map((h) => h.trim().toLowerCase());
  const problems: { line: number; message: string }[] = [];
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new BarsFormatError(file, [{ line: 1, message: `header lacks required column(s) ${missing.join(', ')}` }]);
  }
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) throw new BarsFormatError(file, [{ line: 1, message: `column "${dup}" appears twice` }]);
  const fields = header.map((h) => FIELD_OF.get(h));
  const ignoredColumns = header.filter((h) => !FIELD_OF.has(h));

  const bars: Bar[] = [];
  let prevTs = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') {
      problems.push({ line: lineNo, message: 'blank line' });
      continue;
    }
    const cells = raw.split(',');
    if (cells.length !== header.length) {
      problems.push({ line: lineNo, message: `expected ${header.length} cells, found ${cells.length}` });
      continue;
    }
    const bar: Partial<Record<keyof Bar, number>> = {};
    let ok = true;
    for (let c = 0; c < cells.length; c++) {
      const field = fields[c];
      if (!field) continue;
      const cell = cells[c]!.trim();
      if (cell === '') {
        if (REQUIRED.includes(header[c]!)) {
          problems.push({ line: lineNo, message: `${header[c]} is empty` });
          ok = false;
        }
        continue;
      }
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        problems.push({ line: lineNo, message: `${header[c]} is not a number: "${cell.slice(0, 40)}"` });
        ok = false;
        continue;
      }
      bar[field] = value;
    }
    if (!ok) continue;
    const b = bar as Bar;
    const rowProblems: string[] = [];
    if (!Number.isInteger(b.ts) || b.ts < 0) rowProblems.push(`ts ${b.ts} is not a Unix time in ms`);
    if (!(b.open > 0 && b.high > 0 && b.low > 0 && b.close > 0)) rowProblems.push('prices must be above 0');
    if (b.high < b.low || b.high < Math.max(b.open, b.close) || b.low > Math.min(b.open, b.close)) {
      rowProblems.push(`high ${b.high} / low ${b.low} do not contain open ${b.open} and close ${b.close}`);
    }
    for (const key of ['volume', 'takerBuyVolume', 'oi', 'oiUsd', 'realizedLongUsd', 'realizedShortUsd'] as const) {
      const v = b[key];
      if (v !== undefined && v < 0) rowProblems.push(`${key} ${v} is negative`);
    }
    if (b.takerBuyVolume !== undefined && b.volume !== undefined && b.takerBuyVolume > b.volume * (1 + 1e-9)) {
      rowProblems.push(`taker_buy_volume ${b.takerBuyVolume} exceeds volume ${b.volume}`);
    }
    if (b.ts <= prevTs) rowProblems.push(`ts ${b.ts} is not after the previous bar's ${prevTs}`);
    if (rowProblems.length > 0) {
      problems.push({ line: lineNo, message: rowProblems.join('; ') });
      continue;
    }
    prevTs = b.ts;
    bars.push(b);
  }
  if (problems.length > 0) throw new BarsFormatError(file, problems);
  return { bars, columns: header.filter((h) => FIELD_OF.has(h)), ignoredColumns };
}

/** Column names that hold a value in at least one bar, in the format's order. */
export function columnsUsed(bars: Bar[]): string[] {
  return BAR_COLUMNS.filter(([, f]) => REQUIRED.includes(f) || bars.some((b) => b[f] !== undefined)).map(([c]) => c);
}

export function formatBarsHeader(columns: string[]): string {
  return columns.join(',');
}

/** One row; numbers in JavaScript's shortest round-trip form, so write → read is exact. */
export function formatBarRow(bar: Bar, columns: string[]): string {
  return columns
    .map((c) => {
      const v = bar[FIELD_OF.get(c)!];
      return v === undefined ? '' : String(v);
    })
    .join(',');
}

export function formatBarsCsv(bars: Bar[], columns = columnsUsed(bars)): string {
  return [formatBarsHeader(columns), ...bars.map((b) => formatBarRow(b, columns))].join('\n') + '\n';
}
