// Defect 7 of issue 11: CoinGlass beside ours, wired. `/liqmap btc compare` through the command runtime
// and the map pipeline, and `liqmap map btc --compare coinglass`, against a fake CoinGlass serving its
// documented shape; without a key, and with a plan that refuses the map, a clear message.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_COMMANDS } from '../commands/index.js';
import type { Caller } from '../src/core/caller.js';
import { CommandRuntime } from '../src/core/runtime.js';
import type { Services } from '../src/core/command.js';
import { runCli } from '../src/cli.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { CoinglassClient } from '../src/market/coinglass.js';
import { inlineRenderer } from '../src/render/inline-renderer.js';
import { COINGLASS_PRO_KEY } from './fake-exchange/coinglass.js';
import { startFake, TestClock } from './fake-exchange/harness.js';
import type { FakeExchange } from './fake-exchange/server.js';
import { FakeMarket } from './fakes/bot-services.js';
import { readPng } from './render-fixtures.js';

let clock: TestClock;
let fake: FakeExchange;
beforeEach(async () => {
  clock = new TestClock();
  fake = await startFake(clock);
});
afterEach(async () => {
  await fake.stop();
});

const caller: Caller = { platform: 'telegram', userId: '7', chatId: 'chat', chatKind: 'group', role: async () => 'member' };

function runtimeWith(apiKey: string | undefined) {
  const coinglass = new CoinglassClient({ apiKey, baseUrl: fake.url, clock });
  const log = pino({ level: 'silent' });
  const maps = new MapPipeline({ market: new FakeMarket(), renderer: inlineRenderer, models: inlineModelRunner, clock: { now: () => Date.UTC(2026, 5, 22, 12) }, log, coinglass });
  const services = { maps, clock, log, commands: BOT_COMMANDS } as unknown as Services;
  return new CommandRuntime(services);
}

describe('/liqmap btc compare', () => {
  it("answers with one picture of both maps, both ratios and the rank correlation", async () => {
    const reply = await runtimeWith(COINGLASS_PRO_KEY).execute('liqmap', { kind: 'text', args: 'btc compare' }, caller);
    expect(reply.title).toBe('BTC liquidation map beside CoinGlass · 7d');
    const lines = reply.text.split('\n');
    expect(lines[0]).toMatch(/^BTC [\d,]+ · modelled: shorts \$[\d.]+[BM] above/);
    expect(lines[1]).toMatch(/^liqmap \S+ .*\(shorts \$[\d.]+[BM] above, longs \$[\d.]+[BM] below\) · CoinGlass \S+ .*\(\$[\d.]+[BMK] above, \$[\d.]+[BMK] below, its own scale\) · rank correlation of the two maps per bucket: longs -?[01]\.\d\d, shorts -?[01]\.\d\d$/);
    expect(reply.images).toHaveLength(1);
    expect(reply.images![0]!.name).toBe('compare-BTCUSDT-7d.png');
    expect([readPng(reply.images![0]!.png).width, readPng(reply.images![0]!.png).height]).toEqual([1200, 675]);
    expect(fake.coinglassRequests).toEqual([{ key: COINGLASS_PRO_KEY, query: { symbol: 'BTC', range: '7d' } }]);
  });

  it('without COINGLASS_API_KEY says how to turn it on, and asks CoinGlass nothing', async () => {
    const reply = await runtimeWith(undefined).execute('liqmap', { kind: 'text', args: 'btc compare' }, caller);
    expect(reply.text).toMatch(/CoinGlass comparison is off: set COINGLASS_API_KEY/);
    expect(reply.images ?? []).toEqual([]);
    expect(fake.coinglassRequests).toEqual([]);
  });

  it('with a plan that refuses the map, says which plan serves it', async () => {
    const reply = await runtimeWith('hobby-key').execute('liqmap', { kind: 'text', args: 'btc 1d compare' }, caller);
    expect(reply.text).toMatch(/CoinGlass refused its liquidation map \(code 401: Upgrade plan\)\.[\s\S]*Professional plan/);
    expect(fake.coinglassRequests[0]!.query).toEqual({ symbol: 'BTC', range: '1d' });
  });
});

describe('liqmap map btc --compare coinglass', () => {
  it('writes the picture of both maps and prints both ratios', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-compare-'));
    const saved = { ...process.env };
    Object.assign(process.env, { COINGLASS_API_KEY: COINGLASS_PRO_KEY, COINGLASS_API_URL: fake.url });
    try {
      const out: string[] = [];
      const err: string[] = [];
      const file = join(dir, 'compare.png');
      const code = await runCli(['map', 'btc', '--source', 'sample', '--compare', 'coinglass', '--out', file], { out: (t) => out.push(t), err: (t) => err.push(t) });
      expect(code).toBe(0);
      expect(out[1]).toMatch(/^liqmap .* · CoinGlass .* · rank correlation of the two maps per bucket: longs/);
      expect(err[0]).toMatch(/^wrote .*compare\.png \(\d+ KB\)$/);
      expect(readPng(readFileSync(file)).width).toBe(1200);
      const bad = await runCli(['map', 'btc', '--source', 'sample', '--compare', 'hyblock'], { out: () => {}, err: (t) => err.push(t) });
      expect(bad).toBe(2);
      expect(err.at(-1)).toMatch(/--compare: only coinglass is known/);
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
