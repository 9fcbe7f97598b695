import { describe, expect, it } from 'vitest';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from '../../../controller/workqueue/rate-limiter.js';
import { FakeClock } from './support/fake-clock.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles per failure from 5 ms and caps at 1000 s', () => {
    const rl = new ItemExponentialFailureRateLimiter();
    const delays = Array.from({ length: 20 }, () => rl.when('ns/a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
    expect(rl.numRequeues('ns/a')).toBe(20);
  });

  it('keeps keys independent and resets on forget', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1_000);
    rl.when('a');
    rl.when('a');
    expect(rl.when('b')).toBe(5);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
    expect(rl.when('a')).toBe(5);
  });

  it('does not overflow after very many failures', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    for (let i = 0; i < 2_000; i++) rl.when('k');
    expect(rl.when('k')).toBe(1_000_000);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces calls at 1/qps', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 100, clock);
    const burst = Array.from({ length: 100 }, (_, i) => rl.when(`k${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect([rl.when('x'), rl.when('y'), rl.when('z')]).toEqual([100, 200, 300]);
  });

  it('refills with time, up to the burst', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 5, clock);
    for (let i = 0; i < 5; i++) rl.when('k');
    expect(rl.when('k')).toBe(100);
    clock.advance(60_000);
    const afterRefill = Array.from({ length: 6 }, () => rl.when('k'));
    expect(afterRefill).toEqual([0, 0, 0, 0, 0, 100]);
  });
});

describe('MaxOfRateLimiter / default', () => {
  it('takes the longest delay and forwards forget', () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter(
      new ItemExponentialFailureRateLimiter(5, 1_000_000),
      new BucketRateLimiter(1, 1, clock),
    );
    expect(rl.when('a')).toBe(5); // bucket has its token
    expect(rl.when('a')).toBe(1_000); // bucket empty: 1 s beats 10 ms
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
  });

  it('default limiter is per-item exponential bounded by a 10 qps / 100 burst bucket', () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter({ clock });
    expect([rl.when('a'), rl.when('a'), rl.when('a')]).toEqual([5, 10, 20]);
    for (let i = 0; i < 97; i++) rl.when(`b${i}`);
    expect(rl.when('c')).toBe(100); // 101st call within the same instant
  });
});
