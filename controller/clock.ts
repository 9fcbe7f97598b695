/**
 * Time is injected: decision logic calls `clock.now()`, never `Date.now()`, so tests can freeze
 * and advance it (a `FakeClock` lives in test/unit/controller/support/fake-clock.ts).
 */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/**
 * Monotonic time in milliseconds, for deadlines and delays: unlike the wall clock it never steps
 * (NTP corrections, a VM resumed), so a step back cannot stretch a deadline.
 */
export interface MonotonicClock {
  nowMs(): number;
}

/** `performance.now()`. */
export const monotonicClock: MonotonicClock = Object.freeze({ nowMs: () => performance.now() });
