/** The language-neutral test vectors (flags/test-vectors.json), typed. */
import { readFileSync } from 'node:fs';

export interface BucketVector {
  readonly flag: string;
  readonly salt: string;
  readonly userId: string;
  readonly sha256First4Bytes: string;
  readonly bucket: number;
  readonly on: Readonly<Record<string, boolean>>;
}

export interface EvaluationVector {
  readonly description: string;
  readonly flag: {
    readonly enabled: boolean;
    readonly percentage: number;
    readonly salt: string;
    readonly targets: readonly string[];
    readonly killSwitch: string | null;
  } | null;
  readonly killSwitchActive: boolean;
  readonly userId: string;
  readonly expect: { readonly value: boolean; readonly reason: string };
}

export interface TestVectors {
  readonly percentages: readonly { readonly percent: string; readonly basisPoints: number }[];
  readonly buckets: readonly BucketVector[];
  readonly evaluations: readonly EvaluationVector[];
}

export const vectors = JSON.parse(
  readFileSync(new URL('../../../../flags/test-vectors.json', import.meta.url), 'utf8'),
) as TestVectors;
