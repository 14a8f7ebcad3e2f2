/**
 * Debug logs in Socket Mode (audit issue 14, finding 11): the socket-mode client logs every envelope
 * whole, and envelopes carry response_urls (anyone holding one can answer as the bot) and tokens. At
 * LOG_LEVEL=debug the bot writes the envelope's type and id only.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/support/log.js';
import { useHarness } from '../support/harness.js';

const start = useHarness();

describe('LOG_LEVEL=debug in Socket Mode', () => {
  it('logs each envelope by type and id, never its body', async () => {
    const lines: string[] = [];
    const h = await start({
      socketMode: true,
      logLevel: 'debug',
      log: createLogger('debug', { app: 'rollback-bot' }, (line) => lines.push(line)),
    });
    const { envelopeId, responseId } = await h.socket.command('help secret-note-text');
    const responseUrl = h.slack.responseUrl(responseId);
    const text = lines.join('\n');
    expect(text).toContain(
      `Received a message on the WebSocket (type slash_commands, envelope_id ${envelopeId}; body not logged)`,
    );
    for (const secret of [responseUrl, responseId, 'deprecated-verification-token', 'secret-note-text'])
      expect(text).not.toContain(secret);
  });
});
