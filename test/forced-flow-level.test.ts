// The user's chosen level (/liqmap btc level:90000, liqmap map btc --level 90000): parsed once, one model
// run whatever the level, the calibrated figure in the reply. The shipped calibration and the real sample.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { liqmapCommand } from '../commands/liqmap.js';
import { parseTextInput } from '../src/core/command-text.js';
import { defaultCalibration } from '../src/maps/calibration-file.js';
import { MapPipeline } from '../src/maps/map-pipeline.js';
import { parseLevel, parseMapQuery } from '../src/maps/map-query.js';
import { inlineModelRunner } from '../src/maps/model-runner.js';
import { runCli } from '../src/cli.js';
import { FakeMarket, FakeRenderer } from './fakes/bot-services.js';

function pipeline() {
  const market = new FakeMarket();
  const maps = new MapPipeline({
    market,
    renderer: new FakeRenderer(),
    models: inlineModelRunner,
    clock: { now: () => Date.UTC(2026, 5, 22, 12, 7) },
    log: pino({ level: 'silent' }),
    calibration: defaultCalibration(),
  });
  return { maps, market };
}

describe('a level', () => {
  it('is a positive price in the forms people write it', () => {
    expect(parseLevel(90000)).toBe(90_000);
    expect(parseLevel('90,000')).toBe(90_000);
    expect(parseLevel('$90k')).toBe(90_000);
    expect(parseLevel('1.5M')).toBe(1_500_000);
    expect(parseLevel('0.0712')).toBeCloseTo(0.0712, 12);
    for (const bad of ['-5', '0', 'ninety', '90kk', '9e4']) expect(() => parseLevel(bad)).toThrow(/is not a price: give one such as 90000 or 90k/);
    expect(parseMapQuery({ symbol: 'btc', level: '90k' }).level).toBe(90_000);
    expect(parseMapQuery({ symbol: 'btc' })).not.toHaveProperty('level');
  });

  it('is read from Telegram words as level:90000, @90000 or 90k, never taken from the symbol', () => {
    expect(parseTextInput(liqmapCommand, 'btc level:90000').raw).toMatchObject({ symbol: 'btc', level: '90000' });
    expect(parseTextInput(liqmapCommand, 'btc @90000 1d').raw).toMatchObject({ symbol: 'btc', level: '@90000', window: '1d' });
    expect(parseTextInput(liqmapCommand, '90k btc').raw).toMatchObject({ symbol: 'btc', level: '90k' });
    // A bare number is the range, as before.
    expect(parseTextInput(liqmapCommand, 'btc 10').raw).toMatchObject({ symbol: 'btc', range: '10' });
  });
});

describe('the map pipeline with a calibration', () => {
  it('adds the nearest clusters’ forced flow to BTC maps and the level’s when asked, with one model run', async () => {
    const { maps, market } = pipeline();
    const plain = await maps.map({ symbol: 'btc' });
    const flow = plain.map.forcedFlow;
    expect(flow && 'nearest' in flow && flow.nearest.map((e) => e.side)).toEqual(['long', 'short']);
    const a = await maps.map({ symbol: 'btc', level: '70000' });
    const b = await maps.map({ symbol: 'btc', level: '58,000' });
    expect(maps.stats.modelRuns).toBe(1);
    expect(market.fetches).toBe(1);
    expect(new Set([plain.id, a.id, b.id]).size).toBe(3);
    const level = (m: typeof a.map) => (m.forcedFlow && 'levels' in m.forcedFlow ? m.forcedFlow.levels : []);
    expect(level(a.map).map((e) => [e.side, e.price])).toEqual([['short', 70_000]]);
    expect(level(b.map).map((e) => [e.side, e.price])).toEqual([['long', 58_000]]);
    expect(level(plain.map)).toEqual([]);
    // Further away, more is modelled to be swept, and more calibrated.
    const near = await maps.map({ symbol: 'btc', level: '66000' });
    expect(level(a.map)[0]!.modelledUsd).toBeGreaterThan(level(near.map)[0]!.modelledUsd);
    expect(level(a.map)[0]!.usd).toBeGreaterThan(level(near.map)[0]!.usd);
  });

  it('says why a symbol the calibration does not cover gets no calibrated figure', async () => {
    const { maps } = pipeline();
    const eth = await maps.map({ symbol: 'eth', level: '3000' });
    expect(eth.map.forcedFlow).toEqual({ unavailable: 'calibration btc-dev-2026-06 was fitted on BTCUSDT only', askedLevels: [3000] });
  });
});

describe('liqmap map --level', () => {
  it('prints the level’s calibrated forced flow first on the second line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['map', 'btc', '--source', 'sample', '--level', '70000'], { out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(code).toBe(0);
    const second = out.join('\n').split('\n')[1]!;
    expect(second).toMatch(/^calibrated forced flow · to 70,000 \(\+[\d.]+%\): ≈ \$[\d.]+[KMB] of shorts would be force-closed \(80% band \$[\d.]+[KMB]–\$[\d.]+[KMB]/);
    const bad = await runCli(['map', 'btc', '--source', 'sample', '--level', 'lots'], { out: () => undefined, err: (t) => err.push(t) });
    expect(bad).toBe(2);
    expect(err.join('\n')).toMatch(/level "lots" is not a price/);
  });
});
