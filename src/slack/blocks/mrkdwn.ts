/**
 * Safe mrkdwn by construction. Slack's formatting reference names `&`, `<` and `>` as the only control
 * characters: with them escaped, no `<!channel>`, `<!here>`, `<@U…>`, `<!subteam^…>` or masked
 * `<url|link>` can form. So markup is a `Mrkdwn` value, made only here: by the `md` tag, whose literal
 * parts are ours and whose every interpolated string is escaped, or by the constructors below, which
 * check what they wrap. Block helpers (kit.ts) take nothing else, so outside text cannot reach a
 * mrkdwn field without passing through here, and forgetting an escape is a type error.
 */

/** Held by this module alone: any other caller of `new Mrkdwn` fails at run time. */
const KEY: unique symbol = Symbol('mrkdwn');

export class Mrkdwn {
  readonly text: string;
  constructor(key: typeof KEY, text: string) {
    if (key !== KEY) throw new TypeError('Mrkdwn is made by md`…` and the constructors in mrkdwn.ts');
    this.text = text;
    Object.freeze(this);
  }

  /**
   * Markup that slipped into a plain template string becomes a plain string again, which `md` escapes:
   * a mistake shows as over-escaped text, never as live markup.
   */
  toString(): string {
    return this.text;
  }
}

const trusted = (text: string): Mrkdwn => new Mrkdwn(KEY, text);

/** What `md` accepts between its literal parts: text (escaped), numbers, and markup made here. */
export type MdValue = string | number | Mrkdwn;

const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const render = (value: MdValue): string =>
  value instanceof Mrkdwn ? value.text : escapeMrkdwn(String(value));

/**
 * The tag: md`*${service}* is live`. Literal parts are trusted (only a real template literal has the
 * frozen `raw` array, so an array of outside strings cannot pose as one); values are escaped.
 */
export function md(literals: TemplateStringsArray, ...values: readonly MdValue[]): Mrkdwn {
  if (!Object.isFrozen(literals) || !Array.isArray(literals.raw)) {
    throw new TypeError('md is a template tag: md`…`');
  }
  let out = literals[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as MdValue) + (literals[i + 1] ?? '');
  return trusted(out);
}

/** Plain text as markup: escaped. */
export const asText = (value: string | number): Mrkdwn => trusted(escapeMrkdwn(String(value)));

export const EMPTY = trusted('');

/** Items joined by `sep`; strings among them (and a string separator) are escaped like any text. */
export function joinMd(items: readonly MdValue[], sep: MdValue = ''): Mrkdwn {
  return trusted(items.map(render).join(render(sep)));
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** `<@U…>`; anything that is not a user id is shown as text, so it can never become another mention. */
export const mention = (userId: string): Mrkdwn =>
  USER_ID.test(userId) ? trusted(`<@${userId}>`) : asText(userId);

export const usergroup = (id: string): Mrkdwn =>
  USERGROUP_ID.test(id) ? trusted(`<!subteam^${id}>`) : asText(id);

export const channel = (id: string): Mrkdwn => (CHANNEL_ID.test(id) ? trusted(`<#${id}>`) : asText(id));

/**
 * `<url|label>` for http(s) URLs only. A `|`, `<`, `>` or blank in the URL would end it early and let
 * the rest be read as markup, so such a URL is dropped and only the label shown.
 */
export function link(url: string, label: string | number): Mrkdwn {
  const shown = escapeMrkdwn(String(label));
  if (!/^https?:\/\/[^\s|<>]+$/i.test(url) || !URL.canParse(url)) return trusted(shown);
  return trusted(`<${url.replace(/&/g, '&amp;')}|${shown}>`);
}

/** Inline code: escaped, with backticks made quotes so the span cannot be closed from inside. */
export const code = (value: string): Mrkdwn => trusted(`\`${escapeMrkdwn(value.replace(/`/g, "'"))}\``);

/** A preformatted block; a run of three backticks inside would close it, so it becomes quotes. */
export const codeBlock = (value: string): Mrkdwn =>
  trusted(`\`\`\`${escapeMrkdwn(value.replace(/```/g, "'''"))}\`\`\``);

/** Tokens Slack knows in a date format; anything else in a format is dropped for the default. */
const DATE_FORMAT =
  /^(?:\{(?:date_num|date|date_short|date_long|date_pretty|date_short_pretty|date_long_pretty|time|time_secs|ago)\}|[ ,:./-])+$/;

/** Slack renders this in each reader's own time zone; the fallback is UTC. */
export function date(when: Date, format = '{date_short} {time}'): Mrkdwn {
  const ms = when.getTime();
  if (!Number.isFinite(ms)) return trusted('an unknown time');
  const fallback = `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const shape = DATE_FORMAT.test(format) ? format : '{date_short} {time}';
  return trusted(`<!date^${Math.floor(ms / 1000)}^${shape}|${fallback}>`);
}

/**
 * At most `max` characters, cut where no entity (`&lt;`) or `<…>` markup is split in two: half a
 * mention or link would show as debris, half an entity as stray text.
 */
export function clipMd(value: Mrkdwn, max: number): Mrkdwn {
  const t = value.text;
  if (t.length <= max) return value;
  let cut = t.slice(0, max - 1);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.lastIndexOf(';')) cut = cut.slice(0, amp);
  return trusted(`${cut}…`);
}
