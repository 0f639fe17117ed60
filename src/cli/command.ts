export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** One `liqmap <name>` subcommand (its name and summary are in registry.ts). */
export interface CliCommand {
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
