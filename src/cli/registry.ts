import type { CliCommand } from './command.js';
import { mapCommand } from './map.js';
import { demoCommand } from './demo.js';
import { backtestCommand } from './backtest.js';
import { cascadesCommand } from './cascades.js';
import { serveCommand } from './serve.js';
import { deployCommandsCommand } from './deploy-commands.js';
import { recordCommand } from './record.js';
import { heatmapCommand } from './heatmap.js';
import { levelsCommand } from './levels.js';
import { doctorCommand } from './doctor.js';
import { scoreMeasuredCommand } from './score-measured.js';
import { trackCommand } from './track.js';

/** Every `liqmap` subcommand; a new one is a new file and a line here. */
export const CLI_COMMANDS: CliCommand[] = [mapCommand, demoCommand, backtestCommand, cascadesCommand, serveCommand, deployCommandsCommand, recordCommand, heatmapCommand, levelsCommand, doctorCommand, scoreMeasuredCommand, trackCommand];
