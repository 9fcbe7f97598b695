import type { Clock } from '../../../../controller/clock.js';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(start: Date | string = '2026-11-26T10:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(date: Date | string): void {
    this.#ms = new Date(date).getTime();
  }
}
