import { buildHeatmap, ModelInputError } from '../analysis/build-map.js';
import { baseAsset } from '../analysis/format.js';
import { UserError } from '../core/errors.js';
import { renderHeatmapPng } from '../render/heatmap-picture.js';
import { describePicture, writePicture } from '../render/picture-file.js';
import type { CliCommand, CliIo } from './command.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import { mapOptions, requestFromArgs } from './map.js';

const USAGE =
  'usage: liqmap heatmap <symbol> [--window 1d|3d|7d|14d|30d] [--range <pct>] [--venues all|binance,bybit,okx] [--source live|sample|<file|dir>] [--at <ISO time>] [--out <file.png>]';

/** `liqmap heatmap btc --window 7d --out heat.png`: the time × price picture, drawn in this process. */
export const heatmapCommand: CliCommand = {
  name: 'heatmap',
  summary: 'write the estimated liquidation heatmap of a symbol as a PNG',
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    const args = parseArgs(argv, { ...mapOptions, out: { type: 'string', description: 'PNG file to write (default heatmap-<symbol>-<window>.png)' } }, USAGE);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"\n${USAGE}`);
    const req = await requestFromArgs(args.positionals[0], args.options);
    let heatmap;
    try {
      heatmap = buildHeatmap(req);
    } catch (err) {
      if (err instanceof ModelInputError) throw new UserError(err.message);
      throw err;
    }
    const png = renderHeatmapPng(heatmap);
    const out = stringOption(args, 'out') ?? `heatmap-${baseAsset(heatmap.symbol).toLowerCase()}-${heatmap.window}.png`;
    io.out(describePicture(writePicture(out, png), png));
    return 0;
  },
};
