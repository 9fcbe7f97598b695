// Semantic validation of a Release beyond what the CRD schema enforces (and all of it again, as
// defence in depth when an older CRD is installed). Pure; errors name the exact field.
import { arnRegion } from '../shared/api/aws.js';
import { decreasingErrors, validateSpec, type FieldError } from '../shared/api/validation.js';
import { ReleaseSpec, ReleaseStage, type Release, type ReleaseStatus } from './api.js';
import { annotateCommand, nextActionValue } from './plan/action-values.js';
import { wouldNotAct } from './plan/actions.js';
import { strategyName } from './plan/history.js';
import { routingOf } from './plan/world.js';

/**
 * What validation reads of status: the revision in flight, what it started with, and what the
 * abort action would do to it (the hint names a value that acts).
 */
type InFlight = Pick<
  ReleaseStatus,
  | 'stage'
  | 'strategy'
  | 'revision'
  | 'trafficRouting'
  | 'actions'
  | 'attempt'
  | 'pinnedSpecHash'
  | 'stableHistory'
>;

/** The object validation sees: its name makes the hints pasteable commands. */
type Validated = Pick<Release, 'spec'> & {
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
  readonly status?: InFlight;
};

export function validateRelease(release: Validated): FieldError[] {
  return validateSpec(ReleaseSpec, release.spec, (spec) => [
    ...setWeightErrors(spec),
    ...unknownMetricErrors(spec),
    ...arnRegionErrors(spec),
    ...inFlightChangeErrors(spec, release),
  ]);
}

/**
 * The spec the revision in flight is undone with while the user's spec is refused only because it
 * changes what that revision runs on (strategy, listener, target groups): the user's spec with the
 * strategy and traffic routing recorded in status. Undefined when the spec is invalid in itself
 * (nothing can be trusted) or nothing is in flight.
 */
export function inFlightSpec(release: Validated): ReleaseSpec | undefined {
  const { spec, status } = release;
  const own = validateSpec(ReleaseSpec, spec, (s) => [
    ...setWeightErrors(s),
    ...unknownMetricErrors(s),
    ...arnRegionErrors(s),
  ]);
  if (own.length > 0 || inFlightChangeErrors(spec, release).length === 0) return undefined;
  const routing = status?.trafficRouting;
  const [a = '', b = ''] = routing?.targetGroupArns ?? [];
  const listenerArn = routing?.listenerArn ?? '';
  switch (status?.strategy) {
    case 'Canary':
      return {
        ...spec,
        strategy: {
          canary: {
            steps: [],
            trafficRouting: {
              alb: { listenerArn, stableTargetGroupArn: a, canaryTargetGroupArn: b },
            },
          },
        },
      };
    case 'BlueGreen':
      return {
        ...spec,
        strategy: {
          blueGreen: {
            trafficRouting: { alb: { listenerArn, blueTargetGroupArn: a, greenTargetGroupArn: b } },
          },
        },
      };
    case 'Rolling':
      return { ...spec, strategy: { rolling: spec.strategy.rolling ?? {} } };
    case undefined:
      return undefined;
  }
}

const STRATEGY_FIELD = { Canary: 'canary', BlueGreen: 'blueGreen', Rolling: 'rolling' } as const;

/**
 * A revision in flight (or rolling back) is driven, and undone, with what it started with: its
 * strategy, listener and target groups. Another kind of strategy in the spec would leave it
 * half-shipped (a rolling spec over a 15 % canary would call the revision healthy); another
 * listener would leave its weights behind on the old one. The schema cannot see status, so this is
 * refused here, and nothing is applied until the spec is restored.
 */
function inFlightChangeErrors(spec: ReleaseSpec, release: Validated): FieldError[] {
  const { status } = release;
  const running = status?.strategy;
  if (running === undefined || status?.stage === undefined || status.stage === ReleaseStage.Done)
    return [];
  const n = status.revision?.number ?? 0;
  const then = `until it is done${abortHint(release, status)}`;
  const field = `spec.strategy.${STRATEGY_FIELD[running]}`;
  if (strategyName(spec) !== running) {
    return [
      {
        field: 'spec.strategy',
        message: `revision ${n} is in flight as ${running}: restore ${field} ${then}, then change the strategy`,
      },
    ];
  }
  const was = status.trafficRouting;
  const now = routingOf(spec);
  if (was === undefined || now === undefined) return [];
  // Target groups in either order: their stable/new roles alternate from revision to revision.
  const samePair =
    was.targetGroupArns.length === 2 && was.targetGroupArns.every((tg) => now.pair.includes(tg));
  if (now.listenerArn === was.listenerArn && samePair) return [];
  return [
    {
      field: `${field}.trafficRouting.alb`,
      message:
        `revision ${n} shifts traffic on listener ${was.listenerArn} between ${was.targetGroupArns.join(' and ')}: ` +
        `restore them ${then}, then change the traffic routing`,
    },
  ];
}

/**
 * The abort that acts even while the spec is refused (the revision is undone with what it started
 * with), as a pasteable command with the value that acts (not one status.actions already holds);
 * nothing when abort would be ignored (already rolling back).
 */
function abortHint(release: Validated, status: InFlight): string {
  if (wouldNotAct(status, 'abort') !== undefined) return '';
  const object = {
    namespace: release.metadata?.namespace ?? '',
    name: release.metadata?.name ?? '<name>',
  };
  return ` (or undo it now: ${annotateCommand(object, 'abort', nextActionValue(status, 'abort'))})`;
}

const STEPS = 'spec.strategy.canary.steps';

function setWeightErrors(spec: ReleaseSpec): FieldError[] {
  const weights = (spec.strategy.canary?.steps ?? []).flatMap((step, i) =>
    step.setWeight === undefined
      ? []
      : [{ field: `${STEPS}[${i}].setWeight`, value: step.setWeight }],
  );
  return decreasingErrors(weights, 'setWeight');
}

function unknownMetricErrors(spec: ReleaseSpec): FieldError[] {
  const defined = (spec.analysis?.metrics ?? []).map((metric) => metric.name);
  return (spec.strategy.canary?.steps ?? []).flatMap((step, i) =>
    (step.analysis?.metrics ?? []).flatMap((name, j) =>
      defined.includes(name)
        ? []
        : [
            {
              field: `${STEPS}[${i}].analysis.metrics[${j}]`,
              message: `unknown metric "${name}"; spec.analysis.metrics defines: ${defined.join(', ') || 'none'}`,
            },
          ],
    ),
  );
}

// Listeners and target groups live in the service's region; an ARN from elsewhere is a copy-paste
// slip that ELBv2 would only report mid-rollout.
function arnRegionErrors(spec: ReleaseSpec): FieldError[] {
  const { canary, blueGreen } = spec.strategy;
  const arns: [string, string | undefined][] = canary
    ? Object.entries(canary.trafficRouting.alb).map(([key, arn]) => [
        `spec.strategy.canary.trafficRouting.alb.${key}`,
        arn,
      ])
    : blueGreen
      ? Object.entries(blueGreen.trafficRouting.alb).map(([key, arn]) => [
          `spec.strategy.blueGreen.trafficRouting.alb.${key}`,
          arn,
        ])
      : [];
  return arns.flatMap(([field, arn]) => {
    const region = arn === undefined ? undefined : arnRegion(arn);
    return region === undefined || region === spec.target.region
      ? []
      : [{ field, message: `is in ${region}, but target.region is ${spec.target.region}` }];
  });
}
