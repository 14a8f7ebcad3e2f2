/**
 * Keeps markup going through one door (src/slack/blocks/mrkdwn.ts). A hand-placed escape elsewhere
 * means someone is building mrkdwn from strings again, where the next one will be forgotten; markup
 * put into a plain template string or joined with `.join` becomes a string, and md then shows it
 * over-escaped (`&lt;@U…&gt;` instead of a mention). Both are caught here, before they ship.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SLACK = join(ROOT, 'src/slack');
const MRKDWN = 'src/slack/blocks/mrkdwn.ts';
const KIT = 'src/slack/blocks/kit.ts';

const slackFiles = (): string[] =>
  readdirSync(SLACK, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(ROOT, join(SLACK, f)));

/** file:line of each line matching `pattern`, outside `allowed` files and comments. */
function linesMatching(pattern: RegExp, allowed: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of slackFiles().filter((f) => !allowed.includes(f))) {
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (pattern.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line))
          found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('escaping lives in mrkdwn.ts alone', () => {
  it('no hand-placed escape anywhere else under src/slack', () => {
    expect(
      linesMatching(/escapeMrkdwn\(|\bescape\(|\.replace\(\/[<>&]|['"`]&(lt|gt|amp);/, [MRKDWN]),
    ).toEqual([]);
  });

  it('no mrkdwn text object and no text set from a literal outside the Block Kit helpers', () => {
    // Every text field goes through kit.ts: plain() for plain_text, message()/mrkdwn()/section() or
    // a Mrkdwn's .text for what Slack parses as markup.
    expect(linesMatching(/type:\s*'mrkdwn'|\btext:\s*[`'"]|type:\s*'plain_text'/, [MRKDWN, KIT])).toEqual([]);
  });
});

describe('markup never turns back into a string', () => {
  it('no Mrkdwn inside an untagged template, in a + concatenation, or joined with .join', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => undefined,
      },
    );
    if (!config) throw new Error('tsconfig.json could not be read');
    const files = slackFiles().map((f) => join(ROOT, f));
    const program = ts.createProgram(files, config.options);
    const checker = program.getTypeChecker();
    const isMrkdwn = (node: ts.Node): boolean => {
      const type = checker.getTypeAtLocation(node);
      const parts = type.isUnion() ? type.types : [type];
      return parts.some((t) => {
        const name = (t.getSymbol() ?? t.aliasSymbol)?.getName();
        if (name === 'Mrkdwn') return true;
        const element = checker.isArrayType(t)
          ? checker.getTypeArguments(t as ts.TypeReference)[0]
          : undefined;
        return element?.getSymbol()?.getName() === 'Mrkdwn';
      });
    };
    const found: string[] = [];
    for (const file of files) {
      const source = program.getSourceFile(file);
      if (!source) throw new Error(`${file} is not in the program`);
      const report = (node: ts.Node, what: string) => {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${relative(ROOT, file)}:${line + 1}: ${what}: ${node.getText().slice(0, 80)}`);
      };
      const visit = (node: ts.Node): void => {
        if (ts.isTemplateExpression(node) && !ts.isTaggedTemplateExpression(node.parent)) {
          for (const span of node.templateSpans) {
            if (isMrkdwn(span.expression)) report(span.expression, 'Mrkdwn in a plain template');
          }
        }
        if (
          ts.isBinaryExpression(node) &&
          node.operatorToken.kind === ts.SyntaxKind.PlusToken &&
          (isMrkdwn(node.left) || isMrkdwn(node.right))
        ) {
          report(node, 'Mrkdwn concatenated');
        }
        if (
          ts.isCallExpression(node) &&
          ts.isPropertyAccessExpression(node.expression) &&
          node.expression.name.text === 'join' &&
          isMrkdwn(node.expression.expression)
        ) {
          report(node, 'Mrkdwn[] joined into a string (use joinMd)');
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(found).toEqual([]);
  }, 120_000);
});
