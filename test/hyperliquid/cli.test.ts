// `liqmap score-measured` on the real whale snapshots and `liqmap track` against the fake Hyperliquid.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { runTrack } from '../../src/cli/track.js';
import { parsePositionsCsv } from '../../src/hyperliquid/positions-csv.js';
import { SqliteBackend } from '../../src/store/sqlite-backend.js';
import { createStore } from '../../src/store/store.js';
import { expectGoldenText } from '../helpers/golden.js';
import { addressOf, FakeHyperliquid } from '../fake-hyperliquid/server.js';

const DEV = join(import.meta.dirname, '..', 'fixtures', 'dev');
const POSITIONS = join(DEV, 'hl-btc-whale-positions-2026-02-03_2026-02-11.csv');
const BARS = join(DEV, 'binance-BTCUSDT-1h.csv');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface SnapshotJson {
  ts: string;
  mark: number;
  bucketSize: number;
  range: number;
  measured: { shortAbove: number; longBelow: number; bookUsd: number };
  estimated: { shortAbove: number; longBelow: number; bookUsd: number };
  scores: { bookWithin: { pct: number; measured: number; estimated: number }[]; long: { spearman: number | null } };
}

describe('liqmap score-measured', () => {
  it('prints the README figures for the real whale snapshots (golden)', async () => {
    const r = await cli('score-measured', '--positions', POSITIONS, '--bars', BARS);
    expect(r.code).toBe(0);
    const shown = r.out.replaceAll(DEV, '<dev>');
    const { expected, actual } = expectGoldenText(join(import.meta.dirname, '..', 'golden', 'score-measured-btc-dev.txt'), `${shown}\n`);
    expect(actual).toBe(expected);
    // The Binance bars end on 2026-02-11 00:00: the four snapshots of that day cannot be scored.
    expect(r.err.split('\n').filter((l) => l.startsWith('note: 2026-02-11'))).toHaveLength(4);
  });

  it('gives one JSON object per snapshot whose measured sums agree with the CSV rows', async () => {
    const r = await cli('score-measured', '--positions', POSITIONS, '--bars', BARS, '--json', '--range', '10');
    expect(r.code).toBe(0);
    const snapshots = JSON.parse(r.out) as SnapshotJson[];
    expect(snapshots).toHaveLength(39);
    // Worked out again from the file's rows: positions whose liquidation bucket's centre lies within ±10% of the mark.
    const rows = readFileSync(POSITIONS, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const s of [snapshots[0]!, snapshots[20]!]) {
      const mine = rows.filter((c) => new Date(c[0]!).toISOString() === s.ts);
      let shortAbove = 0;
      let longBelow = 0;
      let book = 0;
      for (const c of mine) {
        const value = Number(c[7]);
        book += value;
        if (c[6] === '') continue;
        const centre = (Math.floor(Number(c[6]) / s.bucketSize) + 0.5) * s.bucketSize;
        if (Math.abs(centre - s.mark) > 0.1 * s.mark) continue;
        if (Number(c[3]) > 0) longBelow += value;
        else shortAbove += value;
      }
      expect(s.range).toBeCloseTo(0.1, 12);
      expect(s.measured.shortAbove).toBeCloseTo(shortAbove, 3);
      expect(s.measured.longBelow).toBeCloseTo(longBelow, 3);
      expect(s.measured.bookUsd).toBeCloseTo(book, 3);
      expect(s.estimated.shortAbove).toBeGreaterThan(0);
      expect(s.scores.bookWithin.map((w) => w.pct)).toEqual([5, 10, 15]);
    }
  });

  it('names what is wrong with its input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-hl-'));
    try {
      const bad = join(dir, 'positions.csv');
      writeFileSync(bad, 'snapshot_ts,user,coin,szi,liquidation_px,position_value\n2026-02-04T06:00:00Z,0xa,BTC,1.5,,150000\n2026-02-04T06:00:00Z,0xb,BTC,big,90000,1\nyesterday,0xc,BTC,1,1,1\n');
      const r = await cli('score-measured', '--positions', bad, '--bars', BARS);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/positions\.csv: 2 malformed rows\n {2}.*positions\.csv:3: szi "big" is not a number\n {2}.*positions\.csv:4: snapshot_ts "yesterday" is not an ISO time/);
      writeFileSync(bad, 'snapshot_ts,user,szi\n');
      expect((await cli('score-measured', '--positions', bad, '--bars', BARS)).err).toMatch(/positions\.csv:1: header lacks column\(s\) coin, liquidation_px, position_value/);
      expect((await cli('score-measured', '--positions', POSITIONS, '--bars', BARS, '--coin', 'ETH')).err).toMatch(/no ETH positions in it/);
      expect((await cli('score-measured', '--positions', POSITIONS)).err).toMatch(/--positions <csv> and --bars <dir\|file> are both needed/);
      expect((await cli('score-measured', '--positions', POSITIONS, '--bars', BARS, '--range', '90')).err).toMatch(/--range "90" must be a number of % from 1 to 50/);
      expect((await cli('score-measured', '--positions', join(dir, 'nope.csv'), '--bars', BARS)).err).toMatch(/nope\.csv: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('liqmap track', () => {
  it('follows the seeded accounts into the store and prints its status; a bad seed line is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-hl-'));
    const fake = await new FakeHyperliquid({ now: () => Date.now() }).start();
    try {
      const seed = join(dir, 'seed.txt');
      writeFileSync(seed, `# whales\n${addressOf(1)}\n\n${addressOf(2).toUpperCase().replace('0X', '0x')}  # shouting\n`);
      fake.users.set(addressOf(1), { positions: [{ coin: 'BTC', szi: 2, entryPx: 99_000, liquidationPx: 80_000, mode: 'cross', leverage: 5 }] });
      const storePath = join(dir, 'store.sqlite');
      const out: string[] = [];
      const record = join(dir, 'positions.csv');
      const code = await runTrack(['--seed', seed, '--api-url', fake.url, '--no-stream', '--for', '3m', '--every', '3m', '--record', record, '--record-every', '1m'], { out: (t) => out.push(t), err: () => {} }, {
        env: { STORE_PATH: storePath },
        clock: fastClock(),
      });
      expect(code).toBe(0);
      expect(out[0]).toMatch(/^tracking BTC traders on Hyperliquid: 0 addresses from the store, 2 new from the seed; 75% of the IP's weight budget/);
      expect(out[out.length - 1]).toMatch(/addresses 2 \(polled 2, 1 with positions; 1 fresh, 0 stale\)/);
      expect(out[out.length - 1]).toMatch(/BTC 100,000 OI 20,000 \(\$2\.0B\): tracked longs \$200K = 0\.01%–0\.02%, shorts \$0 = 0\.00%–0\.00% \(OI sidedness unknown/);
      const store = createStore(new SqliteBackend(storePath), { warn: () => {} });
      const stored = await store.hyperliquidAddresses.list();
      await store.close();
      expect(stored.map((a) => a.address).sort()).toEqual([addressOf(1), addressOf(2)]);
      expect(stored.find((a) => a.address === addressOf(1))?.positions[0]).toMatchObject({ szi: 2, liquidationPx: 80_000 });
      // The recording is what score-measured reads: three snapshots of the one fresh position.
      const recorded = parsePositionsCsv(readFileSync(record, 'utf8'), record);
      expect(recorded).toHaveLength(3);
      expect(recorded[2]!.positions).toEqual([{ user: addressOf(1), coin: 'BTC', szi: 2, entryPx: 99_000, leverage: 5, liquidationPx: 80_000, positionValue: 200_000 }]);

      writeFileSync(seed, `${addressOf(1)}\nnot-an-address\n`);
      const err: string[] = [];
      const bad = await runCli(['track', '--seed', seed, '--api-url', fake.url], { out: () => {}, err: (t) => err.push(t) });
      expect(bad).toBe(2);
      expect(err.join('\n')).toMatch(/seed\.txt: 1 malformed line\n {2}.*seed\.txt:2: "not-an-address" is not a 0x address/);
    } finally {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The CLI and the tracker wait in simulated time (a minute in a few hundred real milliseconds); the fake keeps real time. */
function fastClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: async (ms: number) => {
      offset += ms;
      await new Promise((r) => setTimeout(r, 5));
    },
  };
}
