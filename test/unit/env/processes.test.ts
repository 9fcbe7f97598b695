import { describe, expect, it } from 'vitest';
import { withoutUrlPasswords } from '../../env/processes.js';

describe('withoutUrlPasswords (the log line a spawned process starts with)', () => {
  it.each([
    ['--redis-url=redis://:s3cret@127.0.0.1:6379', '--redis-url=redis://:***@127.0.0.1:6379'],
    ['rediss://user:p%40ss@h:6380/0 --x', 'rediss://user:***@h:6380/0 --x'],
    ['a redis://:one@h b https://u:two@host/p', 'a redis://:***@h b https://u:***@host/p'],
  ])('%s', (line, masked) => {
    expect(withoutUrlPasswords(line)).toBe(masked);
  });

  it.each([
    '--aws-endpoint-url=http://127.0.0.1:4566',
    'redis://127.0.0.1:6379',
    'http://host:8080/path?x=a:b@c',
  ])('leaves %s as it is', (line) => {
    expect(withoutUrlPasswords(line)).toBe(line);
  });
});
