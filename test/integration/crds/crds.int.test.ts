// The generated CRDs on the real kube-apiserver: they establish, the examples are accepted, every
// bad manifest of the table is refused at admission naming its field, and `kubectl get` shows the
// printer columns.
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { FailoverPlanKind } from '../../../reconcilers/failoverplan/api.js';
import { FlagRolloutKind } from '../../../reconcilers/flagrollout/api.js';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { ScalePolicyKind } from '../../../reconcilers/scalepolicy/api.js';
import type { KindDescriptor } from '../../../reconcilers/shared/api/kind.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  kubectl,
  uniqueName,
} from '../../env/fixtures.js';
import { tableRow } from '../../env/kubectl-table.js';
import { BAD_MANIFESTS, badResource } from './bad-manifests.js';
import { EXAMPLES_DIR, example, loadExamples, type ExampleResource } from './examples.js';

const KINDS: Record<ExampleResource['kind'], KindDescriptor> = {
  Release: ReleaseKind,
  FlagRollout: FlagRolloutKind,
  ScalePolicy: ScalePolicyKind,
  FailoverPlan: FailoverPlanKind,
};

const CRD_FILES = Object.values(KINDS).map((k) =>
  fileURLToPath(new URL(`../../../crds/${k.plural}.${k.group}.yaml`, import.meta.url)),
);

let namespace: string;
let custom: CustomObjectsApi;

beforeAll(async () => {
  await applyCrdFiles(CRD_FILES);
  namespace = await createTestNamespace('crds');
  custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
});

function target(resource: ExampleResource) {
  const { group, version, plural } = KINDS[resource.kind];
  return { group, version, plural, namespace };
}

async function create(resource: ExampleResource, name: string, dryRun: boolean): Promise<unknown> {
  const body = { ...resource, file: undefined, metadata: { name } };
  return custom.createNamespacedCustomObject({
    ...target(resource),
    body,
    fieldValidation: 'Strict',
    ...(dryRun ? { dryRun: 'All' } : {}),
  });
}

interface Refusal {
  readonly code?: number;
  readonly message: string;
  readonly fields: readonly string[];
}

async function refusal(attempt: Promise<unknown>): Promise<Refusal> {
  const err: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('the apiserver accepted it');
  const { code, body } = err as { code?: number; body?: unknown };
  const status = JSON.parse(String(body)) as {
    message?: string;
    details?: { causes?: { field?: string }[] };
  };
  const fields = (status.details?.causes ?? []).flatMap((c) => (c.field ? [c.field] : []));
  return { code, message: status.message ?? '', fields };
}

describe('CRDs', () => {
  it('are all Established, in the latticedb category', async () => {
    const { stdout } = await kubectl([
      'api-resources',
      '--api-group=delivery.latticedb.com',
      '--categories=latticedb',
      '-o',
      'name',
    ]);
    expect(stdout.trim().split('\n').sort()).toEqual(
      Object.values(KINDS)
        .map((k) => `${k.plural}.${k.group}`)
        .sort(),
    );
  });

  it('accept every example (strict field validation), with defaults applied', async () => {
    for (const resource of loadExamples()) {
      await create(resource, resource.metadata.name, false);
    }
    const { stdout } = await kubectl(['get', 'latticedb', '-n', namespace, '-o', 'name']);
    expect(stdout.trim().split('\n')).toHaveLength(loadExamples().length);
    const stored = (await custom.getNamespacedCustomObject({
      ...target(example('release-canary')),
      name: 'latticedb-production',
    })) as { spec: { suspend?: boolean; checks: { postDeployment: unknown } } };
    expect(stored.spec.suspend).toBe(false);
  });

  it('`kubectl apply -f manifests/examples/` applies every example (the documented command)', async () => {
    const ns = await createTestNamespace('examples-dir');
    const applied = await kubectl(['apply', '-n', ns, '-f', EXAMPLES_DIR]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim().split('\n')).toHaveLength(loadExamples().length);
    const { stdout } = await kubectl(['get', 'latticedb', '-n', ns, '-o', 'name']);
    expect(stdout.trim().split('\n')).toHaveLength(loadExamples().length);
  });
});

describe('bad manifests are refused at admission, naming the field', () => {
  it.each(BAD_MANIFESTS.map((bad) => [bad.title, bad] as const))('%s', async (_title, bad) => {
    const resource = badResource(bad);
    let attempt: Promise<unknown>;
    if (bad.update) {
      const name = uniqueName('update');
      const created = (await create(example(bad.base), name, false)) as {
        metadata: { resourceVersion: string };
      };
      const { resourceVersion } = created.metadata;
      attempt = custom.replaceNamespacedCustomObject({
        ...target(resource),
        name,
        body: { ...resource, file: undefined, metadata: { name, resourceVersion } },
        fieldValidation: 'Strict',
        dryRun: 'All',
      });
    } else {
      attempt = create(resource, uniqueName('bad'), true);
    }
    const refused = await refusal(attempt);
    expect(refused.message).toContain(bad.field);
    const named =
      refused.fields.includes(bad.field) ||
      refused.message.includes(`unknown field "${bad.field}"`);
    expect(named, `${refused.message} (causes: ${refused.fields.join(', ')})`).toBe(true);
  });
});

describe('pattern errors explain themselves', () => {
  it.each([
    [
      'spec.image',
      { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/latticedb' },
      'must be an image reference with a tag or a digest',
    ],
  ])(
    '%s: kubectl apply says what is expected, not the regular expression',
    async (field, set, expected) => {
      const resource = example('release-canary');
      const body = {
        ...resource,
        file: undefined,
        metadata: { name: uniqueName('pattern') },
        spec: { ...resource.spec, ...set },
      };
      const refused = await kubectl(['apply', '--dry-run=server', '-n', namespace, '-f', '-'], {
        input: JSON.stringify(body),
        check: false,
      });
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain(`${field}: Invalid value`);
      expect(refused.stderr).toContain(expected);
      expect(refused.stderr).not.toContain('should match');
      expect(refused.stderr).not.toContain('[a-z0-9]+');
    },
  );

  it('an ALB listener ARN of the wrong kind names the expected shape', async () => {
    const resource = example('release-canary') as ExampleResource & {
      spec: { strategy: { canary: { trafficRouting: { alb: Record<string, string> } } } };
    };
    const alb = resource.spec.strategy.canary.trafficRouting.alb;
    const spec = structuredClone(resource.spec);
    spec.strategy.canary.trafficRouting.alb = {
      ...alb,
      listenerArn:
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/50dc6c495c0c9188',
    };
    const refused = await refusal(create({ ...resource, spec }, uniqueName('arn'), true));
    expect(refused.message).toContain('must be an ALB listener ARN, arn:aws:elasticloadbalancing:');
    expect(refused.message).not.toContain('should match');
  });
});

describe('kubectl get shows the printer columns', () => {
  const now = '2026-11-26T10:00:00Z';
  const ready = [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Progressing',
      message: '',
      lastTransitionTime: now,
      observedGeneration: 1,
    },
  ];

  async function withStatus(file: string, status: Record<string, unknown>): Promise<string> {
    const resource = example(file);
    const name = uniqueName(file);
    await create(resource, name, false);
    const stored = (await custom.getNamespacedCustomObject({
      ...target(resource),
      name,
    })) as object;
    await custom.replaceNamespacedCustomObjectStatus({
      ...target(resource),
      name,
      body: { ...stored, status },
    });
    return name;
  }

  async function table(plural: string, name: string, wide = false): Promise<string[][]> {
    const args = ['get', plural, name, '-n', namespace, ...(wide ? ['-o', 'wide'] : [])];
    const { stdout } = await kubectl(args);
    return stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/));
  }

  it('releases: PHASE STRATEGY STEP WEIGHT IMAGE REVISION READY REASON AGE (STABLE MESSAGE with -o wide)', async () => {
    const name = await withStatus('release-canary', {
      observedGeneration: 1,
      phase: 'Progressing',
      message: 'step 3/7: setting weight 15',
      strategy: 'Canary',
      attempt: { currentStepIndex: 2, stepCount: 7, step: '3/7' },
      currentWeight: 15,
      imageTag: 'v2.1.0',
      revision: { number: 3, specHash: 'h3', image: 'latticedb:v2.1.0' },
      stableRevision: { number: 2, specHash: 'h2', image: 'latticedb:v2.0.9' },
      conditions: ready,
    });
    const row = tableRow((await kubectl(['get', 'releases', name, '-n', namespace])).stdout);
    expect(Object.keys(row)).toEqual([
      'NAME',
      'PHASE',
      'STRATEGY',
      'STEP',
      'WEIGHT',
      'IMAGE',
      'REVISION',
      'READY',
      'REASON',
      'AGE',
    ]);
    expect(row).toMatchObject({
      NAME: name,
      PHASE: 'Progressing',
      STRATEGY: 'Canary',
      STEP: '3/7',
      WEIGHT: '15',
      IMAGE: 'v2.1.0',
      REVISION: '3',
      READY: 'True',
      REASON: 'Progressing',
    });
    const wide = tableRow(
      (await kubectl(['get', 'releases', name, '-n', namespace, '-o', 'wide'])).stdout,
    );
    expect(wide).toMatchObject({ STABLE: '2', MESSAGE: 'step 3/7: setting weight 15' });
  });

  it('releases: a status written before status.attempt keeps its top-level attempt fields (not pruned)', async () => {
    // The controller moves them into attempt on its next reconcile (plan/upgrade.ts); pruned by
    // the API server, the attempt of a Release paused or mid-canary would be lost in the upgrade.
    const legacy = {
      phase: 'Paused',
      stage: 'Steps',
      currentStepIndex: 2,
      stepCount: 7,
      step: '3/7',
      currentWeight: 15,
      pause: { reason: 'StepPaused', since: '2026-11-27T10:00:00Z' },
      promotedGate: 1,
      revision: { number: 3, specHash: 'h3', image: 'latticedb:v2.1.0' },
    };
    const name = await withStatus('release-canary', legacy);
    const stored = (await custom.getNamespacedCustomObject({
      ...target(example('release-canary')),
      name,
    })) as { status?: Record<string, unknown> };
    expect(stored.status).toMatchObject(legacy);
  });

  it('flagrollouts: FLAG PHASE PERCENT STEP NEXT READY REASON AGE (MESSAGE with -o wide)', async () => {
    const name = await withStatus('flagrollout-new-query-optimizer', {
      phase: 'Holding',
      currentStep: 1,
      step: '2/5',
      percentage: 5.25,
      nextStepAt: '2026-11-27T10:00:00Z',
      conditions: ready,
    });
    const row = tableRow((await kubectl(['get', 'fr', name, '-n', namespace])).stdout);
    expect(Object.keys(row)).toEqual([
      'NAME',
      'FLAG',
      'PHASE',
      'PERCENT',
      'STEP',
      'NEXT',
      'READY',
      'REASON',
      'AGE',
    ]);
    expect(row).toMatchObject({
      NAME: name,
      FLAG: 'new_query_optimizer',
      PHASE: 'Holding',
      PERCENT: '5.25',
      STEP: '2/5',
      NEXT: '2026-11-27T10:00:00Z',
      READY: 'True',
      REASON: 'Progressing',
    });
  });

  it('scalepolicies: SERVICE DESIRED RUNNING MIN MAX PHASE READY REASON AGE', async () => {
    const name = await withStatus('scalepolicy-gradual', {
      phase: 'ScalingDown',
      desired: 6,
      running: 8,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ScalingDown',
          message: 'desiredCount 8 → 6',
          lastTransitionTime: '2026-12-06T10:00:00Z',
        },
      ],
    });
    const [header, row] = await table('sp', name);
    expect(header).toEqual([
      'NAME',
      'SERVICE',
      'DESIRED',
      'RUNNING',
      'MIN',
      'MAX',
      'PHASE',
      'READY',
      'REASON',
      'AGE',
    ]);
    expect(row?.slice(0, 9)).toEqual([
      name,
      'latticedb-service-production',
      '6',
      '8',
      '3',
      '10',
      'ScalingDown',
      'False',
      'ScalingDown',
    ]);
  });

  it('failoverplans: ACTIVE STANDBY-READY PHASE LAST-RTO-SECONDS READY REASON AGE', async () => {
    const name = await withStatus('failoverplan-regional-dr', {
      phase: 'FailedOver',
      activeRegion: 'us-west-2',
      standbyReady: true,
      lastFailover: { from: 'us-east-1', to: 'us-west-2', startedAt: now, rtoSeconds: 94 },
      conditions: ready,
    });
    const row = tableRow((await kubectl(['get', 'fp', name, '-n', namespace])).stdout);
    expect(Object.keys(row)).toEqual([
      'NAME',
      'ACTIVE',
      'STANDBY-READY',
      'PHASE',
      'LAST-RTO-SECONDS',
      'READY',
      'REASON',
      'AGE',
    ]);
    expect(row).toMatchObject({
      NAME: name,
      ACTIVE: 'us-west-2',
      'STANDBY-READY': 'true',
      PHASE: 'FailedOver',
      'LAST-RTO-SECONDS': '94',
      READY: 'True',
      REASON: 'Progressing',
    });
  });

  it('`kubectl get latticedb -A` shows READY for Release, FlagRollout and FailoverPlan without -o wide', async () => {
    const { stdout } = await kubectl(['get', 'latticedb', '-A']);
    // One table per kind, separated by blank lines; each names its kind in the NAME column.
    const tables = stdout.trim().split(/\n\s*\n/);
    const headers = new Map(
      tables.map((t) => {
        const first = tableRow(t);
        const kind = (first.NAME ?? '').split('/')[0] ?? '';
        return [kind, Object.keys(first)] as const;
      }),
    );
    for (const kind of [
      'release.delivery.latticedb.com',
      'flagrollout.delivery.latticedb.com',
      'failoverplan.delivery.latticedb.com',
    ]) {
      expect(headers.get(kind), kind).toEqual(expect.arrayContaining(['READY', 'REASON']));
    }
  });

  it('the status subresource validates status too', async () => {
    const resource = example('release-canary');
    const name = uniqueName('status');
    await create(resource, name, false);
    const stored = (await custom.getNamespacedCustomObject({
      ...target(resource),
      name,
    })) as object;
    const refused = await refusal(
      custom.replaceNamespacedCustomObjectStatus({
        ...target(resource),
        name,
        body: { ...stored, status: { currentWeight: 101, phase: 'Sleeping' } },
      }),
    );
    expect(refused.fields).toEqual(
      expect.arrayContaining(['status.currentWeight', 'status.phase']),
    );
  });
});

describe('waiting in CI the kstatus way (README "Waiting for a rollout in CI")', () => {
  it('ends at a rollback (Stalled), not at the timeout, and Ready tells the job it failed', async () => {
    const resource = example('release-canary');
    const name = uniqueName('wait');
    await create(resource, name, false);
    const ref = `release/${name}`;
    const writeStatus = async (status: Record<string, unknown>): Promise<void> => {
      const stored = (await custom.getNamespacedCustomObject({
        ...target(resource),
        name,
      })) as object;
      await custom.replaceNamespacedCustomObjectStatus({
        ...target(resource),
        name,
        body: { ...stored, status },
      });
    };
    const trio = (state: 'Reconciling' | 'Stalled', reason: string) =>
      (['Ready', 'Reconciling', 'Stalled'] as const).map((type) => ({
        type,
        status: type === state ? 'True' : 'False',
        reason,
        message: '',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        observedGeneration: 1,
      }));

    const gen = (
      await kubectl(['get', ref, '-n', namespace, '-o', 'jsonpath={.metadata.generation}'])
    ).stdout;
    expect(gen).toBe('1');
    // 1. until the controller has seen this spec
    const seen = kubectl([
      'wait',
      ref,
      '-n',
      namespace,
      `--for=jsonpath={.status.observedGeneration}=${gen}`,
      '--timeout=60s',
    ]);
    await writeStatus({
      observedGeneration: 1,
      phase: 'Progressing',
      conditions: trio('Reconciling', 'Progressing'),
    });
    expect((await seen).exitCode).toBe(0);

    // 2. until it stops reconciling, Ready or Stalled
    let finished = false;
    const stopped = kubectl([
      'wait',
      ref,
      '-n',
      namespace,
      '--for=condition=Reconciling=False',
      '--timeout=120s',
    ]).finally(() => (finished = true));
    // Still progressing: the wait holds (a wait that returned here would be the bug).
    await writeStatus({
      observedGeneration: 1,
      phase: 'Progressing',
      message: 'step 2/7: weight 15',
      conditions: trio('Reconciling', 'Progressing'),
    });
    expect(finished).toBe(false);
    await writeStatus({
      observedGeneration: 1,
      phase: 'RolledBack',
      message: 'analysis failed: error-rate 7.0 % > 5 %',
      conditions: trio('Stalled', 'AnalysisFailed'),
    });
    expect((await stopped).exitCode).toBe(0);

    // 3. Ready says how it ended.
    const ready = await kubectl([
      'get',
      ref,
      '-n',
      namespace,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.phase}',
    ]);
    expect(ready.stdout).toBe('False RolledBack');
  });
});
