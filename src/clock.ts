// Time as a dependency: services take a Clock, so tests control time and nothing deep inside calls Date.now().

export interface Clock {
  /** Unix ms. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
