// validate() per kind, for table-driven tests over examples and bad manifests.
import { validateFailoverPlan } from '../../../reconcilers/failoverplan/validate.js';
import { validateFlagRollout } from '../../../reconcilers/flagrollout/validate.js';
import { validateRelease } from '../../../reconcilers/release/validate.js';
import { validateScalePolicy } from '../../../reconcilers/scalepolicy/validate.js';
import type { FieldError } from '../../../reconcilers/shared/api/validation.js';
import type { ExampleResource } from '../../integration/crds/examples.js';

type Validate = (resource: { spec: never }) => FieldError[];

const VALIDATORS: Record<ExampleResource['kind'], Validate> = {
  Release: validateRelease,
  FlagRollout: validateFlagRollout,
  ScalePolicy: validateScalePolicy,
  FailoverPlan: validateFailoverPlan,
};

/** Runs the validate() of the resource's kind on it, as a controller would on a stored object. */
export function validateResource(resource: ExampleResource): FieldError[] {
  return VALIDATORS[resource.kind]({ spec: resource.spec as never });
}
