import { describe, expect, it } from 'vitest';
import { sharedCalls, takeTurn } from '../src/support/sharedCalls.js';

describe('sharedCalls', () => {
  it('shares a running call among concurrent callers, then forgets it', async () => {
    const shared = sharedCalls<string, number>();
    let runs = 0;
    const run = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return runs;
    };
    expect(await Promise.all([shared.get('a', run), shared.get('a', run), shared.get('b', run)])).toEqual([
      2, 2, 2,
    ]);
    expect(runs).toBe(2);
    expect(await shared.get('a', run)).toBe(3);
  });

  it('keeps a result for keepMs, never a failure, and clears on demand', async () => {
    let t = 0;
    const shared = sharedCalls<string, string>({ keepMs: 100, now: () => t });
    let runs = 0;
    const ok = async () => `v${++runs}`;
    expect(await shared.get('k', ok)).toBe('v1');
    t = 99;
    expect(await shared.get('k', ok)).toBe('v1');
    t = 100;
    expect(await shared.get('k', ok)).toBe('v2');
    shared.clear();
    expect(await shared.get('k', ok)).toBe('v3');
    const failing = shared.get('f', async () => {
      throw new Error('down');
    });
    await expect(failing).rejects.toThrow('down');
    expect(await shared.get('f', ok)).toBe('v4');
  });

  it('takeTurn resumes waiters one per event-loop turn, in order, with I/O between', async () => {
    const order: string[] = [];
    const waiters = [1, 2, 3].map((n) => takeTurn().then(() => order.push(`turn ${n}`)));
    // An immediate queued after the three waiters runs before the second one: each took its own turn.
    setImmediate(() => order.push('other work'));
    await Promise.all(waiters);
    expect(order).toEqual(['turn 1', 'other work', 'turn 2', 'turn 3']);
  });
});
