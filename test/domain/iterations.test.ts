import { describe, expect, it } from 'vitest';
import { buildCatalog, namingFrom, parseIterationName } from '../../src/domain/iterations.js';

// A permissive naming (any length of sha), so only the length bound can refuse a long name.
const naming = namingFrom('^(?<version>\\d+(?:\\.\\d+)*)-(?<sha>[0-9a-f]+)$');

describe('iteration names', () => {
  it('are read up to 64 characters: the configured pattern never runs on longer outside text', () => {
    const name = (length: number) => `1.25.0-${'a'.repeat(length - 7)}`;
    expect(parseIterationName(name(64), naming)).toEqual({ version: '1.25.0', sha: 'a'.repeat(57) });
    expect(parseIterationName(name(65), naming)).toBeUndefined();
    expect(parseIterationName('1.25.0-293a4b5', namingFrom())).toEqual({ version: '1.25.0', sha: '293a4b5' });
  });

  it('longer bucket directories are no iterations, though CI still sees their model.zip', () => {
    const long = `1.25.0-${'b'.repeat(80)}`;
    const at = new Date('2026-11-01T00:00:00Z');
    const catalog = buildCatalog(
      [
        { key: `${long}/model.zip`, lastModified: at, size: 1 },
        { key: '1.24.0-0718293/model.zip', lastModified: at, size: 1 },
      ],
      { prefix: '', naming, environments: ['production'] },
    );
    expect([...catalog.iterations.keys()]).toEqual(['1.24.0-0718293']);
    expect(catalog.models.map((m) => m.directory)).toEqual([long, '1.24.0-0718293']);
  });
});
