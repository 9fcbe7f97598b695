// Semantic validation of a Release beyond what the CRD schema enforces (and all of it again, as
// defence in depth when an older CRD is installed). Pure; errors name the exact field.
import { arnRegion } from '../shared/api/aws.js';
import { decreasingErrors, validateSpec, type FieldError } from '../shared/api/validation.js';
import { ReleaseSpec, type Release } from './api.js';

export function validateRelease(release: Pick<Release, 'spec'>): FieldError[] {
  return validateSpec(ReleaseSpec, release.spec, (spec) => [
    ...setWeightErrors(spec),
    ...unknownMetricErrors(spec),
    ...arnRegionErrors(spec),
  ]);
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
