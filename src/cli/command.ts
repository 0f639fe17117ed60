export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** One `liqmap <name>` subcommand. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
