import { describe, expect, it } from 'vitest';
import { runController } from '../../../controller/app.js';
import type { BaseStatus, CustomObject, KindSetup } from '../../../controller/index.js';
import { kstatusConditions } from '../../../controller/index.js';

interface DemoSpec {
  readonly target: { readonly region: string };
}
interface DemoStatus extends BaseStatus {
  phase?: 'Pending' | 'Ready';
}

// Compile-time check: a kind typed with its own Spec/Status is a KindSetup.
const setupDemo: KindSetup = (deps) => ({
  kind: 'Demo',
  resource: { group: 'delivery.latticedb.com', version: 'v1alpha1', plural: 'demos' },
  handler: {
    validate: (obj: CustomObject<DemoSpec, DemoStatus>) =>
      obj.spec.target.region === '' ? [{ field: 'spec.target.region', message: 'required' }] : [],
    reconcile: (obj: CustomObject<DemoSpec, DemoStatus>) => {
      const region = obj.spec.target.region || deps.aws.defaultRegion;
      deps.logger.debug({ region }, 'demo');
      return Promise.resolve({
        status: { phase: 'Ready' as const, conditions: kstatusConditions('Ready', 'Ok', '') },
      });
    },
  },
});

describe('runController', () => {
  it('exits 2 with every problem and the usage on bad configuration', async () => {
    let stderr = '';
    const code = await runController({
      argv: ['--workers=0', '--log-level=loud'],
      env: {},
      setups: [setupDemo],
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error: invalid value "0" for --workers: must be an integer from 1 to 100',
    );
    expect(stderr).toContain('error: invalid value "loud" for --log-level');
    expect(stderr).toContain('Usage: latticedb-controller [flags]');
  });

  it('prints the usage and exits 0 on --help', async () => {
    let stdout = '';
    expect(
      await runController({ argv: ['--help'], env: {}, setups: [], stdout: (t) => (stdout += t) }),
    ).toBe(0);
    expect(stdout).toContain('--shutdown-timeout');
  });
});
