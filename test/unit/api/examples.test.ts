import { describe, expect, it } from 'vitest';
import { BAD_MANIFESTS, badResource } from '../../integration/crds/bad-manifests.js';
import { loadExamples } from '../../integration/crds/examples.js';
import { validateResource } from './kinds.js';

describe('manifests/examples', () => {
  const examples = loadExamples();

  it('has one resource per playbook', () => {
    expect(examples.map((e) => `${e.kind}/${e.metadata.name}`)).toHaveLength(8);
    expect(new Set(examples.map((e) => e.kind))).toEqual(
      new Set(['Release', 'FlagRollout', 'ScalePolicy', 'FailoverPlan']),
    );
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s passes validate()', (_file, resource) => {
    expect(validateResource(resource)).toEqual([]);
  });
});

describe('bad manifests (the admission table) through validate()', () => {
  it('has at least 40 cases over all four kinds', () => {
    expect(BAD_MANIFESTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BAD_MANIFESTS.map((bad) => badResource(bad).kind)).size).toBe(4);
  });

  const caught = BAD_MANIFESTS.filter((bad) => !bad.serverOnly);
  it.each(caught.map((bad) => [bad.title, bad] as const))('%s', (_title, bad) => {
    const fields = validateResource(badResource(bad)).map((error) => error.field);
    expect(fields).toContain(bad.validateField ?? bad.field);
  });
});
