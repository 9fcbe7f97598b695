// Task-definition operations of the ECS adapter: describe, register a derived revision (only the
// named container changes), and find a revision by tags for crash-safe reuse.
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { ContainerChange, TaskDefinitionSummary } from '../../ports/ecs.js';
import { containerNotInTaskDefinition } from './ecs-errors.js';
import { toTagRecord, toTaskDefinitionSummary } from './ecs-mapping.js';

/** Everything RegisterTaskDefinition accepts besides family, containers and tags. */
const COPIED_FIELDS = [
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput & keyof TaskDefinition)[];

/** How many of a family's newest revisions `findByTags` inspects. */
export const TAG_SEARCH_DEPTH = 20;
const PARALLEL_DESCRIBES = 5;

export interface DescribedTaskDefinition {
  readonly taskDefinition: TaskDefinition;
  readonly tags: Tag[];
}

/**
 * Described task-definition revisions by region and ARN. A revision's content never changes, so
 * the base a registration derives from, or the revision checked before it runs, is read once.
 */
export class TaskDefinitionCache {
  readonly #entries = new Map<string, Promise<DescribedTaskDefinition>>();
  readonly #max: number;

  constructor(max = 200) {
    this.#max = max;
  }

  describe(ecs: ECSClient, region: string, arnOrFamily: string): Promise<DescribedTaskDefinition> {
    // A family name (or family without revision) names whatever is newest: never cached.
    if (!/:\d+$/.test(arnOrFamily)) return describeTaskDefinitionRaw(ecs, arnOrFamily);
    const key = `${region}/${arnOrFamily}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const read = describeTaskDefinitionRaw(ecs, arnOrFamily);
    this.#entries.set(key, read);
    read.catch(() => this.#entries.delete(key));
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return read;
  }
}

export async function describeTaskDefinitionRaw(
  ecs: ECSClient,
  arnOrFamily: string,
): Promise<DescribedTaskDefinition> {
  const out = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arnOrFamily, include: ['TAGS'] }),
  );
  if (out.taskDefinition === undefined) {
    throw new Error(`DescribeTaskDefinition returned no task definition for ${arnOrFamily}`);
  }
  return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
}

export async function describeTaskDefinition(
  ecs: ECSClient,
  arnOrFamily: string,
  describe: (arn: string) => Promise<DescribedTaskDefinition> = (arn) =>
    describeTaskDefinitionRaw(ecs, arn),
): Promise<TaskDefinitionSummary> {
  const { taskDefinition, tags } = await describe(arnOrFamily);
  return toTaskDefinitionSummary(taskDefinition, tags);
}

export async function registerDerivedTaskDefinition(
  ecs: ECSClient,
  base: string,
  change: ContainerChange,
  tags: Readonly<Record<string, string>>,
  describe: (arn: string) => Promise<DescribedTaskDefinition> = (arn) =>
    describeTaskDefinitionRaw(ecs, arn),
): Promise<TaskDefinitionSummary> {
  const { taskDefinition: td, tags: baseTags } = await describe(base);
  const input = derivedRegistration(td, baseTags, change, tags);
  const out = await ecs.send(new RegisterTaskDefinitionCommand(input));
  if (out.taskDefinition === undefined) {
    throw new Error(`RegisterTaskDefinition returned no task definition for ${input.family ?? ''}`);
  }
  return toTaskDefinitionSummary(out.taskDefinition, out.tags ?? input.tags);
}

/** The registration input: `td` copied field by field, one container changed, tags merged. */
export function derivedRegistration(
  td: TaskDefinition,
  baseTags: readonly Tag[],
  change: ContainerChange,
  tags: Readonly<Record<string, string>>,
): RegisterTaskDefinitionCommandInput {
  const containers = td.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === change.container)) {
    throw containerNotInTaskDefinition(change.container, td.taskDefinitionArn ?? '');
  }
  const input: RegisterTaskDefinitionCommandInput = {
    family: td.family,
    containerDefinitions: containers.map((c) =>
      c.name === change.container ? changedContainer(c, change) : c,
    ),
  };
  for (const field of COPIED_FIELDS) {
    if (td[field] !== undefined) Object.assign(input, { [field]: td[field] });
  }
  // `aws:`-prefixed tags are reserved: AWS sets them and refuses them on registration.
  const merged = { ...toTagRecord(baseTags), ...tags };
  const tagList = Object.entries(merged)
    .filter(([key]) => !key.startsWith('aws:'))
    .map(([key, value]) => ({ key, value }));
  if (tagList.length > 0) input.tags = tagList;
  return input;
}

function changedContainer(c: ContainerDefinition, change: ContainerChange): ContainerDefinition {
  return {
    ...c,
    image: change.image,
    ...(change.environment === undefined
      ? {}
      : {
          environment: Object.entries(change.environment)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]) => ({ name, value })),
        }),
    ...(change.secrets === undefined
      ? {}
      : { secrets: change.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })) }),
  };
}

export async function findTaskDefinitionByTags(
  ecs: ECSClient,
  family: string,
  tags: Readonly<Record<string, string>>,
  depth = TAG_SEARCH_DEPTH,
): Promise<TaskDefinitionSummary | undefined> {
  const out = await ecs.send(
    new ListTaskDefinitionsCommand({
      familyPrefix: family,
      status: 'ACTIVE',
      sort: 'DESC',
      maxResults: depth,
    }),
  );
  // moto ignores sort and maxResults, and familyPrefix is a full family name on AWS too: order
  // and bound here.
  const newest = (out.taskDefinitionArns ?? [])
    .map((arn) => ({ arn, revision: revisionOf(arn, family) }))
    .filter((r): r is { arn: string; revision: number } => r.revision !== undefined)
    .sort((a, b) => b.revision - a.revision)
    .slice(0, depth);
  for (let i = 0; i < newest.length; i += PARALLEL_DESCRIBES) {
    const chunk = newest.slice(i, i + PARALLEL_DESCRIBES);
    const described = await Promise.all(chunk.map((r) => describeTaskDefinitionRaw(ecs, r.arn)));
    const match = described.find(({ tags: have }) => {
      const record = toTagRecord(have);
      return Object.entries(tags).every(([k, v]) => record[k] === v);
    });
    if (match !== undefined) return toTaskDefinitionSummary(match.taskDefinition, match.tags);
  }
  return undefined;
}

function revisionOf(arn: string, family: string): number | undefined {
  const m = /:task-definition\/([^:]+):(\d+)$/.exec(arn);
  return m?.[1] === family ? Number(m[2]) : undefined;
}
