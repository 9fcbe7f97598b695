// Every scenario the demo can play, in the order they are applied (`npm run demo -- --list`).
// One module per example/playbook; add yours here.
import type { Scenario } from '../scenario.js';
import { failoverPlanRegionalDr } from './failoverplan-regional-dr.js';
import { failoverPlanSafeMode } from './failoverplan-safe-mode.js';
import { flagRolloutRamp } from './flagrollout-ramp.js';
import { releaseCanary } from './release-canary.js';
import { releaseCanaryRollback } from './release-canary-rollback.js';
import { releaseConfigChange } from './release-config-change.js';
import { releaseDatabaseMigration } from './release-database-migration.js';
import { releaseHotfixBlueGreen } from './release-hotfix-bluegreen.js';
import { scalePolicyGradual } from './scalepolicy-gradual.js';

export const SCENARIOS: readonly Scenario[] = [
  releaseCanary,
  releaseCanaryRollback,
  releaseHotfixBlueGreen,
  releaseDatabaseMigration,
  releaseConfigChange,
  flagRolloutRamp,
  scalePolicyGradual,
  failoverPlanRegionalDr,
  failoverPlanSafeMode,
];
