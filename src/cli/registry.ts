// Every `liqmap` subcommand: a new one is a new file and a line here. Modules load only when their
// command runs, so `liqmap doctor` does not wait for canvas, discord.js and grammY to load.
import type { CliCommand } from './command.js';

export interface CliEntry {
  name: string;
  /** One line for `liqmap help`. */
  summary: string;
  load(): Promise<CliCommand>;
}

export const CLI_COMMANDS: readonly CliEntry[] = [
  { name: 'map', summary: 'print the estimated liquidation map of a symbol', load: async () => (await import('./map.js')).mapCommand },
  { name: 'heatmap', summary: 'write the estimated liquidation heatmap of a symbol as a PNG', load: async () => (await import('./heatmap.js')).heatmapCommand },
  { name: 'demo', summary: 'show the BTC map from the bundled sample data (no network, no tokens)', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'doctor', summary: 'check every venue endpoint and stream the bot uses against what liqmap expects (run it first, with internet)', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'backtest', summary: 'score the model against realized liquidations, beside a naive baseline', load: async () => (await import('./backtest.js')).backtestCommand },
  { name: 'calibrate', summary: "fit what the model's dollars mean in realized liquidations and write a calibration file", load: async () => (await import('./calibrate.js')).calibrateCommand },
  { name: 'cascades', summary: 'list crossings of predicted clusters and whether they activated a cascade or were absorbed', load: async () => (await import('./cascades.js')).cascadesCommand },
  { name: 'accuracy', summary: 'score the map against the liquidations a recording heard, per venue, over its last 1, 7 and 30 days', load: async () => (await import('./accuracy.js')).accuracyCommand },
  { name: 'levels', summary: 'judge each approach of price levels: accelerated, absorbed or rejected', load: async () => (await import('./levels.js')).levelsCommand },
  { name: 'record', summary: 'record live bars and liquidations of a symbol into a directory (replay with --source <dir>)', load: async () => (await import('./record.js')).recordCommand },
  { name: 'serve', summary: 'run the chat bot on Discord and/or Telegram (tokens from the environment)', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'deploy-commands', summary: 'register the Discord slash commands (guild-scoped with --guild, else global)', load: async () => (await import('./deploy-commands.js')).deployCommandsCommand },
  { name: 'web', summary: 'serve the interactive map and heatmap pages (no chat tokens needed)', load: async () => (await import('./web.js')).webCommand },
  { name: 'track', summary: 'follow Hyperliquid accounts and their positions (with liquidation prices) into the store', load: async () => (await import('./track.js')).trackCommand },
  { name: 'score-measured', summary: 'score the estimate against recorded Hyperliquid positions and their own liquidation prices', load: async () => (await import('./score-measured.js')).scoreMeasuredCommand },
];
