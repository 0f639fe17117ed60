// POST /discord/interactions: Discord's outgoing webhook for interactions (DISCORD_INTERACTIONS=http).
// Order matters: the body is capped, the signature checked over the raw bytes (401 for anything forged),
// the timestamp must be recent and the interaction never seen before (replays are refused by any
// replica: the memory is the shared store's claims), then PING is answered and the rest handed to the
// adapter, whose first answer becomes this request's response (within Discord's 3 seconds).
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BodyTooLargeError, readBody, refuseTooLarge } from '../../http/body.js';
import type { Route } from '../../http/server.js';
import { InteractionType, isInteraction, type RawInteraction } from './interaction.js';
import type { InteractionResponse } from './interaction-api.js';
import { verifySignature } from './signature.js';

export const INTERACTIONS_PATH = '/discord/interactions';
/** Interactions are small (a command, its options, the member); this leaves room for large resolved data. */
const BODY_LIMIT = 256 * 1024;
/** A request signed longer ago than this (or this far in the future) is refused: clocks differ a little, replays a lot. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** Whether this interaction id is seen for the first time (by any replica); remembered for `ttlMs`. */
export type ReplayGuard = (interactionId: string, ttlMs: number) => Promise<boolean>;

export interface InteractionsEndpointOptions {
  publicKey: KeyObject;
  firstSeen: ReplayGuard;
  now(): number;
  /** False while draining: Discord is told to try later, which fails this one interaction rather than losing it mid-answer. */
  accepting(): boolean;
  /**
   * Handles an application command, autocomplete or other interaction. `respond` sends the one inline
   * response (JSON, no files); the promise the handler returns may outlive the HTTP request.
   */
  onInteraction(interaction: RawInteraction, respond: (response: InteractionResponse) => void): void;
  log: Logger;
}

export function interactionsRoute(o: InteractionsEndpointOptions): Route {
  return {
    method: 'POST',
    path: INTERACTIONS_PATH,
    handler: (req, res) => handle(o, req, res),
  };
}

async function handle(o: InteractionsEndpointOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return refuseTooLarge(req, res, BODY_LIMIT);
    throw err;
  }
  const signature = String(req.headers['x-signature-ed25519'] ?? '');
  const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
  if (!verifySignature(o.publicKey, timestamp, body, signature)) return unauthorized(res, 'invalid request signature');
  const signedAtMs = Number(timestamp) * 1000;
  if (!Number.isFinite(signedAtMs) || Math.abs(o.now() - signedAtMs) > MAX_SIGNATURE_AGE_MS) return unauthorized(res, 'stale request signature');
  let interaction: unknown;
  try {
    interaction = JSON.parse(body.toString('utf8'));
  } catch {
    return json(res, 400, { error: 'not JSON' });
  }
  if (!isInteraction(interaction)) return json(res, 400, { error: 'not an interaction' });
  // Remembered past the age limit, so a replay is refused for as long as its signature would pass.
  if (!(await o.firstSeen(interaction.id, 2 * MAX_SIGNATURE_AGE_MS))) {
    o.log.warn({ interactionId: interaction.id }, 'discord interaction replayed: refused');
    return unauthorized(res, 'interaction already received');
  }
  if (interaction.type === InteractionType.Ping) return json(res, 200, { type: 1 });
  if (!o.accepting()) return json(res, 503, { error: 'stopping' });
  const response = await new Promise<InteractionResponse>((resolve) => o.onInteraction(interaction as RawInteraction, resolve));
  json(res, 200, response);
}

function unauthorized(res: ServerResponse, reason: string): void {
  json(res, 401, { error: reason });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
