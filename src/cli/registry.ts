import type { CliCommand } from './command.js';
import { mapCommand } from './map.js';
import { demoCommand } from './demo.js';
import { backtestCommand } from './backtest.js';
import { cascadesCommand } from './cascades.js';
import { heatmapCommand } from './heatmap.js';

/** Every `liqmap` subcommand; a new one is a new file and a line here. */
export const CLI_COMMANDS: CliCommand[] = [mapCommand, demoCommand, backtestCommand, cascadesCommand, heatmapCommand];
