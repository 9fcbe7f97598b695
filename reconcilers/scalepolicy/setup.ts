import { notImplementedSetup } from '../shared/not-implemented.js';
import { ScalePolicyKind, type ScalePolicySpec } from './api.js';
import { validateScalePolicy } from './validate.js';

export const setupScalePolicy = notImplementedSetup<'ScalePolicy', ScalePolicySpec>(
  ScalePolicyKind,
  validateScalePolicy,
);
