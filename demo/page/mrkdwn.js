// Slack mrkdwn → DOM. Text always becomes text nodes (textContent), never HTML: what the bot shows
// comes from people too. Supported: *bold*, _italic_, ~strike~, `code`, ```code blocks```, > quotes,
// <url|text> links, <@U…> people, <#C…> channels, <!subteam^S…> user groups, <!here>,
// <!date^ts^format|fallback> dates, :emoji: shortcodes, and Slack's three escapes (&amp; &lt; &gt;).

const EMOJI = {
  '+1': '👍',
  '-1': '👎',
  alarm_clock: '⏰',
  arrow_down: '⬇️',
  arrow_left: '⬅️',
  arrow_right: '➡️',
  arrow_up: '⬆️',
  arrows_counterclockwise: '🔄',
  bar_chart: '📊',
  bell: '🔔',
  boom: '💥',
  bug: '🐛',
  bulb: '💡',
  calendar: '📅',
  chart_with_downwards_trend: '📉',
  chart_with_upwards_trend: '📈',
  checkered_flag: '🏁',
  clipboard: '📋',
  construction: '🚧',
  exclamation: '❗',
  eyes: '👀',
  fire: '🔥',
  gear: '⚙️',
  grey_question: '❔',
  heart: '❤️',
  heavy_check_mark: '✔️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  inbox_tray: '📥',
  information_source: 'ℹ️',
  key: '🔑',
  label: '🏷️',
  large_blue_circle: '🔵',
  large_green_circle: '🟢',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  link: '🔗',
  lock: '🔒',
  mag: '🔍',
  memo: '📝',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  ok_hand: '👌',
  package: '📦',
  pager: '📟',
  pray: '🙏',
  pushpin: '📌',
  question: '❓',
  raised_hands: '🙌',
  red_circle: '🔴',
  repeat: '🔁',
  robot_face: '🤖',
  rocket: '🚀',
  rotating_light: '🚨',
  satellite_antenna: '📡',
  shield: '🛡️',
  slightly_smiling_face: '🙂',
  smile: '😄',
  sparkles: '✨',
  speech_balloon: '💬',
  spiral_note_pad: '🗒️',
  star: '⭐',
  stopwatch: '⏱️',
  tada: '🎉',
  test_tube: '🧪',
  thinking_face: '🤔',
  thumbsdown: '👎',
  thumbsup: '👍',
  twisted_rightwards_arrows: '🔀',
  unlock: '🔓',
  warning: '⚠️',
  wastebasket: '🗑️',
  wave: '👋',
  white_check_mark: '✅',
  white_circle: '⚪',
  white_large_square: '⬜',
  x: '❌',
  zap: '⚡',
};

/** Replaces known :shortcodes: with their characters; unknown ones stay as typed. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
}

/** Slack escapes only these three in message text. */
export function decode(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
const STYLE = { '*': 'b', _: 'i', '~': 's' };

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** `<…>`: a link, a mention, a user group, a date or a special mention. */
function angle(content) {
  if (content.startsWith('@')) {
    const [id, label] = splitOnce(content.slice(1), '|');
    return { t: 'user', id, label };
  }
  if (content.startsWith('#')) {
    const [id, label] = splitOnce(content.slice(1), '|');
    return { t: 'channel', id, label };
  }
  if (content.startsWith('!subteam^')) {
    const [id, label] = splitOnce(content.slice('!subteam^'.length), '|');
    return { t: 'group', id, label };
  }
  if (content.startsWith('!date^')) {
    const [spec, fallback] = splitOnce(content.slice('!date^'.length), '|');
    const [ts, format, link] = spec.split('^');
    return { t: 'date', ts: Number(ts), format: format ?? '', link, fallback: decode(fallback ?? '') };
  }
  if (content.startsWith('!')) {
    const [name, label] = splitOnce(content.slice(1), '|');
    return { t: 'text', v: label ? decode(label) : `@${name}` };
  }
  const [url, label] = splitOnce(content, '|');
  return { t: 'link', url: decode(url), label: decode(label ?? url) };
}

function canOpen(s, i) {
  const c = s[i];
  const before = s[i - 1];
  const after = s[i + 1];
  return (
    (i === 0 || !WORD.test(before)) &&
    before !== c &&
    after !== undefined &&
    !SPACE.test(after) &&
    after !== c
  );
}

/** Index of the closing delimiter for the one at `i`, on the same line; -1 when there is none. */
function findClose(s, i) {
  const c = s[i];
  for (let k = i + 2; k < s.length; k++) {
    const ch = s[k];
    if (ch === '\n') return -1;
    if (ch === '<' || ch === '`') {
      const end = s.indexOf(ch === '<' ? '>' : '`', k + 1);
      if (end > k) {
        k = end;
        continue;
      }
    }
    if (ch === c && !SPACE.test(s[k - 1]) && (k + 1 >= s.length || !WORD.test(s[k + 1]))) return k;
  }
  return -1;
}

function parseInline(s) {
  const nodes = [];
  let buffer = '';
  const flush = () => {
    if (buffer) nodes.push({ t: 'text', v: decode(buffer) });
    buffer = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        nodes.push({ t: 'code', v: decode(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (c === '<') {
      const end = s.indexOf('>', i + 1);
      if (end > i + 1) {
        flush();
        nodes.push(angle(s.slice(i + 1, end)));
        i = end + 1;
        continue;
      }
    }
    if (STYLE[c] && canOpen(s, i)) {
      const end = findClose(s, i);
      if (end > 0) {
        flush();
        nodes.push({ t: STYLE[c], c: parseInline(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    buffer += c;
    i += 1;
  }
  flush();
  return nodes;
}

/** Lines, with `> ` quotes grouped into one quote node. */
function parseLines(s) {
  const nodes = [];
  const lines = s.split('\n');
  let quote = null;
  lines.forEach((line, index) => {
    const quoted = /^&gt;\s?/.exec(line);
    if (quoted) {
      if (!quote) {
        quote = { t: 'quote', c: [] };
        nodes.push(quote);
      } else quote.c.push({ t: 'br' });
      quote.c.push(...parseInline(line.slice(quoted[0].length)));
      return;
    }
    quote = null;
    if (index > 0 && nodes.at(-1)?.t !== 'quote') nodes.push({ t: 'br' });
    nodes.push(...parseInline(line));
  });
  return nodes;
}

/** The syntax tree of a mrkdwn string (pure: usable without a DOM). */
export function parseMrkdwn(text) {
  const nodes = [];
  const fence = /```([\s\S]*?)```/g;
  let last = 0;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    // A code block is a block of its own: the line break next to it is not shown twice.
    const before = text.slice(last, m.index).replace(/\n$/, '');
    if (before) nodes.push(...parseLines(before));
    nodes.push({ t: 'pre', v: decode(m[1].replace(/^\n/, '').replace(/\n$/, '')) });
    last = fence.lastIndex;
    if (text[last] === '\n') last += 1;
  }
  const rest = text.slice(last);
  if (rest) nodes.push(...parseLines(rest));
  return nodes;
}

// ---- dates ----

const ordinal = (n) => {
  const suffix =
    n % 10 === 1 && n !== 11
      ? 'st'
      : n % 10 === 2 && n !== 12
        ? 'nd'
        : n % 10 === 3 && n !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
};

function relativeDay(date, now) {
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const diff = Math.round((day(date) - day(now)) / 86_400_000);
  return diff === 0 ? 'today' : diff === -1 ? 'yesterday' : diff === 1 ? 'tomorrow' : undefined;
}

function ago(date, now) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [abs, 'second']
      : abs < 3600
        ? [Math.round(abs / 60), 'minute']
        : abs < 86_400
          ? [Math.round(abs / 3600), 'hour']
          : [Math.round(abs / 86_400), 'day'];
  const text = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

/** Slack's date tokens, in the reader's own time zone (as Slack shows them). */
export function formatSlackDate(ts, format, now = new Date()) {
  const date = new Date(ts * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const month = (style) => date.toLocaleString('en-US', { month: style });
  const weekday = date.toLocaleString('en-US', { weekday: 'long' });
  const pad = (n) => String(n).padStart(2, '0');
  const dateLong = `${weekday}, ${month('long')} ${ordinal(date.getDate())}, ${date.getFullYear()}`;
  const dateMid = `${month('long')} ${ordinal(date.getDate())}, ${date.getFullYear()}`;
  const dateShort = `${month('short')} ${date.getDate()}, ${date.getFullYear()}`;
  const pretty = (fallback) => {
    const word = relativeDay(date, now);
    return word ? word[0].toUpperCase() + word.slice(1) : fallback;
  };
  const tokens = {
    date_num: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    date_slash: `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`,
    date: dateMid,
    date_short: dateShort,
    date_long: dateLong,
    date_long_full: dateMid,
    date_pretty: pretty(dateMid),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    day_divider_pretty: pretty(dateLong),
    time: date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' }),
    time_secs: date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit' }),
    ago: ago(date, now),
  };
  let known = true;
  const text = format.replace(/\{([a-z_]+)\}/g, (whole, name) => {
    if (name in tokens) return tokens[name];
    known = false;
    return whole;
  });
  return known ? text : undefined;
}

// ---- DOM ----

const SAFE_URL = /^(https?:|mailto:)/i;

/**
 * ctx: { users: {id: {name}}, usergroups: {id: {handle}}, channels: [{id, name}],
 *        link?(url, label) → Node | undefined (in-page links) }
 */
function appendNodes(parent, nodes, ctx) {
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        parent.append(emojify(node.v));
        break;
      case 'br':
        parent.append(document.createElement('br'));
        break;
      case 'b':
      case 'i':
      case 's': {
        const el = document.createElement(node.t === 'b' ? 'strong' : node.t === 'i' ? 'em' : 's');
        appendNodes(el, node.c, ctx);
        parent.append(el);
        break;
      }
      case 'code': {
        const el = document.createElement('code');
        el.textContent = node.v;
        parent.append(el);
        break;
      }
      case 'pre': {
        const el = document.createElement('pre');
        el.textContent = node.v;
        parent.append(el);
        break;
      }
      case 'quote': {
        const el = document.createElement('blockquote');
        appendNodes(el, node.c, ctx);
        parent.append(el);
        break;
      }
      case 'link': {
        const custom = ctx.link?.(node.url, node.label);
        if (custom) {
          parent.append(custom);
        } else if (SAFE_URL.test(node.url)) {
          const a = document.createElement('a');
          a.href = node.url;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          a.textContent = emojify(node.label);
          parent.append(a);
        } else {
          parent.append(node.label);
        }
        break;
      }
      case 'user': {
        const el = document.createElement('span');
        el.className = 'mention';
        el.textContent = `@${ctx.users?.[node.id]?.name ?? node.label ?? node.id}`;
        parent.append(el);
        break;
      }
      case 'group': {
        const el = document.createElement('span');
        el.className = 'mention';
        const handle = ctx.usergroups?.[node.id]?.handle;
        el.textContent = handle ? `@${handle}` : (node.label ?? `@${node.id}`);
        parent.append(el);
        break;
      }
      case 'channel': {
        const el = document.createElement('span');
        el.className = 'mention';
        const channel = ctx.channels?.find((c) => c.id === node.id);
        el.textContent = `#${channel?.name ?? node.label ?? node.id}`;
        parent.append(el);
        break;
      }
      case 'date': {
        const el = document.createElement('time');
        el.dateTime = new Date(node.ts * 1000).toISOString();
        el.textContent = formatSlackDate(node.ts, node.format) ?? node.fallback;
        parent.append(el);
        break;
      }
      default:
        break;
    }
  }
}

/** A mrkdwn string as a fragment of DOM nodes. */
export function mrkdwn(text, ctx = {}) {
  const fragment = document.createDocumentFragment();
  appendNodes(fragment, parseMrkdwn(String(text ?? '')), ctx);
  return fragment;
}
