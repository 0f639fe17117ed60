// The one port a chat platform implements. src/main.ts starts a list of them and stops them in order;
// commands reach the runtime through CommandRuntime.handle (parse → limit → authorize → price →
// acknowledge → run → reply), digests and alerts through `send`. Destinations are encoded and decoded
// in one place for every platform: ./destination.ts.
import type { DestinationSender } from './command.js';
import type { Platform } from './caller.js';

export interface PlatformHealth {
  ready: boolean;
  /** Why not, for /healthz (e.g. "Bot API failing since …: socket hang up"). */
  reason?: string;
}

export interface PlatformAdapter extends DestinationSender {
  readonly platform: Platform;
  /**
   * Connects (gateway, polling) or mounts its route (webhook, interactions endpoint) and starts taking
   * commands; resolves once ready. A platform that refuses (bad token) or cannot be reached rejects.
   * Aborting the signal (a stop during start-up) ends a start in progress promptly.
   */
  start(signal: AbortSignal): Promise<void>;
  /** For /healthz: taking commands, and the platform's API answering. */
  health(): PlatformHealth | Promise<PlatformHealth>;
  /**
   * Stops taking commands and waits for the answers in flight, at most until `deadlineMs` (Unix ms):
   * then what is still retrying is given up. Sending to destinations still works afterwards.
   */
  drain(deadlineMs: number): Promise<void>;
  /** Closes connections and timers: afterwards nothing of the adapter holds the process open. */
  stop(): Promise<void>;
}
