/**
 * Issue 15, item 6: mrkdwn is safe by construction. Outside text interpolated into `md` comes out
 * inert, markup the bot built passes through, each constructor refuses what is not its kind, and the
 * block helpers take nothing else (the `@ts-expect-error` lines fail `tsc --noEmit` if a string is
 * ever accepted again).
 */
import { describe, expect, it } from 'vitest';
import { context, fields, packSections, section } from '../../src/slack/blocks/kit.js';
import {
  channel,
  clipMd,
  code,
  codeBlock,
  date,
  joinMd,
  link,
  Mrkdwn,
  md,
  mention,
  usergroup,
} from '../../src/slack/blocks/mrkdwn.js';
import { renderNotice } from '../../src/slack/blocks/notices.js';
import { requestModal } from '../../src/slack/blocks/requestModal.js';

const HOSTILE = '<!channel> <@U1> <https://evil|x> &';
const INERT = '&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil|x&gt; &amp;';

describe('md', () => {
  it('escapes every interpolated string, whatever it holds', () => {
    expect(md`Note: ${HOSTILE}.`.text).toBe(`Note: ${INERT}.`);
    expect(md`${'&lt;'}`.text).toBe('&amp;lt;'); // already-escaped text is text too
    expect(md`${42} of ${7}`.text).toBe('42 of 7');
  });

  it('passes markup it was given as Mrkdwn through unchanged, and nests', () => {
    const inner = md`*${HOSTILE}*`;
    expect(md`${mention('UALICE0001')} said ${inner} in ${code('x')}`.text).toBe(
      `<@UALICE0001> said *${INERT}* in \`x\``,
    );
  });

  it('cannot be fed outside strings as its literal parts, nor be constructed elsewhere', () => {
    const fake = Object.assign(['<!channel>'], { raw: ['<!channel>'] }) as unknown as TemplateStringsArray;
    expect(() => md(fake)).toThrow(TypeError);
    expect(() => new Mrkdwn(undefined as never, '<!channel>')).toThrow(TypeError);
  });

  it('turns markup dropped into a plain string back into text: over-escaped, never live', () => {
    expect(md`${`${mention('UALICE0001')}`}`.text).toBe('&lt;@UALICE0001&gt;');
  });
});

describe('the constructors of trusted markup', () => {
  it('mention, usergroup and channel take only ids of their kind; anything else is text', () => {
    expect(mention('UALICE0001').text).toBe('<@UALICE0001>');
    expect(mention('W0ENTERPRISE').text).toBe('<@W0ENTERPRISE>');
    expect(mention('<!channel>').text).toBe('&lt;!channel&gt;');
    expect(mention('UALICE0001> <!here').text).toBe('UALICE0001&gt; &lt;!here');
    expect(mention('u_alice').text).toBe('u_alice');
    expect(usergroup('SONCALL001').text).toBe('<!subteam^SONCALL001>');
    expect(usergroup('SONCALL001|<!channel>').text).toBe('SONCALL001|&lt;!channel&gt;');
    expect(channel('CROLLBACK1').text).toBe('<#CROLLBACK1>');
    expect(channel('C1><!here').text).toBe('C1&gt;&lt;!here');
  });

  it('link: http(s) only, no URL that could end the link early; the label is always text', () => {
    expect(link('https://github.com/o/r/pull/7', '#7').text).toBe('<https://github.com/o/r/pull/7|#7>');
    expect(link('https://x.example/?a=1&b=2', 'PR').text).toBe('<https://x.example/?a=1&amp;b=2|PR>');
    expect(link('https://x.example/', HOSTILE).text).toBe(`<https://x.example/|${INERT}>`);
    for (const url of [
      'javascript:alert(1)',
      'slack://channel?id=C1',
      'https://x.example/a|<!channel>',
      'https://x.example/a>b',
      'https://x.example/<!here>',
      'https://x.example/a b',
      'https://',
      '',
    ]) {
      expect(link(url, 'runbook <x>').text, url).toBe('runbook &lt;x&gt;');
    }
  });

  it('code and codeBlock escape, and cannot be closed from inside', () => {
    expect(code('`<!channel>` & more').text).toBe("`'&lt;!channel&gt;' &amp; more`");
    expect(codeBlock('- a\n+ ```<!here>```').text).toBe("```- a\n+ '''&lt;!here&gt;'''```");
  });

  it('date: Slack date markup with a UTC fallback; a bad date or format cannot break out', () => {
    const at = new Date('2026-03-01T12:34:56Z');
    expect(date(at).text).toBe(`<!date^${at.getTime() / 1000}^{date_short} {time}|2026-03-01 12:34 UTC>`);
    expect(date(at, '{time}').text).toBe(`<!date^${at.getTime() / 1000}^{time}|2026-03-01 12:34 UTC>`);
    expect(date(at, '{time}|<!channel>').text).toBe(date(at).text);
    expect(date(new Date('not a date')).text).toBe('an unknown time');
  });

  it('joinMd escapes strings among its items and a string separator', () => {
    expect(joinMd([mention('UALICE0001'), '<!here>'], ' <&> ').text).toBe(
      '<@UALICE0001> &lt;&amp;&gt; &lt;!here&gt;',
    );
  });

  it('clipMd never cuts an entity or a mention in two', () => {
    const long = md`${'x'.repeat(10)}${'<'}${mention('UALICE0001')}`;
    for (let max = 5; max < long.text.length; max++) {
      const clipped = clipMd(long, max).text;
      expect(clipped.length, String(max)).toBeLessThanOrEqual(max);
      expect(clipped, String(max)).toMatch(/^x*(&lt;)?(<@UALICE0001>)?…$/);
    }
  });
});

describe('block helpers', () => {
  it('accept Mrkdwn only: a string is a type error', () => {
    // Never called: these lines are checked by `tsc --noEmit`, which fails if a string is accepted.
    const _typeChecks = () => [
      // @ts-expect-error raw text cannot reach a mrkdwn field
      section('<!channel>'),
      // @ts-expect-error raw text cannot reach a mrkdwn field
      fields(['<!channel>']),
      // @ts-expect-error raw text cannot reach a mrkdwn field
      context('<!channel>'),
      // @ts-expect-error raw text cannot reach a mrkdwn field
      packSections(['<!channel>'], 10),
    ];
    expect(section(md`${HOSTILE}`)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: INERT } });
  });

  it('still show as text a string smuggled past the types', () => {
    expect(section(HOSTILE as never)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: INERT } });
    expect(context(HOSTILE as never)).toMatchObject({ elements: [{ text: INERT }] });
  });
});

describe('outside text that reached Slack unescaped before', () => {
  it("the request form's line of what could not be read (GitHub, S3 and config file errors)", () => {
    const view = requestModal({
      services: [],
      service: { name: 'fpo-search' } as never,
      targets: [],
      ctx: { service: 'fpo-search', channel: 'CROLLBACK1' },
      problem: `Could not read: S3 bucket b: ${HOSTILE}`,
    });
    const texts = JSON.stringify(view.blocks);
    expect(texts).not.toContain('<!channel>');
    expect(texts).toContain(`Could not read: S3 bucket b: ${INERT}`);
  });

  it('the branch GitHub names as the default, in the no-change notice', () => {
    const { text } = renderNotice({ kind: 'no_change', id: 'R-7KQ2', version: '1.25.0', branch: HOSTILE });
    expect(text.text).toBe(
      `:information_source: ${INERT} already configures 1.25.0; nothing to do. R-7KQ2 ends without a PR.`,
    );
  });
});
