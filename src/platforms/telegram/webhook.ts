// The Telegram webhook route: the secret token first (nothing is read without it), then a body capped
// at WEBHOOK_BODY_LIMIT (an update is a few KB; a huge body with the right secret must not fill the
// memory), then the update to grammY.
import { timingSafeEqual } from 'node:crypto';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { BodyTooLargeError, readBody, refuseTooLarge } from '../../http/body.js';
import type { Route } from '../../http/server.js';

/** Far above any real update (a message is at most 4,096 characters plus its entities). */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookRouteOptions {
  path: string;
  secret: string;
  /** False while draining: Telegram gets 503 and delivers the update again (to another instance). */
  accepting(): boolean;
  handleUpdate(update: Update): Promise<void>;
  log: Logger;
  limitBytes?: number;
}

export function webhookRoute(o: WebhookRouteOptions): Route {
  const secret = Buffer.from(o.secret);
  const limit = o.limitBytes ?? WEBHOOK_BODY_LIMIT;
  return {
    method: 'POST',
    path: o.path,
    async handler(req, res) {
      const given = Buffer.from(String(req.headers['x-telegram-bot-api-secret-token'] ?? ''));
      if (given.length !== secret.length || !timingSafeEqual(given, secret)) {
        res.writeHead(401, { 'content-type': 'text/plain', connection: 'close' }).end('secret token mismatch\n');
        return;
      }
      if (!o.accepting()) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('stopping\n');
        return;
      }
      let update: Update;
      try {
        update = JSON.parse((await readBody(req, limit)).toString('utf8')) as Update;
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          o.log.warn({ limitBytes: limit }, 'telegram webhook: body too large, refused');
          return refuseTooLarge(req, res, limit);
        }
        res.writeHead(400, { 'content-type': 'text/plain' }).end('not a JSON update\n');
        return;
      }
      await o.handleUpdate(update);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    },
  };
}
