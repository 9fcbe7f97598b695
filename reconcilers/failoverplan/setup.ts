import { notImplementedSetup } from '../shared/not-implemented.js';
import { FailoverPlanKind, type FailoverPlanSpec } from './api.js';
import { validateFailoverPlan } from './validate.js';

export const setupFailoverPlan = notImplementedSetup<'FailoverPlan', FailoverPlanSpec>(
  FailoverPlanKind,
  validateFailoverPlan,
);
