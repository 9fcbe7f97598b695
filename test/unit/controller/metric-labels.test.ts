// Label values that come from user input are capped: a spec's check names, a phase read from a
// status that anyone allowed to patch /status can write. Each series costs Prometheus memory.
import { describe, expect, it } from 'vitest';
import {
  LabelCap,
  OTHER_LABEL,
  RuntimeMetrics,
} from '../../../controller/observability/metrics.js';

describe('LabelCap', () => {
  it('keeps the first distinct values, cut to length, and maps the rest to Other', () => {
    const cap = new LabelCap(3, 8);
    expect(['a', 'b', 'a', 'c', 'd', 'b'].map((v) => cap.value(v))).toEqual([
      'a',
      'b',
      'a',
      'c',
      OTHER_LABEL,
      'b',
    ]);
    expect(new LabelCap(3, 8).value('x'.repeat(100))).toBe('xxxxxxxx');
  });
});

describe('RuntimeMetrics', () => {
  it('latticedb_resources has at most 50 phase values whatever phases statuses claim', async () => {
    const metrics = new RuntimeMetrics({ defaultMetrics: false });
    const objects = Array.from({ length: 500 }, (_, i) => ({ status: { phase: `Phase${i}` } }));
    metrics.trackResources('Widget', () => objects);
    const data = await metrics.registry.getSingleMetric('latticedb_resources')?.get();
    const phases = new Set(data?.values.map((v) => v.labels.phase));
    expect(phases.size).toBe(51);
    expect(phases.has(OTHER_LABEL)).toBe(true);
    expect(data?.values.find((v) => v.labels.phase === OTHER_LABEL)?.value).toBe(450);
  });
});
