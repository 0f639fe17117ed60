// The built image, run as Docker would run it (test/image/buildah.ts), against the project's fake
// Telegram Bot API and fake Discord on loopback. Not part of `npm test`: scripts/check-image.sh builds
// the image and runs this file with vitest.image.config.ts, naming the image in LIQMAP_IMAGE.
import { chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord-api.js';
import { FakeTelegramApi } from '../fakes/telegram-api.js';
import { Container, imageConfig, ownerInImage, pngSize, uidOf, type Exit, type ImageConfig } from './buildah.js';

const IMAGE = process.env.LIQMAP_IMAGE;
if (!IMAGE) throw new Error('LIQMAP_IMAGE is not set: run scripts/check-image.sh, which builds the image and names it');
const image: string = IMAGE;

/** `docker stop` sends SIGTERM, then SIGKILL after this long (its default grace period). */
const DOCKER_STOP_GRACE_MS = 10_000;
const USER = 42;

let telegram: FakeTelegramApi;
let discord: FakeDiscord;
let config: ImageConfig;
let dataDir: string;
let port: number;
const containers: Container[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startContainer(): Promise<Container> {
  const container = await Container.create(image, {
    volume: { host: dataDir, target: '/data' },
    env: {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      // The bundled sample: no exchange is reached from here.
      LIQMAP_SOURCE: 'sample',
      // Several pictures from one user in a row.
      PICTURE_INTERVAL_SECONDS: '0',
      // The host's loopback is shared: a free port rather than the image's 8080.
      HTTP_PORT: String(port),
    },
  });
  containers.push(container);
  container.start();
  await untilReady(container);
  return container;
}

/** Polls /healthz until it answers 200; fails at once if the container exits first. */
async function untilReady(container: Container, timeoutMs = 90_000): Promise<void> {
  const exited = container.wait().then((exit) => {
    throw new Error(`the container exited (${JSON.stringify(exit)}) before /healthz was ready:\n${container.output}`);
  });
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`/healthz not ready in ${timeoutMs} ms (last: ${last}):\n${container.output}`);
  })();
  await Promise.race([ready, exited]);
}

async function stop(container: Container): Promise<Exit | 'still running'> {
  container.terminate();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), DOCKER_STOP_GRACE_MS)));
  const result = await Promise.race([container.wait(), grace]);
  clearTimeout(timer);
  return result;
}

async function telegramReply(text: string, method: 'sendMessage' | 'sendPhoto') {
  const before = telegram.delivered(method, USER).length;
  telegram.sendText(text, { userId: USER });
  await telegram.waitFor(() => telegram.delivered(method, USER).length > before, 60_000);
  return telegram.delivered(method, USER)[before]!;
}

beforeAll(async () => {
  telegram = await new FakeTelegramApi().start();
  discord = await new FakeDiscord().start();
  config = await imageConfig(image);
  port = await freePort();
  // A new named volume starts as a copy of the image's /data, owner included.
  dataDir = mkdtempSync(join(tmpdir(), 'liqmap-image-data-'));
  const [uid, gid] = (await ownerInImage(image, '/data')).split(':').map(Number);
  chownSync(dataDir, uid!, gid!);
});

afterAll(async () => {
  for (const c of containers) await c.remove();
  await telegram?.close();
  await discord?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe(`image ${image}`, () => {
  it('declares an unprivileged user, the /data volume, port 8080 and a HEALTHCHECK command', () => {
    expect(config.User).toBe('node');
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/data']);
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(config.Healthcheck?.Test[0]).toMatch(/^CMD(-SHELL)?$/);
  });

  describe('first run, on a new /data volume', () => {
    let container: Container;
    beforeAll(async () => {
      container = await startContainer();
    }, 120_000);

    it('is ready on /healthz, and its HEALTHCHECK command exits 0', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready', notReady: [] });
      expect(await container.healthcheck()).toBe(0);
    });

    it('runs the bot as uid 1000', () => {
      expect(uidOf(container.mainPid())).toBe(1000);
    });

    it('answers /liqmap btc on Telegram with a 1200×675 picture', async () => {
      const photo = await telegramReply('/liqmap btc', 'sendPhoto');
      const upload = photo.files[String(photo.params.photo).slice('attach://'.length)];
      expect(upload).toBeDefined();
      expect(pngSize(upload!.bytes)).toEqual({ width: 1200, height: 675 });
      expect(String(photo.params.caption)).toMatch(/^<b>BTC liquidation map · 7d<\/b>\nBTC [\d,]+ · /);
    });

    it('answers /liqmap btc on Discord with a 1200×675 picture', async () => {
      const { token } = discord.chatInput({ name: 'liqmap', options: [{ name: 'symbol', type: 3, value: 'btc' }] });
      // The picture comes with the initial response, or as an edit of @original when it took longer.
      const edit = await discord.waitForAnswer(token, 60_000);
      expect(edit.files).toHaveLength(1);
      expect(edit.files[0]!.filename).toBe('liqmap-BTCUSDT-7d.png');
      expect(pngSize(edit.files[0]!.bytes)).toEqual({ width: 1200, height: 675 });
    });

    it('keeps a digest set up with /digest on in the SQLite file on /data', async () => {
      expect(String((await telegramReply('/digest status', 'sendMessage')).params.text)).toContain('No digest in this chat');
      const reply = await telegramReply('/digest on 03:17 Pacific/Auckland btc', 'sendMessage');
      expect(String(reply.params.text)).toContain('every day at 03:17 Pacific/Auckland · BTC');
      expect(existsSync(join(dataDir, 'liqmap.sqlite'))).toBe(true);
      expect(statSync(join(dataDir, 'liqmap.sqlite')).uid).toBe(1000);
    });

    it(`exits 0 within ${DOCKER_STOP_GRACE_MS / 1000} s of SIGTERM; its HEALTHCHECK command then fails`, async () => {
      const exit = await stop(container);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(container.output).toMatch(/"signal":"SIGTERM"[\s\S]*"msg":"stopped"/);
      expect(await container.healthcheck()).not.toBe(0);
    }, 30_000);
  });

  describe('second run, a new container on the same /data volume', () => {
    let container: Container;
    beforeAll(async () => {
      container = await startContainer();
    }, 120_000);

    it('still has the digest', async () => {
      const status = String((await telegramReply('/digest status', 'sendMessage')).params.text);
      expect(status).toContain('every day at 03:17 Pacific/Auckland · BTC');
    });

    it(`exits 0 within ${DOCKER_STOP_GRACE_MS / 1000} s of SIGTERM`, async () => {
      expect(await stop(container)).toEqual({ code: 0, signal: null });
    }, 30_000);
  });
});
