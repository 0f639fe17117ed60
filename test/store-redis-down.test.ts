// Redis outages: commands fail fast with a clear error (no hanging queue), and the store works again
// once the server is back, without a restart.
import { expect, it } from 'vitest';
import { RedisBackend, StoreUnavailableError } from '../src/store/redis-backend.js';
import { startRedisServer } from './helpers/redis-server.js';

it('fails fast while Redis is down and recovers when it comes back', async () => {
  const first = await startRedisServer();
  const port = first.port;
  await first.stop();
  const errors: string[] = [];
  const backend = new RedisBackend(`redis://127.0.0.1:${port}`, (e) => errors.push(e.message), { connectTimeoutMs: 300 });
  await expect(backend.get('sub:tg:1')).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(backend.claim('digest:x', 'a', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
  // Retries every few hundred ms are logged once, not each time.
  expect(errors).toHaveLength(1);

  const again = await startRedisServer({ port });
  try {
    let value: unknown = 'not yet';
    for (let i = 0; i < 100 && value === 'not yet'; i++) {
      value = await backend.set('sub:tg:1', { v: 1 }).then(
        () => backend.get('sub:tg:1'),
        () => new Promise((r) => setTimeout(() => r('not yet'), 50)),
      );
    }
    expect(value).toEqual({ v: 1 });
    expect(await backend.claim('digest:x', 'a', 1000)).toBe(true);
  } finally {
    await backend.close();
    await again.stop();
  }
});
