// Prometheus metrics on a registry of their own (not prom-client's global one), so tests can build many.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Platform = 'discord' | 'telegram' | 'cli' | string;
/** How a command ended: answered, refused with a user error, rate-limited, or failed. */
export type CommandOutcome = 'ok' | 'user_error' | 'rate_limited' | 'busy' | 'error' | string;
/** How a venue request ended: answered, rate-limited (429/418/403), or failed (network, 5xx, bad payload). */
export type VenueOutcome = 'ok' | 'rate_limited' | 'error' | string;

export interface MetricsOptions {
  /** Also export Node's process metrics (memory, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
}

// Seconds; a chat command should answer within ~1-2 s, a cold map with fetching can take longer.
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30];
const RENDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Everything liqmap counts. Services take it as an optional dependency (`metrics?.commandServed(...)`).
 * Label values come from code (command names, venues), never from user text, so cardinality stays small.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'platform' | 'outcome'>;
  private readonly commandSeconds: Histogram<'command' | 'platform'>;
  private readonly renders: Histogram<'kind'>;
  private readonly cache: Counter<'cache' | 'result'>;
  private readonly venueRequests: Counter<'venue' | 'endpoint' | 'outcome'>;
  private readonly venueErrors: Counter<'venue' | 'endpoint'>;
  private readonly venueSeconds: Histogram<'venue' | 'endpoint'>;
  private readonly streamUp: Gauge<'venue'>;
  private readonly streamMessages: Counter<'venue'>;
  private readonly streamReconnects: Counter<'venue'>;
  private readonly digests: Counter<'result'>;
  private readonly alerts: Counter<'result'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.commands = new Counter({
      name: 'liqmap_commands_total',
      help: 'Chat commands served, by command, platform and outcome.',
      labelNames: ['command', 'platform', 'outcome'],
      registers,
    });
    this.commandSeconds = new Histogram({
      name: 'liqmap_command_duration_seconds',
      help: 'Time from receiving a command to its reply being sent.',
      labelNames: ['command', 'platform'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.renders = new Histogram({
      name: 'liqmap_render_duration_seconds',
      help: 'Time to draw and encode one picture, by kind (map, heatmap).',
      labelNames: ['kind'],
      buckets: RENDER_BUCKETS,
      registers,
    });
    this.cache = new Counter({
      name: 'liqmap_cache_lookups_total',
      help: 'Cache lookups by cache (bars, map, render, file_id) and result (hit, miss).',
      labelNames: ['cache', 'result'],
      registers,
    });
    this.venueRequests = new Counter({
      name: 'liqmap_venue_requests_total',
      help: 'Requests to exchanges by venue, endpoint and outcome.',
      labelNames: ['venue', 'endpoint', 'outcome'],
      registers,
    });
    this.venueErrors = new Counter({
      name: 'liqmap_venue_errors_total',
      help: 'Failed requests to exchanges (any outcome but ok), by venue and endpoint.',
      labelNames: ['venue', 'endpoint'],
      registers,
    });
    this.venueSeconds = new Histogram({
      name: 'liqmap_venue_request_duration_seconds',
      help: 'Time of one request to an exchange.',
      labelNames: ['venue', 'endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.streamUp = new Gauge({ name: 'liqmap_stream_connected', help: 'Liquidation stream connected (1) or not (0), by venue.', labelNames: ['venue'], registers });
    this.streamMessages = new Counter({ name: 'liqmap_stream_messages_total', help: 'Websocket messages received on the liquidation streams, by venue.', labelNames: ['venue'], registers });
    this.streamReconnects = new Counter({ name: 'liqmap_stream_reconnects_total', help: 'Liquidation stream connections reopened after a drop, by venue.', labelNames: ['venue'], registers });
    this.digests = new Counter({ name: 'liqmap_digests_total', help: 'Scheduled digests by result (sent, failed).', labelNames: ['result'], registers });
    this.alerts = new Counter({ name: 'liqmap_alerts_total', help: 'Alert messages by result (sent, failed).', labelNames: ['result'], registers });
    // Zero series exist from the start, so dashboards and rate() see 0 rather than "no data".
    for (const result of ['sent', 'failed']) {
      this.digests.inc({ result }, 0);
      this.alerts.inc({ result }, 0);
    }
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'liqmap_' });
  }

  /** One chat command answered (or refused), with its time from receipt to reply. */
  commandServed(command: string, platform: Platform, outcome: CommandOutcome, seconds?: number): void {
    this.commands.inc({ command, platform, outcome });
    if (seconds !== undefined) this.commandSeconds.observe({ command, platform }, seconds);
  }

  renderSeconds(kind: string, seconds: number): void {
    this.renders.observe({ kind }, seconds);
  }

  cacheLookup(cache: string, hit: boolean): void {
    this.cache.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  cacheHit(cache: string): void {
    this.cacheLookup(cache, true);
  }

  cacheMiss(cache: string): void {
    this.cacheLookup(cache, false);
  }

  /** One request to a venue; anything but `ok` also counts as an error. */
  venueRequest(venue: string, endpoint: string, outcome: VenueOutcome, seconds?: number): void {
    this.venueRequests.inc({ venue, endpoint, outcome });
    if (outcome !== 'ok') this.venueErrors.inc({ venue, endpoint });
    if (seconds !== undefined) this.venueSeconds.observe({ venue, endpoint }, seconds);
  }

  /** A liquidation stream opened (true) or closed (false); Metrics is the streams' StreamObserver. */
  streamConnected(venue: string, up: boolean): void {
    this.streamUp.set({ venue }, up ? 1 : 0);
  }

  streamMessage(venue: string): void {
    this.streamMessages.inc({ venue });
  }

  streamReconnect(venue: string): void {
    this.streamReconnects.inc({ venue });
  }

  digestSent(ok: boolean): void {
    this.digests.inc({ result: ok ? 'sent' : 'failed' });
  }

  alertSent(ok: boolean): void {
    this.alerts.inc({ result: ok ? 'sent' : 'failed' });
  }

  /** The Prometheus text exposition and its content type, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
