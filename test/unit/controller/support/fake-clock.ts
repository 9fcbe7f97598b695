import type { Clock, MonotonicClock } from '../../../../controller/clock.js';

/** A clock that only moves when told to (as a wall clock and as a monotonic one). */
export class FakeClock implements Clock, MonotonicClock {
  #ms: number;

  constructor(start: Date | string = '2026-11-26T10:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  nowMs(): number {
    return this.#ms;
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(date: Date | string): void {
    this.#ms = new Date(date).getTime();
  }
}
