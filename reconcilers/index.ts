// Every kind the controller serves; controller/main.ts registers them all.
import type { KindSetup } from '../controller/index.js';
import { setupFailoverPlan } from './failoverplan/setup.js';
import {
  failoverPlanInfo,
  flagRolloutInfo,
  releaseInfo,
  scalePolicyInfo,
  withInfo,
} from './info.js';
import { classifyFailoverPlan, classifyFlagRollout, classifyRelease, notifying } from './notify.js';
import { setupFlagRollout } from './flagrollout/setup.js';
import { setupRelease } from './release/setup.js';
import { setupScalePolicy } from './scalepolicy/setup.js';

export const setups: readonly KindSetup[] = [
  withInfo(notifying(setupRelease, classifyRelease), releaseInfo),
  withInfo(notifying(setupFlagRollout, classifyFlagRollout), flagRolloutInfo),
  withInfo(setupScalePolicy, scalePolicyInfo),
  withInfo(notifying(setupFailoverPlan, classifyFailoverPlan), failoverPlanInfo),
];
