// Environment (and an optional .env file) → one typed, frozen Config, validated once at start.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { UserError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type NodeEnv = 'production' | 'development' | 'test';

/** Where market data comes from: the venues' public APIs, the bundled sample, or a directory of bar files. */
export type SourceConfig = { kind: 'live' } | { kind: 'sample' } | { kind: 'dir'; path: string };

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly discord: {
    readonly token: string | undefined;
    /** Optional: discord.js learns it from the gateway's READY; deploy-commands can read it from the token. */
    readonly applicationId: string | undefined;
    /** discord.js `rest.api`; the gateway URL then comes from this API's `/gateway/bot`. */
    readonly apiUrl: string;
    /** When set, deploy-commands registers guild-scoped commands there (instant, for development). */
    readonly devGuildId: string | undefined;
    /** How interactions arrive: over the gateway (one connection per shard) or at POST /discord/interactions. */
    readonly interactions: 'gateway' | 'http';
    /** The application's Ed25519 public key (hex); required with interactions over HTTP. */
    readonly publicKey: string | undefined;
    /** Gateway shards this instance runs, of how many; undefined = all of Discord's recommended count. */
    readonly shards: { readonly ids: readonly number[]; readonly count: number } | undefined;
  };
  readonly telegram: {
    readonly token: string | undefined;
    /** grammY `client.apiRoot`. */
    readonly apiRoot: string;
    /** Public HTTPS URL Telegram posts updates to; unset = long polling. */
    readonly webhookUrl: string | undefined;
    /** Checked against `X-Telegram-Bot-Api-Secret-Token` on every webhook call. */
    readonly webhookSecret: string | undefined;
  };
  readonly source: SourceConfig;
  readonly venues: {
    readonly binanceFapiUrl: string;
    readonly bybitApiUrl: string;
    readonly okxApiUrl: string;
    /** Live liquidation streams. */
    readonly binanceWsUrl: string;
    readonly bybitWsUrl: string;
    readonly okxWsUrl: string;
    /** Only for Binance's signed endpoint of maintenance-margin brackets; the rest is keyless. */
    readonly binanceApiKey: string | undefined;
    readonly binanceApiSecret: string | undefined;
    readonly coinglassApiKey: string | undefined;
    readonly coinglassApiUrl: string;
  };
  readonly hyperliquid: {
    /** Info API base (POST <base>/info). */
    readonly apiUrl: string;
    /** Websocket: trades (taker flow, accounts for the tracker). */
    readonly wsUrl: string;
    /** Coins whose open interest and taker flow `serve` records (and whose traders the tracker follows). */
    readonly coins: readonly string[];
    /** Follow accounts and their positions (the measured map) inside `serve`. */
    readonly tracker: boolean;
    /** Share of the IP's weight budget (1200 a minute) kept from the tracker for the market data, in %. */
    readonly reservePct: number;
  };
  readonly store: {
    /** When set, Redis is the store (needed for several instances); else SQLite at `path`. */
    readonly redisUrl: string | undefined;
    readonly path: string;
  };
  readonly http: { readonly port: number };
  readonly web: {
    /** Base of the links in replies and digests (https://liqmap.example.com); unset = no links. */
    readonly publicUrl: string | undefined;
    /** API and picture requests per minute per client. */
    readonly rateLimitPerMinute: number;
    /** The client is the last X-Forwarded-For hop (behind one reverse proxy). */
    readonly trustProxy: boolean;
  };
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  readonly render: { readonly workers: number; readonly queue: number };
  /** New pictures per person: a burst, then one per interval (src/core/rate-limit.ts). */
  readonly commands: { readonly pictureBurst: number; readonly pictureIntervalSeconds: number };
  readonly schedule: { readonly digestGraceMinutes: number; readonly alertCooldownHours: number; readonly accuracyRecalibrate: boolean };
  /** Every secret value set (tokens, keys, webhook secret, Redis URL password), for the logger to scrub. */
  readonly secrets: readonly string[];
}

/**
 * Every problem with the configuration, listed at once, each with what to do. A UserError: the operator
 * is the person who asked, so the CLI prints it as is and exits 2 instead of dumping a stack.
 */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** One documented variable: its default is what `.env.example` shows. */
export interface VariableSpec {
  name: string;
  default: string | undefined;
  secret: boolean;
  description: string;
}

/** The variables liqmap reads, in the order `.env.example` and the README list them. */
export const VARIABLES: readonly VariableSpec[] = [
  { name: 'DISCORD_TOKEN', default: undefined, secret: true, description: 'Discord bot token (Developer Portal → Bot → Reset Token). Unset = Discord off.' },
  { name: 'DISCORD_APPLICATION_ID', default: undefined, secret: false, description: 'Discord application id; optional, deploy-commands learns it from the token.' },
  { name: 'DISCORD_API_URL', default: 'https://discord.com/api', secret: false, description: 'Discord REST base (the gateway URL comes from its /gateway/bot); for a test double.' },
  { name: 'DISCORD_DEV_GUILD_ID', default: undefined, secret: false, description: 'Server id where deploy-commands registers the commands (instantly) when no --guild is given; unset = global.' },
  { name: 'DISCORD_INTERACTIONS', default: 'gateway', secret: false, description: 'How interactions arrive: gateway (one connection, one instance or shards) or http (POST /discord/interactions, any number of replicas).' },
  { name: 'DISCORD_PUBLIC_KEY', default: undefined, secret: false, description: 'Application public key (Developer Portal → General Information → Public Key); required with DISCORD_INTERACTIONS=http.' },
  { name: 'DISCORD_SHARDS', default: undefined, secret: false, description: 'Gateway shards of this instance as ids/count, e.g. 0-3/8 or 4,5/8; unset = every shard Discord recommends.' },
  { name: 'TELEGRAM_BOT_TOKEN', default: undefined, secret: true, description: 'Telegram bot token from @BotFather. Unset = Telegram off.' },
  { name: 'TELEGRAM_API_ROOT', default: 'https://api.telegram.org', secret: false, description: 'Bot API root (grammY client.apiRoot); for a local Bot API server.' },
  { name: 'TELEGRAM_WEBHOOK_URL', default: undefined, secret: false, description: 'Public HTTPS URL for Telegram updates; unset = long polling.' },
  { name: 'TELEGRAM_WEBHOOK_SECRET', default: undefined, secret: true, description: 'Secret token Telegram sends with each webhook call (1-256 of A-Z a-z 0-9 _ -); required with a webhook.' },
  { name: 'LIQMAP_SOURCE', default: 'live', secret: false, description: 'Market data: live, sample, or a directory of bar CSV files.' },
  { name: 'BINANCE_API_KEY', default: undefined, secret: true, description: "Optional: read-only Binance key for the current maintenance-margin brackets (else a bundled dated table)." },
  { name: 'BINANCE_API_SECRET', default: undefined, secret: true, description: 'The secret of BINANCE_API_KEY (that endpoint is signed).' },
  { name: 'COINGLASS_API_KEY', default: undefined, secret: true, description: 'Optional: CoinGlass API v4 key, for comparison only.' },
  { name: 'BINANCE_FAPI_URL', default: 'https://fapi.binance.com', secret: false, description: 'Binance USD-M futures REST base.' },
  { name: 'BYBIT_API_URL', default: 'https://api.bybit.com', secret: false, description: 'Bybit v5 REST base.' },
  { name: 'OKX_API_URL', default: 'https://www.okx.com', secret: false, description: 'OKX v5 REST base.' },
  { name: 'BINANCE_WS_URL', default: 'wss://fstream.binance.com/market/ws/!forceOrder@arr', secret: false, description: 'Binance liquidation stream (the /market base path; the old /ws/... path was retired in April 2026).' },
  { name: 'BYBIT_WS_URL', default: 'wss://stream.bybit.com/v5/public/linear', secret: false, description: 'Bybit public linear stream (liquidations).' },
  { name: 'OKX_WS_URL', default: 'wss://ws.okx.com:8443/ws/v5/public', secret: false, description: 'OKX public stream (liquidation orders).' },
  { name: 'COINGLASS_API_URL', default: 'https://open-api-v4.coinglass.com', secret: false, description: 'CoinGlass API base.' },
  { name: 'HYPERLIQUID_API_URL', default: 'https://api.hyperliquid.xyz', secret: false, description: 'Hyperliquid info API base (POST /info).' },
  { name: 'HYPERLIQUID_WS_URL', default: 'wss://api.hyperliquid.xyz/ws', secret: false, description: 'Hyperliquid websocket (trades: taker flow, and accounts for the tracker).' },
  { name: 'HYPERLIQUID_COINS', default: 'BTC,ETH', secret: false, description: 'Hyperliquid coins whose open interest and taker flow serve records (Hyperliquid keeps no history), and whose traders the tracker follows.' },
  { name: 'HYPERLIQUID_TRACKER', default: 'off', secret: false, description: "on: serve follows Hyperliquid accounts and their positions (the measured map beside the estimate)." },
  { name: 'HYPERLIQUID_RESERVE_PCT', default: '25', secret: false, description: "Share of the IP's Hyperliquid weight budget (1200 a minute) kept from the tracker for the market data, in %." },
  { name: 'REDIS_URL', default: undefined, secret: true, description: 'redis://[user:password@]host:port/db; set to share state between several instances.' },
  { name: 'STORE_PATH', default: './data/liqmap.sqlite', secret: false, description: 'SQLite file of the embedded store (used when REDIS_URL is unset).' },
  { name: 'HTTP_PORT', default: '8080', secret: false, description: 'Port of the HTTP endpoint: /healthz, /metrics (and the Telegram webhook when set); 0 = any free port.' },
  { name: 'PUBLIC_URL', default: undefined, secret: false, description: 'Public address of this server (e.g. https://liqmap.example.com): replies and digests link to the web view there. Unset = no links; the page still works locally.' },
  { name: 'WEB_RATE_LIMIT', default: '120', secret: false, description: 'Web API and picture requests per minute per client; beyond it 429.' },
  { name: 'WEB_TRUST_PROXY', default: 'false', secret: false, description: 'true behind one reverse proxy: rate limits go by the last X-Forwarded-For address instead of the proxy\'s.' },
  { name: 'LOG_LEVEL', default: 'info', secret: false, description: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'NODE_ENV', default: 'production', secret: false, description: 'production (JSON logs) or development (readable logs) or test.' },
  { name: 'RENDER_WORKERS', default: '2', secret: false, description: 'Worker threads running the model and drawing pictures.' },
  { name: 'RENDER_QUEUE', default: '32', secret: false, description: 'Model runs and renders waiting at most; beyond it users get a "busy, try again" reply.' },
  { name: 'PICTURE_BURST', default: '3', secret: false, description: 'New pictures one person may ask for at once (maps already shown in the chat are free).' },
  { name: 'PICTURE_INTERVAL_SECONDS', default: '10', secret: false, description: 'After the burst, one more new picture per person every this many seconds.' },
  { name: 'DIGEST_GRACE_MINUTES', default: '120', secret: false, description: 'A digest missed during downtime is still sent this late, else skipped.' },
  { name: 'ALERT_COOLDOWN_HOURS', default: '4', secret: false, description: 'Minimum time between two firings of one alert rule.' },
  { name: 'ACCURACY_RECALIBRATE', default: 'off', secret: false, description: "on: once a day serve fits a calibration on its own recorded predictions and realized liquidations, and adopts it only when it scores better on the last week than the one in use." },
];

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: readonly NodeEnv[] = ['production', 'development', 'test'];
// Telegram's rule for secret_token of setWebhook.
const WEBHOOK_SECRET_RE = /^[A-Za-z0-9_-]{1,256}$/;
const TELEGRAM_TOKEN_RE = /^\d+:[A-Za-z0-9_-]{30,}$/;

export interface LoadConfigOptions {
  /** A .env file to read; a missing file is fine. Default `.env` in the working directory; `null` = none. */
  dotenvPath?: string | null;
}

/**
 * Reads and validates the configuration. The real environment wins over the .env file.
 * Throws a ConfigError listing every problem at once. Whether a platform token is required is the
 * caller's decision (see requirePlatform): `liqmap map` needs none.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const dotenvPath = options.dotenvPath === undefined ? '.env' : options.dotenvPath;
  const problems: string[] = [];
  const fromFile = dotenvPath ? readDotenv(dotenvPath, problems) : {};
  const raw = (name: string): string | undefined => {
    const value = env[name] ?? fromFile[name];
    const trimmed = value?.trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const str = (name: string): string | undefined => raw(name) ?? VARIABLES.find((v) => v.name === name)?.default;
  const required = (name: string): string => str(name) ?? '';

  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problems.push(`${name}="${safeShow(name, value)}" is not a URL: give a full URL such as ${protocols[0]}//host:port`);
      return value;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got ${parsed.protocol}//)`);
    }
    return value.replace(/\/+$/, '');
  };
  const int = (name: string, min: number, max: number, hint: string): number => {
    const value = required(name);
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name}="${value}" must be a whole number from ${min} to ${max} (${hint})`);
      return Number(VARIABLES.find((v) => v.name === name)?.default ?? min);
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = required(name).toLowerCase();
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}="${value}" must be one of ${allowed.join(', ')}`);
    return VARIABLES.find((v) => v.name === name)?.default as T;
  };

  const discordToken = raw('DISCORD_TOKEN');
  if (discordToken !== undefined && (/\s/.test(discordToken) || discordToken.toLowerCase().startsWith('bot '))) {
    problems.push('DISCORD_TOKEN must be the bare bot token (no "Bot " prefix, no spaces): copy it from Developer Portal → your application → Bot → Reset Token');
  }
  const applicationId = raw('DISCORD_APPLICATION_ID');
  if (applicationId !== undefined && !/^\d{17,20}$/.test(applicationId)) {
    problems.push(`DISCORD_APPLICATION_ID="${applicationId}" must be the numeric application id (Developer Portal → General Information → Application ID), or unset`);
  }
  const devGuildId = raw('DISCORD_DEV_GUILD_ID');
  if (devGuildId !== undefined && !/^\d{17,20}$/.test(devGuildId)) {
    problems.push(`DISCORD_DEV_GUILD_ID="${devGuildId}" must be a numeric server id (Discord: Developer Mode on, right-click the server → Copy Server ID), or unset`);
  }

  const interactions = oneOf('DISCORD_INTERACTIONS', ['gateway', 'http'] as const);
  const publicKey = raw('DISCORD_PUBLIC_KEY');
  if (publicKey !== undefined && !/^[0-9a-fA-F]{64}$/.test(publicKey)) {
    problems.push('DISCORD_PUBLIC_KEY must be the 64 hexadecimal characters of Developer Portal → General Information → Public Key');
  }
  if (interactions === 'http' && publicKey === undefined) {
    problems.push('DISCORD_INTERACTIONS=http needs DISCORD_PUBLIC_KEY (Developer Portal → General Information → Public Key): without it no request can be verified');
  }
  const shardsText = raw('DISCORD_SHARDS');
  const shards = shardsText === undefined ? undefined : parseShards(shardsText);
  if (shardsText !== undefined && !shards) {
    problems.push(`DISCORD_SHARDS="${shardsText}" must be ids/count with ids below count, e.g. 0-3/8 or 4,5/8 (or unset for every shard in this instance)`);
  }
  if (shards && interactions === 'http') problems.push('DISCORD_SHARDS is for the gateway: with DISCORD_INTERACTIONS=http there is no gateway connection to shard');

  const telegramToken = raw('TELEGRAM_BOT_TOKEN');
  if (telegramToken !== undefined && !TELEGRAM_TOKEN_RE.test(telegramToken)) {
    problems.push('TELEGRAM_BOT_TOKEN does not look like a Bot API token (<digits>:<secret>): copy it exactly as @BotFather gave it');
  }
  const webhookUrl = url('TELEGRAM_WEBHOOK_URL', ['https:', 'http:']);
  const webhookSecret = raw('TELEGRAM_WEBHOOK_SECRET');
  if (webhookUrl !== undefined && telegramToken === undefined) {
    problems.push('TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not: set the token, or unset the webhook URL');
  }
  if (webhookUrl !== undefined && webhookSecret === undefined) {
    problems.push('TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: set a random secret (e.g. `openssl rand -hex 32`) so forged updates are refused');
  }
  if (webhookSecret !== undefined && !WEBHOOK_SECRET_RE.test(webhookSecret)) {
    problems.push('TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters): e.g. `openssl rand -hex 32`');
  }

  const sourceRaw = required('LIQMAP_SOURCE');
  const source: SourceConfig =
    sourceRaw === 'live' ? { kind: 'live' } : sourceRaw === 'sample' ? { kind: 'sample' } : { kind: 'dir', path: sourceRaw };

  const binanceApiKey = raw('BINANCE_API_KEY');
  const binanceApiSecret = raw('BINANCE_API_SECRET');
  if ((binanceApiKey === undefined) !== (binanceApiSecret === undefined)) {
    problems.push('BINANCE_API_KEY and BINANCE_API_SECRET go together: set both (a read-only key is enough) or neither');
  }

  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  // Links are built by appending /m/<symbol>?…: a query or fragment here would break every one of them.
  const publicUrl = (): string | undefined => {
    const value = url('PUBLIC_URL', ['https:', 'http:']);
    if (value !== undefined && URL.canParse(value) && (new URL(value).search || new URL(value).hash)) {
      problems.push(`PUBLIC_URL="${value}" must be a base address without ? or #, such as https://liqmap.example.com`);
    }
    return value;
  };
  const storePath = required('STORE_PATH');

  const hlCoins = required('HYPERLIQUID_COINS').split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (hlCoins.length === 0 || hlCoins.some((c) => !/^[A-Za-z0-9]{1,20}$/.test(c))) {
    problems.push(`HYPERLIQUID_COINS="${safeShow('HYPERLIQUID_COINS', required('HYPERLIQUID_COINS'))}" must list Hyperliquid coin names separated by commas, e.g. BTC,ETH`);
  }
  const hlTracker = oneOf('HYPERLIQUID_TRACKER', ['on', 'off'] as const);

  const nodeEnv = oneOf('NODE_ENV', NODE_ENVS);
  const config: Config = {
    nodeEnv,
    discord: { token: discordToken, applicationId, apiUrl: url('DISCORD_API_URL', ['https:', 'http:']) ?? '', devGuildId, interactions, publicKey, shards },
    telegram: { token: telegramToken, apiRoot: url('TELEGRAM_API_ROOT', ['https:', 'http:']) ?? '', webhookUrl, webhookSecret },
    source,
    venues: {
      binanceFapiUrl: url('BINANCE_FAPI_URL', ['https:', 'http:']) ?? '',
      bybitApiUrl: url('BYBIT_API_URL', ['https:', 'http:']) ?? '',
      okxApiUrl: url('OKX_API_URL', ['https:', 'http:']) ?? '',
      binanceWsUrl: url('BINANCE_WS_URL', ['wss:', 'ws:']) ?? '',
      bybitWsUrl: url('BYBIT_WS_URL', ['wss:', 'ws:']) ?? '',
      okxWsUrl: url('OKX_WS_URL', ['wss:', 'ws:']) ?? '',
      binanceApiKey,
      binanceApiSecret,
      coinglassApiKey: raw('COINGLASS_API_KEY'),
      coinglassApiUrl: url('COINGLASS_API_URL', ['https:', 'http:']) ?? '',
    },
    hyperliquid: {
      apiUrl: url('HYPERLIQUID_API_URL', ['https:', 'http:']) ?? '',
      wsUrl: url('HYPERLIQUID_WS_URL', ['wss:', 'ws:']) ?? '',
      coins: hlCoins.map((c) => (/^k[A-Z]/.test(c) ? c : c.toUpperCase())),
      tracker: hlTracker === 'on',
      reservePct: int('HYPERLIQUID_RESERVE_PCT', 0, 90, "the tracker's share of the weight budget is 100 minus this"),
    },
    store: { redisUrl, path: storePath },
    http: { port: int('HTTP_PORT', 0, 65535, 'the port of /healthz and /metrics') },
    web: {
      publicUrl: publicUrl(),
      rateLimitPerMinute: int('WEB_RATE_LIMIT', 1, 100_000, 'web API requests per minute per client'),
      trustProxy: oneOf('WEB_TRUST_PROXY', ['true', 'false'] as const) === 'true',
    },
    log: { level: oneOf('LOG_LEVEL', LOG_LEVELS), pretty: nodeEnv === 'development' },
    render: {
      workers: int('RENDER_WORKERS', 1, 64, 'worker threads running the model and drawing pictures; about the number of cores'),
      queue: int('RENDER_QUEUE', 1, 10_000, 'model runs and renders allowed to wait'),
    },
    commands: {
      pictureBurst: int('PICTURE_BURST', 1, 100, 'new pictures one person may ask for at once'),
      pictureIntervalSeconds: int('PICTURE_INTERVAL_SECONDS', 0, 3600, 'seconds until one more new picture per person; 0 = no picture limit'),
    },
    schedule: {
      digestGraceMinutes: int('DIGEST_GRACE_MINUTES', 0, 7 * 24 * 60, 'how late a missed digest may still be sent'),
      alertCooldownHours: int('ALERT_COOLDOWN_HOURS', 0, 24 * 30, 'hours between two firings of one alert rule'),
      accuracyRecalibrate: oneOf('ACCURACY_RECALIBRATE', ['on', 'off'] as const) === 'on',
    },
    secrets: collectSecrets([discordToken, telegramToken, webhookSecret, binanceApiKey, binanceApiSecret, raw('COINGLASS_API_KEY'), redisPassword(redisUrl)]),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Which chat platforms have a token. */
export function configuredPlatforms(config: Config): Array<'discord' | 'telegram'> {
  const platforms: Array<'discord' | 'telegram'> = [];
  if (config.discord.token) platforms.push('discord');
  if (config.telegram.token) platforms.push('telegram');
  return platforms;
}

/** For `liqmap serve`: at least one platform must be configured; says what to set when none is. */
export function requirePlatform(config: Config): Array<'discord' | 'telegram'> {
  const platforms = configuredPlatforms(config);
  if (platforms.length === 0) {
    throw new ConfigError([
      'no chat platform configured: set DISCORD_TOKEN (Discord Developer Portal → your application → Bot → Reset Token) ' +
        'and/or TELEGRAM_BOT_TOKEN (from @BotFather, /newbot), in the environment or in .env (see .env.example)',
    ]);
  }
  return platforms;
}

/** "0-3/8", "4,5/8", "0/1" → shard ids and count; undefined when malformed. */
function parseShards(text: string): { ids: number[]; count: number } | undefined {
  const m = /^([\d,\s-]+)\/(\d+)$/.exec(text);
  if (!m) return undefined;
  const count = Number(m[2]);
  const ids = new Set<number>();
  for (const part of m[1]!.split(',').map((p) => p.trim())) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) return undefined;
    const from = Number(range[1]);
    const to = range[2] !== undefined ? Number(range[2]) : from;
    if (to < from || to - from > 10_000) return undefined;
    for (let id = from; id <= to; id++) ids.add(id);
  }
  if (count < 1 || ids.size === 0 || [...ids].some((id) => id >= count)) return undefined;
  return { ids: [...ids].sort((a, b) => a - b), count };
}

function readDotenv(path: string, problems: string[]): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    problems.push(`cannot read ${path}: ${(err as Error).message}`);
    return {};
  }
  // Node's own parser: KEY=VALUE, `export`, quotes, escapes in double quotes, # comments.
  return parseEnv(text);
}

function redisPassword(redisUrl: string | undefined): string | undefined {
  if (!redisUrl) return undefined;
  try {
    const password = new URL(redisUrl).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

function collectSecrets(values: Array<string | undefined>): string[] {
  // Very short values would scrub ordinary words from logs; config validation keeps real secrets long.
  return [...new Set(values.filter((v): v is string => v !== undefined && v.length >= 6))];
}

function safeShow(name: string, value: string): string {
  return VARIABLES.find((v) => v.name === name)?.secret ? '<hidden>' : value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
