/**
 * The evidence of an S3 service, over the wire: each shown iteration's metrics file (read with the real
 * S3 client from the local S3) against the live one's, and its training commit on the config repo's host.
 */
import { describe, expect, it } from 'vitest';
import { loadBucketListing } from '../../world/s3.js';
import { REPO, USERS, useHarness } from '../support/harness.js';
import { answerTo, latestCard, postedCard } from './support.js';

const start = useHarness();

const metricsFile = (iteration: string, metrics: Record<string, unknown>) => ({
  key: `${iteration}/metrics.json`,
  lastModified: '2026-01-05T00:00:00Z',
  body: JSON.stringify(metrics),
});

describe('evidence of an S3 service', () => {
  it('shows the metrics file of each iteration shown against the live one, and links the training commit', async () => {
    const objects = [
      ...(await loadBucketListing()),
      metricsFile('1.25.3-3a4b5c6', { ndcg: 0.71, latency_ms: 41 }),
      metricsFile('1.25.0-293a4b5', { ndcg: 0.74, latency_ms: 38, note: 'ignored: not a number' }),
    ];
    const h = await start({ objects, serviceToml: 'metrics_file = "metrics.json"' });
    const versions = await h.command('versions fpo-search 5', USERS.alice);
    const text = await answerTo(h, versions.responseId);
    expect(text).toMatch(/\*1\.25\.0\*[\s\S]*ndcg 0\.74 \(\+0\.03\) · latency_ms 38 \(−3\) vs live/);
    expect(text).toContain(`<https://github.com/${REPO}/commit/293a4b5|commit 293a4b5>`);
    expect(text).not.toContain('ignored');

    await h.command('to previous fpo-search reason=PERFORMANCE_DEGRADATION p99 is up', USERS.alice);
    const id = await postedCard(h);
    expect(latestCard(h, id)).toMatch(/Evidence[\s\S]*ndcg 0\.74 \(\+0\.03\)/);
  });
});
