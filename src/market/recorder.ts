// Records live bars into interchange CSV files (one per venue) and liquidation events into NDJSON,
// resuming after a restart from the last bar on disk: no gap, no duplicate. The files are a source
// (`--source <dir>`) like any other.
import { appendFile, mkdir, open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bar } from '../analysis/types.js';
import { formatBarRow, formatBarsHeader, parseBarsCsv } from './bars-csv.js';
import type { Clock } from './clock.js';
import { msToInterval } from './intervals.js';
import type { LiquidationEvent } from './liquidation-events.js';
import type { LiveMarketData } from './live-market-data.js';
import { VenueError } from './venue-http.js';

/** Every column a venue may fill; empty cells where it does not. */
export const RECORD_COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume', 'taker_buy_volume', 'net_taker_volume', 'oi', 'oi_usd'];

export interface RecorderOptions {
  market: LiveMarketData;
  symbol: string;
  venues?: string[];
  intervalMs: number;
  outDir: string;
  clock: Clock;
  /** How far back a new file starts (default 1 day). */
  backfillMs?: number;
  /**
   * Trailing bars still lacking open interest are held back this many bars (venues publish OI a little
   * after the bar closes); older bars are written as they are, with the OI cell empty.
   */
  oiHoldBackBars?: number;
}

export interface StepResult {
  appended: Record<string, number>;
  failed: { venue: string; reason: string }[];
  /** Limits met (e.g. OKX's open interest reaching back 1,440 bars only), worth telling. */
  notes: string[];
}

interface VenueFile {
  path: string;
  columns: string[];
  lastTs: number | undefined;
}

export class Recorder {
  private files = new Map<string, VenueFile>();
  private eventsPath: string | undefined;
  private eventWrites: Promise<void> = Promise.resolve();
  symbol: string | undefined;

  constructor(private readonly options: RecorderOptions) {}

  /** One round: every venue's closed bars after its last recorded one are appended. */
  async step(): Promise<StepResult> {
    const { market, intervalMs, clock } = this.options;
    const { symbol, usable, failed } = await market.marketsFor(this.options.symbol, this.options.venues);
    this.symbol = symbol;
    await mkdir(this.options.outDir, { recursive: true });
    const counts = new Map<string, number>();
    const notes: string[] = [];
    const toMs = Math.floor(clock.now() / intervalMs) * intervalMs;
    await Promise.all(
      usable.map(async ({ venue, client, market: m }) => {
        try {
          const file = await this.openFile(venue, symbol);
          const fromMs = file.lastTs !== undefined ? file.lastTs + intervalMs : Math.floor((clock.now() - (this.options.backfillMs ?? 86_400_000)) / intervalMs) * intervalMs;
          if (fromMs + intervalMs > toMs) {
            counts.set(venue, 0);
            return;
          }
          const fetched = await client.fetchBars(m, intervalMs, fromMs, toMs);
          notes.push(...fetched.notes);
          const bars = this.holdBack(fetched.bars, toMs).filter((b) => file.lastTs === undefined || b.ts > file.lastTs);
          if (bars.length > 0) {
            await appendFile(file.path, bars.map((b) => `${formatBarRow(b, file.columns)}\n`).join(''));
            file.lastTs = bars[bars.length - 1]!.ts;
          }
          counts.set(venue, bars.length);
        } catch (err) {
          failed.push({ venue, reason: err instanceof VenueError ? `${err.endpoint}: ${err.detail}` : err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    // In the venues' order, whichever answered first.
    const appended = Object.fromEntries(usable.filter((u) => counts.has(u.venue)).map((u) => [u.venue, counts.get(u.venue)!]));
    return { appended, failed, notes };
  }

  /** Appends one liquidation event (of the recorded symbol) as an NDJSON line; writes stay in order. */
  recordEvent(event: LiquidationEvent): Promise<void> {
    const symbol = this.symbol ?? this.options.symbol;
    if (event.symbol !== symbol) return this.eventWrites;
    this.eventsPath ??= join(this.options.outDir, `liquidations-${symbol}.ndjson`);
    const path = this.eventsPath;
    this.eventWrites = this.eventWrites.then(() => appendFile(path, `${JSON.stringify(event)}\n`));
    return this.eventWrites;
  }

  /** Resolves when every event handed to recordEvent is on disk. */
  flush(): Promise<void> {
    return this.eventWrites;
  }

  private holdBack(bars: Bar[], toMs: number): Bar[] {
    const hold = this.options.oiHoldBackBars ?? 2;
    if (!bars.some((b) => b.oi !== undefined || b.oiUsd !== undefined)) return bars;
    let end = bars.length;
    while (end > 0) {
      const b = bars[end - 1]!;
      const recent = b.ts + this.options.intervalMs > toMs - hold * this.options.intervalMs;
      if (recent && b.oi === undefined && b.oiUsd === undefined) end--;
      else break;
    }
    return bars.slice(0, end);
  }

  /** Opens (or creates) the venue's file, cutting a half-written last line left by a crash. */
  private async openFile(venue: string, symbol: string): Promise<VenueFile> {
    const known = this.files.get(venue);
    if (known) return known;
    const path = join(this.options.outDir, `${venue}-${symbol}-${msToInterval(this.options.intervalMs)}.csv`);
    let file: VenueFile;
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await writeFile(path, `${formatBarsHeader(RECORD_COLUMNS)}\n`);
      file = { path, columns: RECORD_COLUMNS, lastTs: undefined };
    } else {
      let text = await readFile(path, 'utf8');
      if (!text.endsWith('\n')) {
        const keep = text.lastIndexOf('\n') + 1;
        await cut(path, Buffer.byteLength(text.slice(0, keep)));
        text = text.slice(0, keep);
      }
      if (text.trim() === '') {
        await writeFile(path, `${formatBarsHeader(RECORD_COLUMNS)}\n`);
        file = { path, columns: RECORD_COLUMNS, lastTs: undefined };
      } else {
        const parsed = parseBarsCsv(text, path);
        // Write in the file's own column order, whatever it is.
        const header = text.slice(0, text.indexOf('\n')).split(',').map((h) => h.trim().toLowerCase());
        file = { path, columns: header, lastTs: parsed.bars.at(-1)?.ts };
      }
    }
    this.files.set(venue, file);
    return file;
  }
}

async function cut(path: string, bytes: number): Promise<void> {
  await truncate(path, bytes);
  // Make the cut durable before appending after it.
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
