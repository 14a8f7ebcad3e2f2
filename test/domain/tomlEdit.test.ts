import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EditResult, renderDiff, setVersionAt, type VersionEdit } from '../../src/domain/tomlEdit.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../world/fixtures/${name}`, import.meta.url), 'utf8');
const flat = fixture('search-config.toml');
const commented = fixture('search-config-commented.toml');

function edited(result: EditResult): VersionEdit {
  if (!result.ok) throw new Error(`expected an edit, got: ${result.problem}`);
  return result.edit;
}

function problemOf(result: EditResult): string {
  if (result.ok)
    throw new Error(`expected a refusal, got line ${result.edit.lineNumber}: ${result.edit.after}`);
  return result.problem;
}

/** Indexes of the lines (endings included) that differ between two texts of equal line count. */
function changedLines(before: string, after: string): number[] {
  const [a, b] = [before.split(/(?<=\n)/), after.split(/(?<=\n)/)];
  expect(b).toHaveLength(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i]));
}

describe('setVersionAt on the flat fixture', () => {
  const edit = edited(setVersionAt(flat, ['version'], '1.25.0'));

  it('changes only the characters of the value, byte for byte', () => {
    expect(edit.text).toBe(flat.replace('version = "1.25.3"', 'version = "1.25.0"'));
    expect(changedLines(flat, edit.text)).toEqual([1]);
  });

  it('reports the line, the old and new line and both versions', () => {
    expect(edit).toMatchObject({
      lineNumber: 2,
      before: 'version = "1.25.3"',
      after: 'version = "1.25.0"',
      oldVersion: '1.25.3',
      newVersion: '1.25.0',
    });
  });

  it('renders a one-line diff', () => {
    expect(renderDiff(edit, 'search-config.toml')).toBe(
      '--- a/search-config.toml\n+++ b/search-config.toml\n@@ line 2 @@\n- version = "1.25.3"\n+ version = "1.25.0"',
    );
  });
});

describe('setVersionAt on the commented fixture', () => {
  it('edits [model] version and keeps its comment and spacing', () => {
    const edit = edited(setVersionAt(commented, ['model', 'version'], '2.3.0'));
    const lineIndex = commented.split('\n').indexOf(edit.before);
    expect(edit.before).toBe('version = "2.4.1"   # bumped by the training pipeline; lower it to roll back');
    expect(edit.after).toBe('version = "2.3.0"   # bumped by the training pipeline; lower it to roll back');
    expect(edit.lineNumber).toBe(lineIndex + 1);
    expect(changedLines(commented, edit.text)).toEqual([lineIndex]);
    expect(edit.text).toContain('version = "7"       # feature schema version: NOT the model version\n');
  });

  it('refuses the root `version`, which does not exist, instead of editing [model.features]', () => {
    expect(problemOf(setVersionAt(commented, ['version'], '6'))).toMatch(/no key `version`/);
  });

  it('can still edit [model.features] version when that path is asked for', () => {
    const edit = edited(setVersionAt(commented, ['model', 'features', 'version'], '8'));
    expect(edit.after).toBe('version = "8"       # feature schema version: NOT the model version');
    expect(changedLines(commented, edit.text)).toHaveLength(1);
  });
});

describe('setVersionAt preserves the file style', () => {
  it('keeps CRLF line endings everywhere', () => {
    const crlf = commented.replace(/\n/g, '\r\n');
    const edit = edited(setVersionAt(crlf, ['model', 'version'], '2.3.0'));
    expect(edit.text).toBe(crlf.replace('version = "2.4.1"', 'version = "2.3.0"'));
    expect(edit.text.match(/\r\n/g)).toHaveLength(crlf.match(/\n/g)?.length ?? -1);
    expect(edit.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(edit.after).not.toContain('\r');
  });

  it('keeps a CRLF file without a final newline intact', () => {
    const text = 'a = 1\r\nversion = "1.0.0"';
    expect(edited(setVersionAt(text, ['version'], '0.9.0')).text).toBe('a = 1\r\nversion = "0.9.0"');
  });

  it('keeps single quotes on a literal string', () => {
    const edit = edited(setVersionAt("name = 'x'\nversion = '1.0.0' # pinned\n", ['version'], '0.9.0'));
    expect(edit.text).toBe("name = 'x'\nversion = '0.9.0' # pinned\n");
  });

  it('edits a dotted key at the root', () => {
    const text = 'title = "t"\nmodel.version = "1.0.0"\nmodel.name = "m"\n';
    const edit = edited(setVersionAt(text, ['model', 'version'], '0.9.0'));
    expect(edit.text).toBe('title = "t"\nmodel.version = "0.9.0"\nmodel.name = "m"\n');
  });

  it('edits a quoted key and a spaced, quoted table header', () => {
    expect(edited(setVersionAt('"version" = "1.0.0"\n', ['version'], '0.9.0')).text).toBe(
      '"version" = "0.9.0"\n',
    );
    const text = '[ "model" . serving ]\n\'version\'="1.0.0"\n';
    expect(edited(setVersionAt(text, ['model', 'serving', 'version'], '0.9.0')).text).toBe(
      '[ "model" . serving ]\n\'version\'="0.9.0"\n',
    );
  });
});

describe('setVersionAt verification', () => {
  it('proves the edit safe in a file holding dates, times and special floats', () => {
    const text =
      'at = 2024-01-02T03:04:05Z\nday = 2024-01-02\nnoon = 12:00:00\nx = nan\ny = -inf\nversion = "1.0.0"\n';
    expect(edited(setVersionAt(text, ['version'], '0.9.0')).text).toBe(text.replace('1.0.0', '0.9.0'));
  });
});

describe('setVersionAt does not mistake other text for the key', () => {
  it('skips a key-like line inside a multi-line string', () => {
    const text = 'notes = """\nversion = "9.9.9"\n"""\nversion = "1.0.0"\n';
    const edit = edited(setVersionAt(text, ['version'], '0.9.0'));
    expect(edit.lineNumber).toBe(4);
    expect(edit.text).toBe('notes = """\nversion = "9.9.9"\n"""\nversion = "0.9.0"\n');
  });

  it('skips a key-like line inside a multi-line literal string and a multi-line array', () => {
    const text = [
      "doc = '''",
      "version = '9'",
      "'''",
      'matrix = [',
      '  ["version"], # a nested array line, not a [version] table header ]',
      '  """',
      'version = "9"',
      '""",',
      ']',
      "version = '1.0.0'",
      '',
    ].join('\n');
    const edit = edited(setVersionAt(text, ['version'], '0.9.0'));
    expect(edit.lineNumber).toBe(10);
    expect(changedLines(text, edit.text)).toEqual([9]);
  });

  it('never matches keys under [[array.of.tables]]', () => {
    const text = '[[model]]\nversion = "1.0.0"\n';
    expect(problemOf(setVersionAt(text, ['model', 'version'], '0.9.0'))).toMatch(/`model\.version`/);
  });
});

describe('setVersionAt refusals', () => {
  it('refuses a multi-line string value', () => {
    expect(problemOf(setVersionAt('version = """1.0.0"""\n', ['version'], '0.9.0'))).toBe(
      '`version` is not a single-line quoted string',
    );
  });

  it('refuses a number, a table and an inline table', () => {
    expect(problemOf(setVersionAt('version = 3\n', ['version'], '2'))).toMatch(/`version` is not a string/);
    expect(problemOf(setVersionAt(commented, ['model'], '2'))).toMatch(/`model` is not a string/);
    expect(problemOf(setVersionAt('model = { version = "1.0.0" }\n', ['model', 'version'], '0.9.0'))).toMatch(
      /`model\.version`/,
    );
  });

  it('refuses a missing key', () => {
    expect(problemOf(setVersionAt(flat, ['model', 'version'], '1.0.0'))).toMatch(/no key `model`/);
  });

  it('refuses the version already in place', () => {
    expect(problemOf(setVersionAt(flat, ['version'], '1.25.3'))).toMatch(/already/);
  });

  it('refuses a version that would need quoting', () => {
    for (const bad of ['1.0.0"', "1'0", '1 0', '', '1.0\n']) {
      expect(problemOf(setVersionAt(flat, ['version'], bad))).toMatch(/not a plain version/);
    }
  });

  it('refuses a file that is not valid TOML', () => {
    expect(problemOf(setVersionAt('version = "1.0.0"\nversion = \n', ['version'], '0.9.0'))).toMatch(
      /not valid TOML/,
    );
  });
});
