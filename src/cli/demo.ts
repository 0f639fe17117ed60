import { summarize } from '../analysis/format.js';
import type { CliCommand } from './command.js';
import { buildMapForUser, requestFromArgs } from './map.js';

/** What the Quick start shows: BTC's map from the bundled sample, no network, no tokens. */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'show the BTC map from the bundled sample data (no network, no tokens)',
  usage: 'usage: liqmap demo',
  async run(_argv, io) {
    const map = buildMapForUser(await requestFromArgs('btc', { source: 'sample', window: '7d' }));
    io.out('liqmap demo — estimated liquidation map from the bundled sample (Binance BTCUSDT perpetual, 5-minute bars)');
    io.out('');
    io.out(summarize(map));
    io.out('');
    io.out(`book: ${(100 * (map.meta.oiCoverage ?? 0)).toFixed(0)}% of open interest; data up to ${new Date(map.meta.dataTime).toISOString()}`);
    return 0;
  },
};
