// The pino root logger: JSON in production, readable in development, and no secret in any line.
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: LogLevel;
  /** Readable lines (pino-pretty) instead of JSON; for development. */
  pretty?: boolean;
  /** Secret values to scrub from every line (Config.secrets). */
  secrets?: readonly string[];
  /** Where lines go; default stdout, written synchronously so a fatal line is not lost at exit. Tests capture. */
  destination?: DestinationStream;
  /** Fields on every line; default none (pino's pid/hostname add noise in a container). */
  base?: Record<string, unknown>;
}

export const REDACTED = '[REDACTED]';

// Field names whose value is a secret wherever they appear (pino redact paths, one level of nesting).
const SECRET_KEYS = ['token', 'botToken', 'apiKey', 'api_key', 'secret', 'secretToken', 'secret_token', 'webhookSecret', 'password', 'authorization', 'Authorization', 'cookie', 'secrets'];
const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...['headers', 'req.headers', 'request.headers', 'config.headers'].flatMap((h) => [`${h}.authorization`, `${h}["x-telegram-bot-api-secret-token"]`, `${h}["cg-api-key"]`, `${h}["x-mbx-apikey"]`]),
];

// Token shapes scrubbed even when nobody told the logger the value (a token from another bot, a typo).
const TOKEN_PATTERNS: Array<[RegExp, string]> = [
  // Telegram Bot API URLs: /bot<id>:<secret>/method, and a bare token.
  [/bot\d{3,}:[A-Za-z0-9_-]{20,}/g, `bot${REDACTED}`],
  [/\b\d{6,}:[A-Za-z0-9_-]{30,}/g, REDACTED],
  // Discord bot tokens: base64 user id . timestamp . HMAC.
  [/\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g, REDACTED],
];

/** Removes the given secret values and anything shaped like a bot token from a text. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    // The value as is, URL-encoded (inside a URL) and JSON-escaped (inside a log line).
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The root logger. Two layers keep secrets out: redact paths blank known secret fields, and a hook
 * scrubs every finished line (messages, error stacks, URLs, nested objects) of the secret values and
 * of anything shaped like a bot token — so an error from a library that put the token in a URL is safe too.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = [...(options.secrets ?? [])].sort((a, b) => b.length - a.length);
  const destination = options.pretty
    ? pretty({ destination: options.destination ?? 1, sync: true, colorize: options.destination === undefined && process.stdout.isTTY, ignore: 'pid,hostname' })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
      hooks: { streamWrite: (line) => scrub(line, secrets) },
    },
    destination,
  );
}
