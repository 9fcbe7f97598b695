// `kubectl explain` answers for every field: the generated CRDs (crds/*.yaml, what the apiserver
// serves) carry a description on every property of spec and status, of all four kinds.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const CRDS_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
  anyOf?: Node[];
  oneOf?: Node[];
  allOf?: Node[];
}

interface Crd {
  spec: { names: { kind: string }; versions: { schema: { openAPIV3Schema: Node } }[] };
}

/** Paths (`spec.a.b[].c`) of every property without a description, under `node`. */
export function undescribed(node: Node, path: string): string[] {
  const out: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const at = `${path}.${name}`;
    if (child.description === undefined || child.description.trim() === '') out.push(at);
    out.push(...undescribed(child, at));
  }
  if (node.items !== undefined) out.push(...undescribed(node.items, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    out.push(...undescribed(node.additionalProperties, `${path}{}`));
  }
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) {
    out.push(...undescribed(branch, path));
  }
  return out;
}

/** Fields allowed to go undescribed, per kind: none. */
const KNOWN_UNDESCRIBED: Record<string, readonly string[]> = {};

const crds = readdirSync(CRDS_DIR)
  .filter((f) => f.endsWith('.delivery.latticedb.com.yaml'))
  .sort()
  .map((file) => load(readFileSync(CRDS_DIR + file, 'utf8')) as Crd);

describe('CRD field descriptions', () => {
  it('covers the four kinds', () => {
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual([
      'FailoverPlan',
      'FlagRollout',
      'Release',
      'ScalePolicy',
    ]);
  });

  it.each(crds.map((crd) => [crd.spec.names.kind, crd] as const))(
    '%s: every spec and status field has a description',
    (kind, crd) => {
      const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
      const missing = ['spec', 'status'].flatMap((root) => {
        const node = schema.properties?.[root];
        return node === undefined ? [] : undescribed(node, root);
      });
      expect(missing.sort()).toEqual([...(KNOWN_UNDESCRIBED[kind] ?? [])].sort());
    },
  );

  it('the walk finds an undescribed field, however deep', () => {
    const node: Node = {
      properties: {
        a: { description: 'a', items: { properties: { b: {} } } },
        c: { description: 'c', additionalProperties: { properties: { d: { description: 'd' } } } },
      },
    };
    expect(undescribed(node, 'spec')).toEqual(['spec.a[].b']);
  });
});
