import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CRD_DEFINITIONS, crdObject, renderCrdFiles } from '../../../crds/render.js';

const CRDS_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));

type Schema = { [key: string]: unknown };

describe('crds/', () => {
  it.each([...renderCrdFiles()].map(([name, content]) => [name, content] as const))(
    '%s is up to date',
    (name, content) => {
      let committed: string | undefined;
      try {
        committed = readFileSync(CRDS_DIR + name, 'utf8');
      } catch {
        committed = undefined;
      }
      expect(committed, `crds/${name} is missing or stale: run npm run crds`).toBe(content);
    },
  );

  it('renders the same text twice (deterministic)', () => {
    expect(renderCrdFiles()).toEqual(renderCrdFiles());
  });
});

// Walks every schema node of a CRD's openAPIV3Schema with its path.
function* nodes(schema: Schema, path = ''): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (schema.items) yield* nodes(schema.items as Schema, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') {
    yield* nodes(schema.additionalProperties as Schema, `${path}[*]`);
  }
}

describe.each(CRD_DEFINITIONS.map((def) => [def.names.kind, def] as const))(
  '%s CRD',
  (_kind, def) => {
    const crd = load(
      renderCrdFiles().get(`${def.names.plural}.${def.names.group}.yaml`) ?? '',
    ) as Schema;
    const version = (crd.spec as { versions: Schema[] }).versions[0] as Schema;
    const root = (version.schema as { openAPIV3Schema: Schema }).openAPIV3Schema;
    const spec = (root.properties as Record<string, Schema>).spec as Schema;

    it('matches crdObject() (the YAML is a faithful dump)', () => {
      expect(crd).toEqual(JSON.parse(JSON.stringify(crdObject(def))));
    });

    it('has the status subresource, short names and the latticedb category', () => {
      expect(version.subresources).toEqual({ status: {} });
      expect((crd.spec as Schema).names).toMatchObject({
        shortNames: def.names.shortNames,
        categories: ['latticedb'],
      });
    });

    // The apiserver estimates CEL cost from these bounds; unbounded lists and strings make rules
    // "too expensive" (and unbounded status lists grow the object towards etcd's limit).
    it('bounds every list and every free-form string', () => {
      const unbounded = [...nodes(root)]
        .filter(([, node]) =>
          node.type === 'array'
            ? node.maxItems === undefined
            : node.type === 'string' &&
              node.maxLength === undefined &&
              node.enum === undefined &&
              node.format !== 'date-time' &&
              node.pattern === undefined,
        )
        .map(([path]) => path)
        .filter((path) => !['.apiVersion', '.kind'].includes(path));
      expect(unbounded).toEqual([]);
    });

    it('keys list-maps on required fields', () => {
      for (const [path, node] of nodes(spec, 'spec')) {
        if (node['x-kubernetes-list-type'] !== 'map') continue;
        const required = ((node.items as Schema).required ?? []) as string[];
        expect(required, path).toEqual(
          expect.arrayContaining(node['x-kubernetes-list-map-keys'] as string[]),
        );
      }
    });

    it('has no anyOf, oneOf, allOf, not, $ref or patternProperties anywhere', () => {
      const text = JSON.stringify(root);
      for (const keyword of [
        'anyOf',
        'oneOf',
        'allOf',
        '"not"',
        '$ref',
        'patternProperties',
        'const',
      ]) {
        expect(text).not.toContain(keyword);
      }
    });

    it('points every printer column at a field of the schema', () => {
      const paths = new Map([...nodes(root)].map(([path, node]) => [path, node.type]));
      const columns = version.additionalPrinterColumns as { jsonPath: string; type: string }[];
      for (const column of columns.filter((c) => !c.jsonPath.startsWith('.metadata.'))) {
        const path = column.jsonPath.replace(/\[\?\(@\.type=="Ready"\)\]/, '[]');
        const expected = column.type === 'date' ? 'string' : column.type;
        expect(paths.get(path), column.jsonPath).toBe(expected);
      }
    });
  },
);
