/** How a failed healthcheck read is told to people, in Slack and in a terminal alike. */
import type { HealthError } from '../ports/models.js';
import { formatBytes } from '../support/bytes.js';

export function describeHealthError(error: HealthError): string {
  switch (error.kind) {
    case 'timeout':
      return `no answer within ${error.afterMs} ms`;
    case 'status':
      return `HTTP ${error.status}`;
    case 'invalid_json':
      return 'answered with invalid JSON';
    case 'missing_field':
      return `answer has no \`${error.field}\``;
    case 'bad_field':
      return `answer's \`${error.field}\` ${error.why}`;
    case 'too_large':
      return `answer from ${error.url} is larger than ${formatBytes(error.limitBytes)} (not a healthcheck?)`;
    case 'field_too_long':
      return `answer's \`${error.field}\` is ${error.length} characters long (at most ${error.max})`;
    case 'network':
      return `unreachable (${error.detail})`;
  }
}
