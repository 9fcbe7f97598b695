// Pure views of one object for `kubectl latticedb`: the tree `get` prints, the verdict `status`
// waits for, and the value an operator action annotates. No I/O here (unit-tested on objects the
// controller wrote, test/gitops/fixtures/).

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface HistoryEntry {
  time: string;
  from?: string;
  to: string;
  reason: string;
  message?: string;
}
export interface LatticeObject {
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & {
    phase?: string;
    message?: string;
    observedGeneration?: number;
    conditions?: Condition[];
    history?: HistoryEntry[];
  };
}

export const RELEASE_ACTIONS = ['promote', 'approve', 'abort', 'retry', 'rollback'] as const;
export type ReleaseAction = (typeof RELEASE_ACTIONS)[number];

const TERMINAL = new Set(['RolledBack', 'Aborted', 'Failed', 'Frozen']);

export type Verdict =
  | { readonly state: 'healthy'; readonly message: string }
  | { readonly state: 'failed'; readonly message: string }
  | { readonly state: 'progressing'; readonly message: string };

const condition = (o: LatticeObject, type: string): Condition | undefined =>
  o.status?.conditions?.find((c) => c.type === type);

/**
 * For CI: healthy when the controller has seen this generation and says Ready; failed as soon as
 * the revision ended badly (rolled back, aborted, failed, frozen) or the object is Stalled;
 * otherwise progressing (including a wait for a person: it may still end well).
 */
export function verdictOf(o: LatticeObject): Verdict {
  const s = o.status;
  const phase = s?.phase ?? 'Pending';
  if (s?.observedGeneration === undefined || s.observedGeneration !== o.metadata.generation) {
    return { state: 'progressing', message: 'waiting for the controller to see the new spec' };
  }
  const stalled = condition(o, 'Stalled');
  if (TERMINAL.has(phase) || stalled?.status === 'True') {
    return { state: 'failed', message: `${phase}: ${s.message ?? stalled?.message ?? ''}` };
  }
  if (condition(o, 'Ready')?.status === 'True') {
    return { state: 'healthy', message: `${phase}: ${s.message ?? ''}` };
  }
  return { state: 'progressing', message: `${phase}: ${s.message ?? ''}` };
}

/**
 * The annotation value for `action` on the Release's current revision: `<n>`, or when that was
 * used already (`status.actions.<action>`) the next suffix, `<n>.2`, `<n>.3`, … (the controller
 * handles a value once).
 */
export function actionValue(o: LatticeObject, action: ReleaseAction): string {
  const revision = (o.status?.revision as { number?: number } | undefined)?.number;
  if (revision === undefined) throw new Error('the Release has no revision yet');
  const n = String(revision);
  const last = (o.status?.actions as Record<string, string> | undefined)?.[action];
  const [rev, suffix] = (last ?? '').split(/\.(.*)/s);
  if (last === undefined || rev !== n) return n;
  return suffix !== undefined && /^\d{1,6}$/.test(suffix) ? `${n}.${Number(suffix) + 1}` : `${n}.2`;
}

const sameEntry = (a: HistoryEntry, b: HistoryEntry): boolean =>
  a.time === b.time &&
  a.from === b.from &&
  a.to === b.to &&
  a.reason === b.reason &&
  a.message === b.message;

/**
 * The entries of `after` (status.history now) that were not in `before` (read before the action
 * was written). History is bounded (the oldest entries drop off once it is full), so its length
 * says nothing: the new entries are those after the newest entry of `before`, found by content;
 * when that entry has dropped off, every entry now is newer than it.
 */
export function newTransitions(
  before: readonly HistoryEntry[],
  after: readonly HistoryEntry[],
): HistoryEntry[] {
  const last = before.at(-1);
  if (last === undefined) return [...after];
  const i = after.findLastIndex((e) => sameEntry(e, last));
  return after.slice(i + 1);
}

/** The action `value` the controller handled and ignored (`status.actions.lastIgnored`): why. */
export function ignoredBecause(
  o: LatticeObject,
  action: ReleaseAction,
  value: string,
): string | undefined {
  const ignored = (
    o.status?.actions as
      { lastIgnored?: { annotation?: string; value?: string; message?: string } } | undefined
  )?.lastIgnored;
  const annotation = `delivery.latticedb.com/${action}`;
  if (ignored?.annotation !== annotation || ignored.value !== value.slice(0, 128)) return undefined;
  const message = ignored.message ?? '';
  // The controller's message starts with `<annotation>=<value> ignored: `; the rest is why.
  const prefix = `${annotation}=${value} ignored: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

export const ACTION_EFFECT: Record<ReleaseAction, string> = {
  promote: 'skips the current pause or analysis gate',
  approve: 'lets a blue/green revision switch traffic',
  abort: 'rolls the revision back and marks it Aborted',
  retry: 'starts a rolled-back, aborted, failed or frozen revision again (or unpins a rollback)',
  rollback: 'returns traffic to the stable revision (from Healthy: ships the previous one)',
};

interface Node {
  readonly label: string;
  readonly children?: readonly Node[];
}

const str = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

function releaseNodes(s: Record<string, unknown>): Node[] {
  const nodes: Node[] = [];
  const rev = s.revision as
    { number: number; image?: string; taskDefinitionArn?: string; taskSetArn?: string } | undefined;
  if (rev !== undefined) {
    nodes.push({
      label: `revision ${rev.number}  ${rev.image ?? ''}`.trimEnd(),
      children: [
        ...(rev.taskDefinitionArn ? [{ label: `task definition ${rev.taskDefinitionArn}` }] : []),
        ...(rev.taskSetArn ? [{ label: `task set ${rev.taskSetArn}` }] : []),
      ],
    });
  }
  const stable = s.stableRevision as { number: number; image?: string } | undefined;
  if (stable !== undefined)
    nodes.push({ label: `stable revision ${stable.number}  ${stable.image ?? ''}`.trimEnd() });
  // The current attempt's steps, holds, checks and outcome; a status the controller wrote before
  // `status.attempt` (not reconciled since the upgrade) has them at the top level.
  const a = (s.attempt as Record<string, unknown> | undefined) ?? s;
  const traffic: string[] = [];
  if (a.step !== undefined) traffic.push(`step ${str(a.step)}`);
  if (s.currentWeight !== undefined)
    traffic.push(`canary ${str(s.currentWeight)}% / stable ${100 - Number(s.currentWeight)}%`);
  if (s.stage !== undefined) traffic.push(`stage ${str(s.stage)}`);
  if (traffic.length > 0) nodes.push({ label: traffic.join('  ') });
  const pause = a.pause as { reason: string; since: string } | undefined;
  if (pause !== undefined) nodes.push({ label: `paused: ${pause.reason} since ${pause.since}` });
  const analysis = a.analysis as
    | {
        step?: number;
        verdict?: string;
        results?: {
          metric: string;
          verdict?: string;
          successful: number;
          failed: number;
          inconclusive: number;
        }[];
      }
    | undefined;
  if (analysis !== undefined) {
    // status.attempt.analysis.step is an index from 0; steps are shown from 1 (as STEP and
    // status.attempt.step do), of stepCount when known.
    const of = a.stepCount === undefined ? '' : `/${str(a.stepCount)}`;
    nodes.push({
      label: `analysis${analysis.step === undefined ? '' : ` (step ${analysis.step + 1}${of})`}: ${analysis.verdict ?? 'Running'}`,
      children: (analysis.results ?? []).map((r) => ({
        label: `${r.metric}: ${r.verdict ?? 'no verdict yet'} (${r.successful} ok, ${r.failed} failed, ${r.inconclusive} inconclusive)`,
      })),
    });
  }
  const smoke = a.smoke as
    { phase?: string; results?: { name: string; outcome: string }[] } | undefined;
  if (smoke !== undefined) {
    nodes.push({
      label: `smoke tests ${smoke.phase ?? ''}`.trimEnd(),
      children: (smoke.results ?? []).map((r) => ({ label: `${r.name}: ${r.outcome}` })),
    });
  }
  const retiring = s.retiring as { taskSetArn: string; deleteAt?: string } | undefined;
  if (retiring !== undefined)
    nodes.push({
      label: `retiring ${retiring.taskSetArn}${retiring.deleteAt ? ` at ${retiring.deleteAt}` : ''}`,
    });
  const rollback = a.rollback as
    { outcome?: string; reason?: string; message?: string } | undefined;
  if (rollback !== undefined)
    nodes.push({
      label:
        `${rollback.outcome ?? 'rollback'}: ${rollback.reason ?? ''} ${rollback.message ?? ''}`.trimEnd(),
    });
  return nodes;
}

function flagRolloutNodes(o: LatticeObject, s: Record<string, unknown>): Node[] {
  const steps = (o.spec?.steps as unknown[] | undefined)?.length;
  const nodes: Node[] = [{ label: `flag ${str(o.spec?.flag)}` }];
  if (s.currentStep !== undefined)
    nodes.push({
      label: `step ${Number(s.currentStep) + 1}/${steps ?? '?'}  ${str(s.percentage)}%`,
    });
  if (s.nextStepAt !== undefined) nodes.push({ label: `next step at ${str(s.nextStepAt)}` });
  const exposure = s.exposure as
    { percentage?: number; targetedUsers?: number; estimatedUsers?: number } | undefined;
  if (exposure !== undefined)
    nodes.push({
      label: `exposure ${str(exposure.percentage)}%, ${str(exposure.targetedUsers)} targeted users`,
    });
  return nodes;
}

function failoverPlanNodes(o: LatticeObject, s: Record<string, unknown>): Node[] {
  return [
    { label: `active region ${str(s.activeRegion) || '?'} (spec: ${str(o.spec?.activeRegion)})` },
    ...(s.standbyReady !== undefined ? [{ label: `standby ready: ${str(s.standbyReady)}` }] : []),
  ];
}

/** The tree `kubectl latticedb get` prints. */
export function renderTree(o: LatticeObject, historyLines = 5): string {
  const s = o.status ?? {};
  const header = `${o.kind ?? ''} ${o.metadata.namespace ?? ''}/${o.metadata.name}  ${s.phase ?? 'Pending'}`;
  const kindNodes =
    o.kind === 'Release'
      ? releaseNodes(s)
      : o.kind === 'FlagRollout'
        ? flagRolloutNodes(o, s)
        : o.kind === 'FailoverPlan'
          ? failoverPlanNodes(o, s)
          : [];
  const conditions = (s.conditions ?? [])
    .filter((c) => ['Ready', 'Reconciling', 'Stalled', 'Paused'].includes(c.type))
    .map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`)
    .join(' ');
  const nodes: Node[] = [
    ...kindNodes,
    ...(conditions ? [{ label: `conditions ${conditions}` }] : []),
    ...(s.message ? [{ label: `message ${s.message}` }] : []),
    {
      label: 'recent transitions',
      children: (s.history ?? []).slice(-historyLines).map((h) => ({
        label: `${h.time}  ${h.from ?? '-'} → ${h.to}  ${h.reason}${h.message ? `: ${h.message}` : ''}`,
      })),
    },
  ];
  const lines = [header];
  const walk = (list: readonly Node[], prefix: string): void => {
    list.forEach((n, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${n.label}`);
      walk(n.children ?? [], `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(nodes, '');
  return `${lines.join('\n')}\n`;
}
