/** How Slack reads the arguments of a Web API call. */
import type http from 'node:http';

/**
 * Form-encoded calls carry every non-scalar argument as a JSON string (WebClient.serializeBody). These
 * are the arguments that hold structures; parsing only these keeps a `text` like "[1]" a string.
 */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

/**
 * The arguments of a Web API call as Slack reads them (query, form or JSON body). A structured field
 * holding malformed JSON is handed to `onMalformed` (a strict workspace answers `invalid_<field>` like
 * Slack); by default it is left as the string the client sent, so a test sees it.
 */
export function parseArgs(
  req: http.IncomingMessage,
  body: Buffer,
  query: URLSearchParams,
  onMalformed: (field: string) => void = () => undefined,
): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  const text = body.toString('utf8');
  if (text === '') return args;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    return { ...args, ...(JSON.parse(text) as Record<string, unknown>) };
  }
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = value;
  }
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        onMalformed(key);
      }
    }
  }
  return args;
}
