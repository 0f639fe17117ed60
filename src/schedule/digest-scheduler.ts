// Digests: every minute, each enabled subscription's latest slot is checked; a due slot is claimed in the
// store (atomic across instances and restarts) before anything is sent, so each slot goes out once.
import type { Logger } from 'pino';
import type { DestinationSender, Platform, Reply, ReplyImage, ReplyLink, SendResult } from '../core/command.js';
import type { Clock } from '../clock.js';
import type { PageLinks } from '../core/services.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { WindowName } from '../analysis/types.js';
import type { Crossing } from '../analysis/cascades.js';
import type { Store } from '../store/store.js';
import type { Subscription } from '../store/records.js';
import { destinationFromKey } from './destination.js';
import { digestText, type DigestSection, type RealizedSums } from './digest-message.js';
import { markDestinationGone } from './gone.js';
import { latestSlot } from './slots.js';

/** Realized liquidations from the live streams (src/market), when they run. */
export interface RealizedLiquidations {
  /** Sums over the last `periodMs` for a canonical symbol; undefined when no stream covers it. */
  sum(symbol: string, periodMs: number): RealizedSums | undefined;
}

export interface ScheduleMetrics {
  digestSent(ok: boolean): void;
  alertSent(ok: boolean): void;
}

export interface DigestSchedulerOptions {
  store: Store;
  maps: MapService;
  senders: Partial<Record<Platform, DestinationSender>>;
  clock: Clock;
  log: Logger;
  /** A slot missed while no instance ran is still sent this late (default 2 h). */
  graceMs?: number;
  /** Names this process in claims; must differ between instances. */
  instanceId: string;
  liquidations?: RealizedLiquidations;
  metrics?: ScheduleMetrics;
  /** Sends in flight at once; the platform's own limits (Telegram ~30/s) are enforced by the adapter. */
  concurrency?: number;
  /** Web view links (PUBLIC_URL set): the reply's button and each picture's public URL. */
  links?: PageLinks;
  /** Waits before retrying after a 429; injected so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export type SlotOutcome = 'sent' | 'skipped-late' | 'claimed-elsewhere' | 'gone' | 'failed' | 'not-due';

/** How long a claim is held while sending: an instance that dies mid-send frees the slot after this. */
const SENDING_LEASE_MS = 10 * 60_000;
const MAX_RETRY_AFTER_MS = 60_000;

export class DigestScheduler {
  readonly graceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastPruneMs = -Infinity;
  /** Logged once per slot and hour, not on every tick of the grace window. */
  private readonly reportedNoSender = new Set<string>();

  constructor(private readonly o: DigestSchedulerOptions) {
    this.graceMs = o.graceMs ?? 2 * 3_600_000;
  }

  /** Ticks at the start of every minute until stop(). */
  start(): void {
    this.stopped = false;
    const schedule = () => {
      if (this.stopped) return;
      const now = Date.now();
      this.timer = setTimeout(() => {
        void this.tick().finally(schedule);
      }, 60_000 - (now % 60_000) + 250);
      this.timer.unref?.();
    };
    void this.tick().finally(schedule);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Handles every due slot once. A tick still running makes the next one wait for it, not overlap. */
  tick(): Promise<void> {
    this.running ??= this.runTick().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runTick(): Promise<void> {
    const now = this.o.clock.now();
    // Expired claims are only clutter in SQLite's table; an hourly sweep keeps it at about a day of slots.
    if (now - this.lastPruneMs >= 3_600_000) {
      this.lastPruneMs = now;
      this.reportedNoSender.clear();
      await this.o.store.backend.pruneClaims?.(now - 3_600_000);
    }
    const subscriptions = (await this.o.store.subscriptions.list()).filter((s) => s.enabled);
    const queue = [...subscriptions];
    const worker = async () => {
      for (let sub = queue.shift(); sub; sub = queue.shift()) {
        try {
          await this.handle(sub);
        } catch (err) {
          this.o.log.error({ err, destination: sub.destination }, 'digest: slot failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.concurrency ?? 4) }, worker));
  }

  /** The slot due for one subscription right now, if any: after the last handled one and after the setup. */
  dueSlot(sub: Subscription, nowMs: number): number | undefined {
    const slot = latestSlot(sub, nowMs);
    if (slot === undefined) return undefined;
    if (slot <= (sub.lastSlotMs ?? -Infinity) || slot <= sub.updatedAtMs) return undefined;
    return slot;
  }

  async handle(sub: Subscription): Promise<SlotOutcome> {
    const now = this.o.clock.now();
    const slot = this.dueSlot(sub, now);
    if (slot === undefined) return 'not-due';
    if (!this.o.senders[sub.platform] || !destinationFromKey(sub.destination)) {
      // This instance cannot reach the platform (its token is not configured here): leave the slot to one
      // that can, and never disable a chat over local configuration.
      const key = `${sub.destination}:${slot}`;
      if (!this.reportedNoSender.has(key)) {
        this.reportedNoSender.add(key);
        this.o.log.error({ destination: sub.destination, platform: sub.platform }, 'digest: no sender for this destination in this instance');
      }
      return 'failed';
    }
    const claimKey = `digest:${sub.destination}:${new Date(slot).toISOString()}`;
    const doneTtl = this.graceMs + 24 * 3_600_000;
    if (now - slot > this.graceMs) {
      // Claimed too, so only one instance logs the skip.
      if (await this.o.store.backend.claim(claimKey, this.o.instanceId, doneTtl)) {
        this.o.log.warn({ destination: sub.destination, slot: new Date(slot).toISOString(), lateMs: now - slot }, 'digest: slot missed beyond the grace window, skipped');
        await this.markSlot(sub, slot, undefined);
      }
      return 'skipped-late';
    }
    if (!(await this.o.store.backend.claim(claimKey, this.o.instanceId, SENDING_LEASE_MS))) return 'claimed-elsewhere';
    let result: SendResult;
    try {
      result = await this.sendDigest(sub);
    } catch (err) {
      await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
      this.o.metrics?.digestSent(false);
      throw err;
    }
    if (result === 'ok') {
      await this.o.store.backend.extendClaim(claimKey, this.o.instanceId, doneTtl);
      await this.markSlot(sub, slot, this.o.clock.now());
      this.o.metrics?.digestSent(true);
      this.o.log.info({ destination: sub.destination, slot: new Date(slot).toISOString() }, 'digest: sent');
      return 'sent';
    }
    if ('gone' in result) {
      await this.o.store.backend.extendClaim(claimKey, this.o.instanceId, doneTtl);
      await this.disableGone(sub.destination, result.gone);
      this.o.metrics?.digestSent(false);
      return 'gone';
    }
    // Still rate-limited after the retries: give the slot back; the next tick tries again within the grace window.
    await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
    this.o.metrics?.digestSent(false);
    this.o.log.warn({ destination: sub.destination, retryAfterMs: result.retryAfterMs }, 'digest: rate-limited, will retry');
    return 'failed';
  }

  /** Builds this chat's digest and sends it. Also saves the figures the next digest compares with. */
  async sendDigest(sub: Subscription): Promise<SendResult> {
    const destination = destinationFromKey(sub.destination);
    const sender = this.o.senders[sub.platform];
    if (!destination || !sender) throw new Error(`digest: no ${sub.platform} sender for ${sub.destination}`);
    const { reply, sections } = await this.buildDigest(sub);
    const result = await this.sendWithRetry(sender, destination, reply);
    if (result === 'ok') {
      const atMs = this.o.clock.now();
      for (const s of sections) {
        await this.o.store.snapshots.put(`${sub.destination}/${s.map.meta.symbol}`, {
          v: 1,
          destination: sub.destination,
          symbol: s.map.meta.symbol,
          ratio: s.map.ratio,
          ratioKind: s.map.ratioKind,
          atMs,
        });
      }
    }
    return result;
  }

  async buildDigest(sub: Subscription): Promise<{ reply: Reply; sections: DigestSection[] }> {
    const sections: DigestSection[] = [];
    const images: ReplyImage[] = [];
    let link: ReplyLink | undefined;
    for (const symbol of sub.symbols) {
      // The picture id names symbol, window and last closed bar: every chat of this slot shares one render.
      const picture = await this.o.maps.mapPicture({ symbol, window: sub.window as WindowName });
      const previous = await this.o.store.snapshots.get(`${sub.destination}/${picture.map.meta.symbol}`);
      const realized24h = this.o.liquidations?.sum(picture.map.meta.symbol, 24 * 3_600_000);
      const crossings = await this.crossingsOf(symbol);
      sections.push({ map: picture.map, ...(previous ? { previous } : {}), ...(realized24h ? { realized24h } : {}), ...(crossings.length ? { crossings } : {}) });
      const url = this.o.links?.picture('map', picture.query, picture.id);
      images.push({ png: picture.png, name: `liqmap-${picture.map.meta.symbol}-${sub.window}.png`, cacheKey: picture.id, ...(url ? { url } : {}) });
      link ??= this.o.links && { label: 'Open interactive map', url: this.o.links.page('map', picture.query) };
    }
    const { title, text } = digestText(sections);
    return { reply: { title, text, images, ...(link ? { link } : {}) }, sections };
  }

  /** The cascade watch is a garnish: a digest goes out without it rather than not at all. */
  private async crossingsOf(symbol: string): Promise<Crossing[]> {
    try {
      return await this.o.maps.crossings({ symbol, window: '7d' });
    } catch (err) {
      this.o.log.warn({ err, symbol }, 'cascade watch failed; digest sent without it');
      return [];
    }
  }

  private async sendWithRetry(sender: DestinationSender, destination: NonNullable<ReturnType<typeof destinationFromKey>>, reply: Reply): Promise<SendResult> {
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let result = await sender.send(destination, reply);
    for (let attempt = 0; attempt < 3 && typeof result === 'object' && 'retryAfterMs' in result && result.retryAfterMs <= MAX_RETRY_AFTER_MS; attempt++) {
      await sleep(result.retryAfterMs);
      result = await sender.send(destination, reply);
    }
    return result;
  }

  /** Records the handled slot on the subscription, re-read first so a moderator's change made meanwhile is kept. */
  private async markSlot(sub: Subscription, slotMs: number, sentAtMs: number | undefined): Promise<void> {
    const current = await this.o.store.subscriptions.get(sub.destination);
    if (!current || current.updatedAtMs !== sub.updatedAtMs) return;
    if ((current.lastSlotMs ?? -Infinity) >= slotMs) return;
    await this.o.store.subscriptions.put(sub.destination, {
      ...current,
      lastSlotMs: slotMs,
      ...(sentAtMs !== undefined ? { lastSentAtMs: sentAtMs } : {}),
    });
  }

  /** The platform said the bot cannot post there any more: stop the digest (once) and say why in /digest status. */
  disableGone(destination: string, reason: string): Promise<void> {
    return markDestinationGone(this.o.store, this.o.log, destination, reason, this.o.clock.now());
  }
}
