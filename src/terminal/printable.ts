/**
 * What the CLI prints, made safe for a terminal: the output quotes outside text (what a healthcheck
 * answered, GitHub's error messages, Slack display names in the audit trail), and a terminal obeys
 * escape sequences in it: colours that hide a line, a cursor moved back over "FAIL", a title set, a
 * bell, a bidirectional override that shows text reversed. Newlines and tabs stay; every other control
 * or format character, and the whole of an escape sequence, goes.
 */

// An ESC or C1 CSI sequence with its parameters, an OSC/DCS/PM/APC string up to its terminator, or a
// two-character escape. Removed whole, so no "[31m" is left behind.
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]P^_X]|[\u0090\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\s\S]?/g;
// Everything in Unicode's Cc (control), Cf (format: bidi overrides, zero-width), Zl and Zp but \n and \t.
const CONTROL = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}
