// manifests/iam-policy.json grants exactly the AWS actions the controller's code calls: every
// `new XxxCommand(` and `paginateXxx(` in controller/ and reconcilers/ maps to an allowed action
// (service from the @aws-sdk/client-* package it is imported from), and the policy allows nothing
// else except the documented extras below. Adding an AWS call without updating the policy (or
// leaving an action in the policy after its last call is gone) fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** IAM service prefix of each SDK package we depend on. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-rds': 'rds',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
};

/**
 * Actions no SDK call names, needed because of what calls do; each is allowed only while one of
 * the calls that needs it exists.
 */
const EXTRAS: Readonly<
  Record<string, { readonly why: string; readonly neededBy: readonly string[] }>
> = {
  'iam:PassRole': {
    why: 'task definitions and tasks carry task/execution roles that ECS assumes',
    neededBy: ['ecs:RegisterTaskDefinition', 'ecs:RunTask', 'ecs:CreateTaskSet'],
  },
  'rds:AddTagsToResource': {
    why: "RDS authorizes tags given at creation (the restored instance's owner UID) as rds:AddTagsToResource",
    neededBy: ['rds:RestoreDBInstanceFromDBSnapshot'],
  },
  'ecs:TagResource': {
    why: 'ECS authorizes tags given at creation (tag-on-create) as ecs:TagResource',
    neededBy: ['ecs:RegisterTaskDefinition', 'ecs:RunTask', 'ecs:CreateTaskSet'],
  },
};

/** The aggregated clients (`new ECS().describeServices()`) would hide calls from this scan. */
const AGGREGATED_CLIENTS = new Set([
  'ECS',
  'ElasticLoadBalancingV2',
  'CloudWatch',
  'RDS',
  'ECR',
  'Route53',
  'ApplicationAutoScaling',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Usage {
  readonly action: string;
  readonly where: string;
}

/** Every AWS action the code can call, with where it is called. */
function scanAwsCalls(files: readonly string[]): { usages: Usage[]; problems: string[] } {
  const usages: Usage[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    const imported = new Map<string, { readonly name: string; readonly pkg: string }>();
    for (const m of text.matchAll(
      /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(@aws-sdk\/client-[a-z0-9-]+)'/g,
    )) {
      if (m[1] !== undefined) continue; // `import type { ... }`
      for (const spec of (m[2] ?? '').split(',')) {
        if (/^\s*type\s/.test(spec) || spec.trim() === '') continue;
        const [name = '', alias] = spec.trim().split(/\s+as\s+/);
        imported.set(alias ?? name, { name, pkg: m[3] ?? '' });
        if (AGGREGATED_CLIENTS.has(name)) {
          problems.push(`${where}: aggregated client ${name}; send commands instead`);
        }
      }
    }
    if (/import\s+\*\s+as\s+\w+\s+from\s+'@aws-sdk\/client-/.test(text)) {
      problems.push(`${where}: namespace import of an AWS SDK package; import commands by name`);
    }
    for (const [local, { name, pkg }] of imported) {
      const op = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
      if (op === undefined) continue;
      const called = name.endsWith('Command')
        ? new RegExp(`new\\s+${local}\\s*\\(`).test(text)
        : new RegExp(`\\b${local}\\s*\\(`).test(text);
      const prefix = SERVICE_PREFIX[pkg];
      if (!called) continue;
      if (prefix === undefined) problems.push(`${where}: ${pkg} has no IAM prefix in this test`);
      else usages.push({ action: `${prefix}:${op}`, where });
    }
    for (const m of text.matchAll(/new\s+([A-Z]\w*Command)\s*\(/g)) {
      if (!imported.has(m[1] ?? '')) {
        problems.push(
          `${where}: ${m[1]} is not imported by name from a known @aws-sdk/client-* package`,
        );
      }
    }
    if ([...imported.values()].some((i) => i.name.startsWith('waitUntil'))) {
      problems.push(`${where}: SDK waiters call actions this scan cannot see; map them here first`);
    }
  }
  return { usages, problems };
}

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly NotAction?: unknown;
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = JSON.parse(readFileSync(join(ROOT, 'manifests', 'iam-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const allowed = new Map<string, Statement>();
/** Every statement allowing an action (ecs:TagResource has two: tag-on-create, the claim). */
const statementsOf = new Map<string, Statement[]>();
for (const s of policy.Statement) {
  for (const a of typeof s.Action === 'string' ? [s.Action] : s.Action) {
    allowed.set(a, s);
    statementsOf.set(a, [...(statementsOf.get(a) ?? []), s]);
  }
}

const scan = scanAwsCalls([
  ...sourceFiles(join(ROOT, 'controller')),
  ...sourceFiles(join(ROOT, 'reconcilers')),
]);
const used = new Map<string, string[]>();
for (const u of scan.usages) used.set(u.action, [...(used.get(u.action) ?? []), u.where]);

describe('manifests/iam-policy.json', () => {
  it('is a plain allow-list: no wildcards, NotAction or Deny tricks', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.Effect, s.Sid).toBe('Allow');
      expect(s.NotAction, s.Sid).toBeUndefined();
      expect(s.Sid, 'every statement says what it is for').toMatch(/^[A-Za-z0-9]+$/);
    }
    for (const action of allowed.keys()) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  });

  it('the source scan understands every AWS call site', () => {
    expect(scan.problems).toEqual([]);
  });

  it('allows every action the code calls', () => {
    const missing = [...used.entries()]
      .filter(([action]) => !allowed.has(action))
      .map(([action, files]) => `${action} (${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('allows nothing the code does not call, except documented extras still needed', () => {
    const unused = [...allowed.keys()].filter((action) => {
      if (used.has(action)) return false;
      const extra = EXTRAS[action];
      return extra === undefined || !extra.neededBy.some((a) => used.has(a));
    });
    expect(unused).toEqual([]);
  });

  it('limits the extras with conditions', () => {
    const passRole = allowed.get('iam:PassRole');
    if (passRole !== undefined) {
      expect(passRole.Condition?.StringEquals?.['iam:PassedToService']).toBe(
        'ecs-tasks.amazonaws.com',
      );
    }
    // ecs:TagResource (and UntagResource) either only with a create call, or only on services and
    // only the Release claim's tag key (reconcilers/release/plan/claim.ts).
    for (const action of ['ecs:TagResource', 'ecs:UntagResource']) {
      for (const s of statementsOf.get(action) ?? []) {
        const actions = s.Condition?.StringEquals?.['ecs:CreateAction'];
        if (actions !== undefined) {
          for (const a of [actions].flat()) expect(used.has(`ecs:${a}`), a).toBe(true);
          continue;
        }
        expect(s.Resource, s.Sid).toBe('arn:aws:ecs:*:*:service/*');
        expect(s.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys'], s.Sid).toEqual([
          'delivery.latticedb.com/release',
        ]);
      }
    }
  });

  it('reads its own source correctly', () => {
    // A synthetic file exercises the parser: aliases, type-only imports and paginators.
    const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const { usages, problems } = scanAwsCalls([join(dir, 'aws-calls.ts.txt')]);
    expect(usages.map((u) => u.action).sort()).toEqual([
      'cloudwatch:GetMetricData',
      'ecs:DescribeServices',
      'ecs:ListTasks',
    ]);
    expect(problems).toEqual([
      'test/unit/deploy/fixtures/aws-calls.ts.txt: aggregated client RDS; send commands instead',
      'test/unit/deploy/fixtures/aws-calls.ts.txt: StopTaskCommand is not imported by name from a known @aws-sdk/client-* package',
    ]);
  });
});
