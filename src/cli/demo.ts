import { join } from 'node:path';
import { summarize } from '../analysis/format.js';
import { loadConfig } from '../config.js';
import { writePicture } from '../render/picture-file.js';
import { parseArgs, stringOption } from './args.js';
import type { CliCommand } from './command.js';
import { withCliMaps } from './map.js';

const USAGE = 'usage: liqmap demo [--out <dir>]';

/** What the Quick start shows: BTC's map from the bundled sample, no network, no tokens. */
export const demoCommand: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, { out: { type: 'string', description: 'directory for map.png and heatmap.png (default ./out)' } }, USAGE);
    const dir = stringOption(args, 'out') ?? 'out';
    await withCliMaps({ positionals: [], options: { source: 'sample' } }, async (maps) => {
      const { map, png } = await maps.mapPicture({ symbol: 'btc', window: '7d' });
      io.out('liqmap demo — estimated liquidation map from the bundled sample (Binance BTCUSDT perpetual, 5-minute bars)');
      io.out('');
      io.out(summarize(map));
      io.out('');
      io.out(`book: ${(100 * (map.meta.oiCoverage ?? 0)).toFixed(0)}% of open interest; data up to ${new Date(map.meta.dataTime).toISOString()}`);
      io.out('');
      io.out(`map picture:     ${writePicture(join(dir, 'map.png'), png)}`);
      io.out(`heatmap picture: ${writePicture(join(dir, 'heatmap.png'), (await maps.heatmapPicture({ symbol: 'btc', window: '7d' })).png)}`);
    });
    // The interactive page needs a server that keeps running: the demo says how to start it.
    const port = loadConfig(process.env).http.port || 8080;
    io.out('');
    io.out('interactive map and heatmap in the browser (Ctrl-C to stop):');
    io.out(`  node dist/src/cli.js web --source sample${port === 8080 ? '' : ` --port ${port}`}`);
    io.out(`  then open http://localhost:${port}/m/btc (map) or http://localhost:${port}/h/btc (heatmap)`);
    return 0;
  },
};
