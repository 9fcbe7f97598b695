// The good resources in manifests/examples/, loaded for tests (unit and integration).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../manifests/examples/', import.meta.url));

export interface ExampleResource {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: 'Release' | 'FlagRollout' | 'ScalePolicy' | 'FailoverPlan';
  readonly metadata: { readonly name: string };
  readonly spec: Record<string, unknown>;
}

/** Every example, in file-name order. */
export function loadExamples(): ExampleResource[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, ...(load(readFileSync(EXAMPLES_DIR + file, 'utf8')) as object) }))
    .map((example) => example as ExampleResource);
}

/** One example by file name without `.yaml`, as a fresh deep copy. */
export function example(name: string): ExampleResource {
  const found = loadExamples().find((e) => e.file === `${name}.yaml`);
  if (!found) throw new Error(`no example manifests/examples/${name}.yaml`);
  return structuredClone(found);
}
