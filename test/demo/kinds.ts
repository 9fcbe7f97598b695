// The four kinds the demo shows, in display order, and their CRD files.
import { fileURLToPath } from 'node:url';

export const API_GROUP = 'delivery.latticedb.com';
export const API_VERSION = 'v1alpha1';

export const DEMO_KINDS = [
  { kind: 'Release', plural: 'releases' },
  { kind: 'FlagRollout', plural: 'flagrollouts' },
  { kind: 'ScalePolicy', plural: 'scalepolicies' },
  { kind: 'FailoverPlan', plural: 'failoverplans' },
] as const;

export type DemoKind = (typeof DEMO_KINDS)[number]['kind'];

export interface DemoResource {
  readonly kind: DemoKind;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export function resourceOf(kind: DemoKind): DemoResource {
  const entry = DEMO_KINDS.find((k) => k.kind === kind);
  if (entry === undefined) throw new Error(`unknown kind ${kind}`);
  return { kind, group: API_GROUP, version: API_VERSION, plural: entry.plural };
}

export function crdFile(kind: DemoKind): string {
  const { plural } = resourceOf(kind);
  return fileURLToPath(new URL(`../../crds/${plural}.${API_GROUP}.yaml`, import.meta.url));
}
