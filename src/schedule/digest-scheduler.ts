// Digests: every minute, each enabled subscription's latest slot is checked; a due slot is claimed in the
// store (atomic across instances and restarts) before anything is sent, and the send is recorded before the
// platform is called, so a slot goes out at most once when an instance dies mid-send, exactly once otherwise.
import { accuracyDigestLine } from '../analysis/accuracy.js';
import { baseAsset } from '../analysis/format.js';
import type { AccuracyService } from './accuracy-service.js';
import type { Logger } from 'pino';
import type { DestinationSender, Reply, ReplyImage, ReplyLink, SendResult } from '../core/command.js';
import type { Platform } from '../core/caller.js';
import type { Clock } from '../clock.js';
import type { PageLinks } from '../core/command.js';
import type { MapService } from '../maps/map-pipeline.js';
import type { WindowName } from '../analysis/types.js';
import type { Crossing } from '../analysis/cascades.js';
import type { Store } from '../store/store.js';
import type { Subscription } from '../store/records.js';
import { decodeDestination } from '../core/destination.js';
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
  /** The map's own accuracy (live streams only): digests with `accuracy: 'weekly'` quote it on Mondays. */
  accuracy?: Pick<AccuracyService, 'symbols' | 'dailyReport'>;
}

/** `unconfirmed`: a send of the slot began and was never answered; it counts as possibly delivered. */
export type SlotOutcome = 'sent' | 'unconfirmed' | 'skipped-late' | 'claimed-elsewhere' | 'gone' | 'failed' | 'not-due';

/** How long a claim is held while sending: an instance that dies mid-send frees the slot after this. */
const SENDING_LEASE_MS = 10 * 60_000;
const MAX_RETRY_AFTER_MS = 60_000;

/** Monday in the zone (the week's first digest), through Intl: slots are local times. */
function isMonday(ms: number, timezone: string): boolean {
  return new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: timezone }).format(ms) === 'Mon';
}

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
    if (!this.o.senders[sub.platform] || !decodeDestination(sub.destination)) {
      // This instance cannot reach the platform (its token is not configured here): leave the slot to one
      // that can, and never disable a chat over local configuration.
      const key = `${sub.destination}:${slot}`;
      if (!this.reportedNoSender.has(key)) {
        this.reportedNoSender.add(key);
        this.o.log.error({ destination: sub.destination, platform: sub.platform }, 'digest: no sender for this destination in this instance');
      }
      return 'failed';
    }
    const slotIso = new Date(slot).toISOString();
    const claimKey = `digest:${sub.destination}:${slotIso}`;
    const doneTtl = this.graceMs + 24 * 3_600_000;
    if (now - slot > this.graceMs) {
      // Claimed too, so only one instance logs the skip.
      if (await this.o.store.backend.claim(claimKey, this.o.instanceId, doneTtl)) {
        this.o.log.warn({ destination: sub.destination, slot: slotIso, lateMs: now - slot }, 'digest: slot missed beyond the grace window, skipped');
        await this.recordSlot(sub, slot, 'skipped');
      }
      return 'skipped-late';
    }
    if (!(await this.o.store.backend.claim(claimKey, this.o.instanceId, SENDING_LEASE_MS))) return 'claimed-elsewhere';
    // Read again under the claim: the listing may predate a moderator's change, or a send of this slot
    // that another instance began and never finished (its lease ran out, which is how we hold the claim).
    const current = await this.o.store.subscriptions.get(sub.destination);
    if (!current || !current.enabled || current.updatedAtMs !== sub.updatedAtMs || this.dueSlot(current, now) !== slot) {
      await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
      return 'not-due';
    }
    if (current.attempt?.slotMs === slot) {
      const { attempt } = current;
      await this.recordSlot(current, slot, 'unconfirmed');
      await this.o.store.backend.extendClaim(claimKey, this.o.instanceId, doneTtl);
      this.o.metrics?.digestSent(false);
      this.o.log.warn(
        { destination: sub.destination, slot: slotIso, attemptStartedAt: new Date(attempt.startedAtMs).toISOString(), attemptInstance: attempt.instance },
        'digest: a send of this slot began and was never confirmed (its instance stopped mid-send); possibly delivered, not sent again',
      );
      return 'unconfirmed';
    }
    return this.sendSlot(current, slot, claimKey, doneTtl);
  }

  /** Builds and sends one claimed slot; the attempt is on record before the platform is called. */
  private async sendSlot(sub: Subscription, slot: number, claimKey: string, doneTtl: number): Promise<SlotOutcome> {
    const destination = decodeDestination(sub.destination);
    const sender = this.o.senders[sub.platform];
    const slotIso = new Date(slot).toISOString();
    let built: { reply: Reply; sections: DigestSection[] };
    try {
      if (!destination || !sender) throw new Error(`digest: no ${sub.platform} sender for ${sub.destination}`);
      built = await this.buildDigest(sub);
      if (!(await this.recordAttempt(sub, slot))) {
        // Turned off or changed by a moderator while the digest was being built: the slot is no longer due.
        await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
        return 'not-due';
      }
    } catch (err) {
      // Nothing reached the platform: give the slot back so a later tick retries within the grace window.
      await this.o.store.backend.releaseClaim(claimKey, this.o.instanceId);
      this.o.metrics?.digestSent(false);
      throw err;
    }
    let result: SendResult;
    try {
      result = await this.sendWithRetry(sender, destination, built.reply);
    } catch (err) {
      // The sender could not say whether the post went out: possibly delivered, as after a crash mid-send.
      await this.recordSlot(sub, slot, 'unconfirmed');
      await this.o.store.backend.extendClaim(claimKey, this.o.instanceId, doneTtl);
      this.o.metrics?.digestSent(false);
      this.o.log.error({ err, destination: sub.destination, slot: slotIso }, 'digest: send failed without an answer; possibly delivered, not sent again');
      return 'unconfirmed';
    }
    if (result === 'ok') {
      const atMs = this.o.clock.now();
      await this.recordSlot(sub, slot, { sentAtMs: atMs });
      await this.o.store.backend.extendClaim(claimKey, this.o.instanceId, doneTtl);
      await this.saveSnapshots(sub, built.sections, atMs);
      this.o.metrics?.digestSent(true);
      this.o.log.info({ destination: sub.destination, slot: slotIso }, 'digest: sent');
      return 'sent';
    }
    // The platform refused this call: nothing was posted, so the attempt is closed.
    await this.clearAttempt(sub, slot);
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

  /** The figures the chat's next digest compares with ("↑ from 9:1"). */
  private async saveSnapshots(sub: Subscription, sections: DigestSection[], atMs: number): Promise<void> {
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
    const accuracy = await this.accuracyLines(sub);
    return { reply: { title, text: accuracy.length ? `${text}\n\n${accuracy.join('\n')}` : text, images, ...(link ? { link } : {}) }, sections };
  }

  /** With `accuracy: 'weekly'`, on Mondays in the chat's zone: the daily score's 7-day line per recorded symbol. */
  private async accuracyLines(sub: Subscription): Promise<string[]> {
    const port = this.o.accuracy;
    if (sub.accuracy !== 'weekly' || !port || !isMonday(this.o.clock.now(), sub.timezone)) return [];
    const lines: string[] = [];
    for (const symbol of sub.symbols.filter((s) => port.symbols.includes(s))) {
      try {
        lines.push(`${baseAsset(symbol)} ${accuracyDigestLine(await port.dailyReport(symbol))}`);
      } catch (err) {
        // A garnish like the crossings: the digest goes out without it.
        this.o.log.warn({ err, symbol }, 'digest: no accuracy line');
      }
    }
    return lines;
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

  private async sendWithRetry(sender: DestinationSender, destination: NonNullable<ReturnType<typeof decodeDestination>>, reply: Reply): Promise<SendResult> {
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let result = await sender.send(destination, reply);
    for (let attempt = 0; attempt < 3 && typeof result === 'object' && 'retryAfterMs' in result && result.retryAfterMs <= MAX_RETRY_AFTER_MS; attempt++) {
      await sleep(result.retryAfterMs);
      result = await sender.send(destination, reply);
    }
    return result;
  }

  /**
   * Writes to the subscription, re-read first so a moderator's change made meanwhile is kept: a record
   * changed or deleted since `sub` was read is left alone (false), and so is one `change` declines.
   */
  private async update(sub: Subscription, change: (current: Subscription) => Subscription | undefined): Promise<boolean> {
    const current = await this.o.store.subscriptions.get(sub.destination);
    if (!current || current.updatedAtMs !== sub.updatedAtMs) return false;
    const next = change(current);
    if (!next) return false;
    await this.o.store.subscriptions.put(sub.destination, next);
    return true;
  }

  /** "Sending slot S": on record before the platform call, so a crash mid-send is never followed by a blind resend. */
  private recordAttempt(sub: Subscription, slotMs: number): Promise<boolean> {
    const attempt = { slotMs, startedAtMs: this.o.clock.now(), instance: this.o.instanceId, state: 'sending' as const };
    return this.update(sub, (current) => (current.enabled ? { ...current, attempt } : undefined));
  }

  private async clearAttempt(sub: Subscription, slotMs: number): Promise<void> {
    await this.update(sub, ({ attempt, ...rest }) => (attempt?.slotMs === slotMs ? rest : undefined));
  }

  /**
   * Records a handled slot: sent (the open attempt is closed), skipped, or unconfirmed (an attempt of it
   * began and was never answered: possibly delivered; /digest status says so until the next digest is sent).
   */
  private async recordSlot(sub: Subscription, slotMs: number, outcome: { sentAtMs: number } | 'skipped' | 'unconfirmed'): Promise<void> {
    await this.update(sub, (current) => {
      const next: Subscription = { ...current, lastSlotMs: Math.max(current.lastSlotMs ?? -Infinity, slotMs) };
      if (typeof outcome === 'object') {
        next.lastSentAtMs = Math.max(current.lastSentAtMs ?? -Infinity, outcome.sentAtMs);
        if (current.attempt && current.attempt.slotMs <= slotMs) delete next.attempt;
      } else if (current.attempt?.state === 'sending' && current.attempt.slotMs <= slotMs) {
        // An attempt still open when its slot is handled will never be answered.
        next.attempt = { ...current.attempt, state: 'unconfirmed' };
      }
      return next;
    });
  }

  /** The platform said the bot cannot post there any more: stop the digest (once) and say why in /digest status. */
  disableGone(destination: string, reason: string): Promise<void> {
    return markDestinationGone(this.o.store, this.o.log, destination, reason, this.o.clock.now());
  }
}
