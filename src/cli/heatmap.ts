import { baseAsset } from '../analysis/format.js';
import { describePicture, writePicture } from '../render/picture-file.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption } from './args.js';
import { mapInputOf, mapOptions, withCliMaps } from './map.js';

const USAGE =
  'usage: liqmap heatmap <symbol> [--window 1d|3d|7d|14d|30d] [--range <pct>] [--venues all|binance,bybit,okx] [--source live|sample|<file|dir>] [--at <ISO time>] [--out <file.png>]';

/** `liqmap heatmap btc --window 7d --out heat.png`: the time × price picture, drawn in this process. */
export const heatmapCommand: CliCommand = {
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, { ...mapOptions, out: { type: 'string', description: 'PNG file to write (default heatmap-<symbol>-<window>.png)' } }, USAGE);
    const input = mapInputOf(args, USAGE);
    await withCliMaps(args, async (maps) => {
      const { heatmap, png } = await maps.heatmapPicture(input);
      const out = stringOption(args, 'out') ?? `heatmap-${baseAsset(heatmap.symbol).toLowerCase()}-${heatmap.window}.png`;
      io.out(describePicture(writePicture(out, png), png));
    });
    return 0;
  },
};
