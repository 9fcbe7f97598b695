// Every kind the controller serves; controller/main.ts registers them all.
import type { KindSetup } from '../controller/index.js';
import { setupFailoverPlan } from './failoverplan/setup.js';
import { classifyFailoverPlan, classifyFlagRollout, classifyRelease, notifying } from './notify.js';
import { setupFlagRollout } from './flagrollout/setup.js';
import { setupRelease } from './release/setup.js';
import { setupScalePolicy } from './scalepolicy/setup.js';

export const setups: readonly KindSetup[] = [
  notifying(setupRelease, classifyRelease),
  notifying(setupFlagRollout, classifyFlagRollout),
  setupScalePolicy,
  notifying(setupFailoverPlan, classifyFailoverPlan),
];
