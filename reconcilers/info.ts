// Per-object gauges for dashboards (manifests/grafana/): what `kubectl get` shows, as metrics.
// One series per object, read from the informer cache at scrape time.
import type { KindSetup, ObjectInfo } from '../controller/index.js';

interface Status {
  phase?: string;
  revision?: { number?: number };
  strategy?: string;
  currentWeight?: number;
  currentStep?: number;
  percentage?: number;
  activeRegion?: string;
}
const status = (obj: object): Status => (obj as { status?: Status }).status ?? {};
const text = (v: string | number | undefined): string => (v === undefined ? '' : String(v));

export const releaseInfo: ObjectInfo = {
  labels: ['phase', 'revision', 'strategy', 'weight'],
  labelsOf: (obj) => {
    const s = status(obj);
    return {
      phase: text(s.phase),
      revision: text(s.revision?.number),
      strategy: text(s.strategy),
      weight: text(s.currentWeight),
    };
  },
  values: {
    latticedb_release_canary_weight: {
      help: 'Percent of traffic on the new revision (status.currentWeight), per Release',
      of: (obj) => status(obj).currentWeight,
    },
  },
};

export const flagRolloutInfo: ObjectInfo = {
  labels: ['phase', 'flag', 'step', 'percentage'],
  labelsOf: (obj) => {
    const s = status(obj);
    const flag = (obj as { spec?: { flag?: string } }).spec?.flag;
    return {
      phase: text(s.phase),
      flag: text(flag),
      step: text(s.currentStep),
      percentage: text(s.percentage),
    };
  },
  values: {
    latticedb_flagrollout_percentage: {
      help: 'Percent of users the flag serves now (status.percentage), per FlagRollout',
      of: (obj) => status(obj).percentage,
    },
  },
};

const phaseOnly: ObjectInfo = {
  labels: ['phase'],
  labelsOf: (obj) => ({ phase: text(status(obj).phase) }),
};

export const failoverPlanInfo: ObjectInfo = {
  labels: ['phase', 'active_region'],
  labelsOf: (obj) => ({
    phase: text(status(obj).phase),
    active_region: text(status(obj).activeRegion),
  }),
};

export const scalePolicyInfo: ObjectInfo = phaseOnly;

/** A kind's setup whose registration also exports per-object gauges. */
export const withInfo =
  (setup: KindSetup, info: ObjectInfo): KindSetup =>
  (deps) => ({ ...setup(deps), info });
