import { describe, expect, it } from 'vitest';
import {
  commitUrl,
  compareMetrics,
  formatDelta,
  formatMetric,
  metricsSummary,
  parseMetricsFile,
  repoWebUrl,
} from '../../src/domain/evidence.js';

describe('evidence to choose a target', () => {
  it('reads a metrics file as a flat object of finite numbers, ignoring anything else', () => {
    expect(
      parseMetricsFile('{"auc": 0.91, "rmse": 1.2, "note": "x", "nested": {"a": 1}, "n": null}'),
    ).toEqual({
      auc: 0.91,
      rmse: 1.2,
    });
    expect(parseMetricsFile('[1, 2]')).toBeUndefined();
    expect(parseMetricsFile('not json')).toBeUndefined();
  });

  it('compares the named metrics with the live model, in the configured order', () => {
    const lines = compareMetrics({ auc: 0.9, rmse: 1.25, loss: 3 }, { auc: 0.92, rmse: 1.25 }, [
      'rmse',
      'auc',
      'f1',
    ]);
    expect(lines).toEqual([
      { name: 'rmse', value: 1.25, delta: 0 },
      { name: 'auc', value: 0.9, delta: expect.closeTo(-0.02, 10) },
    ]);
    expect(metricsSummary(lines)).toBe('rmse 1.25 (±0) · auc 0.9 (−0.02)');
    // Without configured names: all of the candidate's, without a delta where the live model lacks one.
    expect(metricsSummary(compareMetrics({ f1: 0.5 }, undefined))).toBe('f1 0.5');
  });

  it('formats values short enough for a select option', () => {
    expect(formatMetric(0.912345)).toBe('0.9123');
    expect(formatMetric(1234567)).toBe('1.23e+6');
    expect(formatDelta(0.0041)).toBe('+0.0041');
  });

  it('links the training commit on github.com and on GitHub Enterprise alike', () => {
    const ghe = repoWebUrl('https://ghe.example.com/ml/search/blob/main/search-config.toml');
    expect(ghe).toBe('https://ghe.example.com/ml/search');
    expect(commitUrl(ghe ?? '', '3f9c2ab')).toBe('https://ghe.example.com/ml/search/commit/3f9c2ab');
    expect(commitUrl(ghe ?? '', 'not-a-sha')).toBeUndefined();
  });
});
