#!/usr/bin/env node
// The `liqmap` command line: dispatches to src/cli/<command>.ts.
import { CLI_COMMANDS } from './cli/registry.js';
import { UsageError } from './cli/args.js';
import { UserError } from './errors.js';
import type { CliIo } from './cli/command.js';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const help = ['usage: liqmap <command> [options]', '', 'commands:', ...CLI_COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`)].join('\n');
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(help);
    return name ? 0 : 2;
  }
  const entry = CLI_COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`liqmap: unknown command "${name}"\n${help}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof UserError) {
      io.err(`liqmap ${name}: ${err instanceof UserError ? err.text : err.message}`);
      return 2;
    }
    if (err instanceof Error && err.name === 'BarsFormatError') {
      io.err(`liqmap ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  // `liqmap levels … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`liqmap: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
