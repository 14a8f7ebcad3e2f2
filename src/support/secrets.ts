/**
 * What a secret looks like in text, for the logs (log.ts) and start-up errors (store/open.ts): tokens by
 * their shape, private keys, Slack's response and webhook URLs (whoever holds one can post as the bot),
 * and the password of a database URL however it is written. Redacting too much is fine; too little is a
 * leak, so every pattern errs wide.
 */

/** Database URL passwords are shown as this. */
export const HIDDEN = '***';

const TOKENS =
  /\b(?:xox[abpre]-[\w-]+|xapp-[\w-]+|gh[pousr]_\w+|github_pat_\w+|(?:AKIA|ASIA)[0-9A-Z]{16})\b/g;
// A whole PEM block; an unterminated one (a key cut short) up to the end of its base64.
const PRIVATE_KEY =
  /-----BEGIN[A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)/g;
// response_url (hooks.slack.com/commands|actions/…) and incoming webhooks (…/services/…), GovSlack too.
const SLACK_HOOK = /\bhttps?:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>)]*/g;
const DATABASE_URL = /\bpostgres(?:ql)?:\/\/[^\s"'<>]*/g;
// Query parameters that carry a credential: ?password=, &sslpassword=, X-Amz-Signature=, ?token=…
const SECRET_PARAMETER =
  /([?&][\w.-]{0,40}(?:pass|pwd|secret|token|signature|credential|key)[\w.-]{0,40}=)([^&\s#"'<>]*)/gi;

/**
 * The password of a postgres URL: everything between the user's ":" and the last "@" (a password with
 * an unescaped "@" in it still ends there, as URL parsers read it), and any password-like query value.
 */
export function databaseUrlSecrets(url: string): string[] {
  const secrets: string[] = [];
  const scheme = /^postgres(?:ql)?:\/\//.exec(url);
  if (!scheme) return secrets;
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at > 0 && colon >= 0 && colon < at) secrets.push(rest.slice(colon + 1, at));
  for (const m of rest.matchAll(SECRET_PARAMETER)) {
    const value = m[2] ?? '';
    secrets.push(value, decodeOr(value));
  }
  return [...new Set(secrets)].filter((s) => s !== '');
}

function decodeOr(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A value hidden before (a URL shown twice), perhaps followed by the punctuation of a sentence. */
const alreadyHidden = (value: string): boolean => /^\*\*\*[:.,;)\]]*$/.test(value);

/** The URL as it may be shown: `postgres://user:***@host/db?password=***`. */
export function safeDatabaseUrl(url: string): string {
  const scheme = /^postgres(?:ql)?:\/\//.exec(url);
  if (!scheme) return url;
  let rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at > 0 && colon >= 0 && colon < at) rest = `${rest.slice(0, colon + 1)}${HIDDEN}${rest.slice(at)}`;
  const hidden = rest.replace(SECRET_PARAMETER, (whole, name: string, value: string) =>
    alreadyHidden(value) ? whole : `${name}${HIDDEN}`,
  );
  return `${scheme[0]}${hidden}`;
}

/**
 * `text` (an error from a database driver, say) without any of the URL's secrets, nor the pieces of a
 * password that contains "@" (a driver may have split it there and shown the tail as a host name).
 */
export function withoutDatabaseSecrets(text: string, url: string): string {
  const secrets = databaseUrlSecrets(url);
  const pieces = secrets.flatMap((s) => s.split('@')).filter((p) => p.length >= 3);
  let out = text.replace(DATABASE_URL, (found) => safeDatabaseUrl(found));
  for (const secret of [...secrets, ...pieces].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(HIDDEN);
  }
  return out;
}

/** Free text with every secret-shaped part replaced. */
export function redactText(text: string): string {
  return (
    text
      .replace(PRIVATE_KEY, '[redacted private key]')
      .replace(TOKENS, '[redacted]')
      .replace(SLACK_HOOK, (url) => `${url.slice(0, url.indexOf('.com/') + 5)}[redacted]`)
      .replace(DATABASE_URL, (url) => safeDatabaseUrl(url))
      // (A database URL's parameters were hidden just above: `password=***` stays as it is.)
      .replace(SECRET_PARAMETER, (whole, name: string, value: string) =>
        value.startsWith(HIDDEN) ? whole : `${name}[redacted]`,
      )
  );
}
