// Every chat command the bot serves; a new command is a new file and a line here.
import type { CommandDefinition } from '../src/core/command.js';
import { alertsCommand } from './alerts.js';
import { digestCommand } from './digest.js';
import { heatmapCommand } from './heatmap.js';
import { helpCommand } from './help.js';
import { liqmapCommand } from './liqmap.js';
import { watchCommand } from './watch.js';

export const BOT_COMMANDS: readonly CommandDefinition[] = [liqmapCommand, heatmapCommand, digestCommand, alertsCommand, watchCommand, helpCommand];
