import { loadConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { startHttpServer } from '../http/server.js';
import { createLogger } from '../log.js';
import { openMaps } from '../maps/open-maps.js';
import { webOptionsOf, webRoutes } from '../web/web-routes.js';
import { createWorkPool } from '../workers/work-pool.js';
import { parseArgs, stringOption, UsageError } from './args.js';
import type { CliCommand } from './command.js';

const USAGE = 'usage: liqmap web [--source live|sample|<dir>] [--port <n>]   (no chat tokens needed)';

/** `liqmap web`: the interactive map and heatmap pages and their API, alone, until Ctrl-C or SIGTERM. */
export const webCommand: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(
      argv,
      {
        source: { type: 'string', description: 'live (default: LIQMAP_SOURCE or live), sample or a recording directory' },
        port: { type: 'string', description: 'port to listen on (default HTTP_PORT or 8080; 0 = any free port)' },
      },
      USAGE,
    );
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n${USAGE}`);
    const port = stringOption(args, 'port');
    if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port "${port}" must be a whole number from 0 to 65535`);
    const source = stringOption(args, 'source');
    const config = loadConfig({ ...process.env, ...(port !== undefined ? { HTTP_PORT: port } : {}), ...(source !== undefined ? { LIQMAP_SOURCE: source } : {}) });
    const log = createLogger({ level: config.log.level, pretty: config.log.pretty, secrets: config.secrets });
    const pool = createWorkPool({ size: config.render.workers, maxQueue: config.render.queue, log });
    const { maps, market } = openMaps({ config, renderer: pool, models: pool, clock: systemClock, log });
    try {
      const http = await startHttpServer({
        port: config.http.port,
        readiness: {},
        logger: log,
        routes: await webRoutes({ maps, clock: systemClock, log, ...webOptionsOf(config) }),
      });
      io.out(`liqmap web: map     http://localhost:${http.port}/m/btc`);
      io.out(`liqmap web: heatmap http://localhost:${http.port}/h/btc`);
      io.out('Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await http.close();
    } finally {
      await pool.close();
      await market.close();
    }
    return 0;
  },
};

