/**
 * Time is injected: decision logic calls `clock.now()`, never `Date.now()`, so tests can freeze
 * and advance it (a `FakeClock` lives in test/unit/controller/support/fake-clock.ts).
 */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });
