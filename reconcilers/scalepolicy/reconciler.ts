// The ScalePolicy handler: the kit's driver over this kind's observe, pure decide and act.
import type { KindHandler } from '../../controller/index.js';
import { identityOf, reconcileWith } from '../shared/kit/index.js';
import { ScalePolicyPhase, type ScalePolicySpec } from './api.js';
import { act, autoscalingFinalizer } from './act.js';
import { observe, SeenVersions } from './observe.js';
import { decide, type ScalePolicyState, type Tuning } from './plan/index.js';
import type { ScalePolicyPorts } from './ports.js';
import { validateScalePolicy } from './validate.js';

export function scalePolicyHandler(
  ports: ScalePolicyPorts,
  tuning: Tuning,
): KindHandler<ScalePolicySpec, ScalePolicyState> {
  const seen = new SeenVersions();
  return {
    validate: (obj) => validateScalePolicy(obj),
    reconcile: reconcileWith({
      observe: (obj, io) => observe(obj, ports, tuning, io, seen),
      decide: (obj, observed, now) =>
        decide({
          object: identityOf(obj),
          spec: obj.spec,
          status: obj.status,
          observed,
          now,
          tuning,
        }),
      act: (action) => act(action, ports),
    }),
    finalizer: autoscalingFinalizer(ports),
    stalledPhase: ScalePolicyPhase.Degraded,
  };
}
