import { describe, expect, it } from 'vitest';
import { ensurePrerequisites, onPath } from '../../env/prerequisites.js';

const noop = (): void => undefined;

describe('ensurePrerequisites', () => {
  it('does nothing when the servers are on PATH or not needed', () => {
    const env = { ...process.env, LATTICEDB_AUTO_INSTALL: 'false' };
    expect(() => {
      ensurePrerequisites({ redis: false, moto: false }, { PATH: '/nonexistent' }, noop);
    }).not.toThrow();
    if (onPath('redis-server') && onPath('moto_server')) {
      expect(() => {
        ensurePrerequisites({ redis: true, moto: true }, env, noop);
      }).not.toThrow();
    }
  });

  it('names the install command when a server is missing and installing is not allowed', () => {
    const env = { PATH: '/nonexistent', LATTICEDB_AUTO_INSTALL: 'false' };
    expect(() => {
      ensurePrerequisites({ redis: true, moto: false }, env, noop);
    }).toThrow(/redis-server is not installed; install it with: apt-get update && apt-get install/);
    expect(() => {
      ensurePrerequisites({ redis: false, moto: true }, env, noop);
    }).toThrow(
      /moto_server is not installed; install it with: python3 -m pip install 'moto\[server\]==5\.2\.1'/,
    );
  });
});
