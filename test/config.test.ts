import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { ConfigError, VARIABLES, configuredPlatforms, loadConfig, requirePlatform } from '../src/config.js';

const TG_TOKEN = '7012345678:AAH3xYzAbCdEfGhIjKlMnOpQrStUvWxYz12';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({}, { dotenvPath: null });
    expect(config.source).toEqual({ kind: 'live' });
    expect(config.http.port).toBe(8080);
    expect(config.store).toEqual({ redisUrl: undefined, path: './data/liqmap.sqlite' });
    expect(config.commands).toEqual({ pictureBurst: 3, pictureIntervalSeconds: 10 });
    expect(config.discord).toMatchObject({ interactions: 'gateway', publicKey: undefined, shards: undefined });
    expect(config.schedule).toEqual({ digestGraceMinutes: 120, alertCooldownHours: 4, accuracyRecalibrate: false });
    expect(config.log).toEqual({ level: 'info', pretty: false });
    expect(config.telegram.apiRoot).toBe('https://api.telegram.org');
    expect(config.discord.apiUrl).toBe('https://discord.com/api');
    expect(config.venues.binanceFapiUrl).toBe('https://fapi.binance.com');
    expect(configuredPlatforms(config)).toEqual([]);
    expect(config.secrets).toEqual([]);
  });

  it('returns a frozen config', () => {
    const config = loadConfig({}, { dotenvPath: null });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.telegram)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('lists every problem at once, each saying what to do', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          HTTP_PORT: 'eighty',
          LOG_LEVEL: 'loud',
          REDIS_URL: 'http://localhost:6379',
          TELEGRAM_BOT_TOKEN: 'not-a-token',
          TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram',
          DISCORD_TOKEN: 'Bot abc.def.ghi',
          PICTURE_BURST: '-1',
          DISCORD_APPLICATION_ID: 'my-app',
        },
        { dotenvPath: null },
      ),
    );
    expect(problems).toHaveLength(8);
    // A UserError, so `liqmap serve` prints it as is (exit 2) rather than as an internal error.
    expect(() => loadConfig({ HTTP_PORT: 'eighty' }, { dotenvPath: null })).toThrow(UserError);
    const text = problems.join('\n');
    expect(text).toMatch(/HTTP_PORT="eighty" must be a whole number from 0 to 65535/);
    expect(text).toMatch(/LOG_LEVEL="loud" must be one of fatal, error, warn, info/);
    expect(text).toMatch(/REDIS_URL must start with redis:\/\/ or rediss:\/\//);
    expect(text).toMatch(/TELEGRAM_BOT_TOKEN does not look like a Bot API token.*@BotFather/);
    expect(text).toMatch(/TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: set a random secret/);
    expect(text).toMatch(/DISCORD_TOKEN must be the bare bot token \(no "Bot " prefix/);
    expect(text).toMatch(/PICTURE_BURST="-1"/);
    expect(text).toMatch(/DISCORD_APPLICATION_ID="my-app" must be the numeric application id/);
  });

  it('reads ACCURACY_RECALIBRATE as on or off, nothing else', () => {
    expect(loadConfig({ ACCURACY_RECALIBRATE: 'on' }, { dotenvPath: null }).schedule.accuracyRecalibrate).toBe(true);
    expect(problemsOf(() => loadConfig({ ACCURACY_RECALIBRATE: 'yes' }, { dotenvPath: null })).join('\n')).toContain('ACCURACY_RECALIBRATE');
  });

  it('never echoes a secret value in a problem', () => {
    const problems = problemsOf(() => loadConfig({ REDIS_URL: 'redis-s3cretpassw0rd' }, { dotenvPath: null }));
    expect(problems.join('\n')).toContain('REDIS_URL="<hidden>" is not a URL');
    expect(problems.join('\n')).not.toContain('s3cretpassw0rd');
  });

  it('checks the market settings: stream URLs and the Binance key pair', () => {
    const problems = problemsOf(() => loadConfig({ BYBIT_WS_URL: 'https://stream.bybit.com', BINANCE_API_KEY: 'read-only-key-123' }, { dotenvPath: null }));
    expect(problems).toEqual([
      'BINANCE_API_KEY and BINANCE_API_SECRET go together: set both (a read-only key is enough) or neither',
      'BYBIT_WS_URL must start with wss:// or ws:// (got https://)',
    ]);
    const config = loadConfig({ BINANCE_API_KEY: 'read-only-key-123', BINANCE_API_SECRET: 'binance-secret-456' }, { dotenvPath: null });
    expect(config.venues.binanceWsUrl).toBe('wss://fstream.binance.com/market/ws/!forceOrder@arr');
    expect(config.secrets).toEqual(['read-only-key-123', 'binance-secret-456']);
  });

  it('reads LIQMAP_SOURCE as live, sample or a directory', () => {
    expect(loadConfig({ LIQMAP_SOURCE: 'sample' }, { dotenvPath: null }).source).toEqual({ kind: 'sample' });
    expect(loadConfig({ LIQMAP_SOURCE: '/data/bars' }, { dotenvPath: null }).source).toEqual({ kind: 'dir', path: '/data/bars' });
  });

  it('collects every secret for the logger, including the Redis password', () => {
    const config = loadConfig(
      {
        TELEGRAM_BOT_TOKEN: TG_TOKEN,
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg',
        TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-123',
        REDIS_URL: 'redis://default:p%40ssw0rd!@redis:6379/0',
        COINGLASS_API_KEY: 'cg-key-abcdef',
        NODE_ENV: 'development',
      },
      { dotenvPath: null },
    );
    expect([...config.secrets].sort()).toEqual(['cg-key-abcdef', 'p@ssw0rd!', TG_TOKEN, 'webhook-secret-123'].sort());
    expect(config.log.pretty).toBe(true);
    expect(configuredPlatforms(config)).toEqual(['telegram']);
  });

  it('reads a .env file, with quotes and comments, and the real environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqmap-config-'));
    const path = join(dir, '.env');
    writeFileSync(
      path,
      ['# a comment', `TELEGRAM_BOT_TOKEN="${TG_TOKEN}"`, "STORE_PATH='/var/lib/liqmap/store.sqlite' # trailing", 'HTTP_PORT=9000', 'export LOG_LEVEL=debug', ''].join('\n'),
    );
    const config = loadConfig({ HTTP_PORT: '9100' }, { dotenvPath: path });
    expect(config.telegram.token).toBe(TG_TOKEN);
    expect(config.store.path).toBe('/var/lib/liqmap/store.sqlite');
    expect(config.http.port).toBe(9100);
    // A missing .env file is fine.
    expect(loadConfig({}, { dotenvPath: join(dir, 'absent.env') }).http.port).toBe(8080);
  });

  it('reads how Discord interactions arrive, the public key and the shards, and says what is wrong', () => {
    const key = 'a'.repeat(64);
    const http = loadConfig({ DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: key }, { dotenvPath: null });
    expect(http.discord).toMatchObject({ interactions: 'http', publicKey: key, shards: undefined });
    expect(loadConfig({ DISCORD_SHARDS: '0-3/8' }, { dotenvPath: null }).discord.shards).toEqual({ ids: [0, 1, 2, 3], count: 8 });
    expect(loadConfig({ DISCORD_SHARDS: '5,1/6' }, { dotenvPath: null }).discord.shards).toEqual({ ids: [1, 5], count: 6 });
    expect(problemsOf(() => loadConfig({ DISCORD_INTERACTIONS: 'http' }, { dotenvPath: null }))).toEqual([
      'DISCORD_INTERACTIONS=http needs DISCORD_PUBLIC_KEY (Developer Portal → General Information → Public Key): without it no request can be verified',
    ]);
    expect(problemsOf(() => loadConfig({ DISCORD_INTERACTIONS: 'webhook', DISCORD_PUBLIC_KEY: 'xyz', DISCORD_SHARDS: '8/8' }, { dotenvPath: null }))).toEqual([
      'DISCORD_INTERACTIONS="webhook" must be one of gateway, http',
      'DISCORD_PUBLIC_KEY must be the 64 hexadecimal characters of Developer Portal → General Information → Public Key',
      'DISCORD_SHARDS="8/8" must be ids/count with ids below count, e.g. 0-3/8 or 4,5/8 (or unset for every shard in this instance)',
    ]);
    expect(problemsOf(() => loadConfig({ DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: key, DISCORD_SHARDS: '0/2' }, { dotenvPath: null }))).toEqual([
      'DISCORD_SHARDS is for the gateway: with DISCORD_INTERACTIONS=http there is no gateway connection to shard',
    ]);
    expect(loadConfig({ PICTURE_BURST: '5', PICTURE_INTERVAL_SECONDS: '30' }, { dotenvPath: null }).commands).toEqual({ pictureBurst: 5, pictureIntervalSeconds: 30 });
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig({ DISCORD_TOKEN: '', HTTP_PORT: '  ' }, { dotenvPath: null });
    expect(config.discord.token).toBeUndefined();
    expect(config.http.port).toBe(8080);
  });
});

describe('requirePlatform', () => {
  it('says what to set when no platform has a token', () => {
    const problems = problemsOf(() => requirePlatform(loadConfig({}, { dotenvPath: null })));
    expect(problems[0]).toMatch(/set DISCORD_TOKEN .* and\/or TELEGRAM_BOT_TOKEN \(from @BotFather/);
  });

  it('returns the configured platforms', () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: TG_TOKEN, DISCORD_TOKEN: 'MTA5.abcdef.ghijklmnop' }, { dotenvPath: null });
    expect(requirePlatform(config)).toEqual(['discord', 'telegram']);
  });
});

describe('.env.example', () => {
  it('documents every variable with its default', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const variable of VARIABLES) {
      const line = example.split('\n').find((l) => l.replace(/^#\s*/, '').startsWith(`${variable.name}=`));
      expect(line, variable.name).toBeDefined();
      expect(line!.replace(/^#\s*/, '')).toBe(`${variable.name}=${variable.default ?? ''}`);
    }
  });
});

describe('README', () => {
  it('has every variable in its configuration table with its default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const variable of VARIABLES) {
      const cell = variable.default ? `\`${variable.default}\`` : '–';
      expect(readme, variable.name).toContain(`| \`${variable.name}\` | ${cell} |`);
    }
  });
});
