/**
 * Socket Mode connection state for `/readyz`, read from the socket-mode client's own lifecycle events
 * (`connecting`, `connected`, `disconnecting`, `disconnected`, and `close`, which it emits whenever the
 * socket goes away: between that and the reconnect no lifecycle event says the bot is deaf). The client
 * reconnects by itself after Slack's `disconnect` message or a dropped link; this module only watches,
 * and owns the final disconnect on stop.
 */
import type { SocketModeReceiver } from '@slack/bolt';

type SocketModeClient = SocketModeReceiver['client'];

export interface SocketModeWatch {
  /** A readiness check: ok only while the socket is connected (Slack has said `hello`). */
  check(): { readonly name: string; readonly ok: boolean; readonly detail: string };
  /** Closes the socket for good and waits until it is closed. */
  stop(): Promise<void>;
}

export function watchSocketMode(
  client: SocketModeClient,
  now: () => Date = () => new Date(),
): SocketModeWatch {
  let ok = false;
  let detail = 'not started';
  let stopping = false;
  let reconnects = 0;
  const at = () => now().toISOString();

  client.on('connecting', () => {
    if (reconnects === 0) detail = 'connecting';
  });
  client.on('connected', () => {
    if (stopping) {
      // socket-mode 3.1 finishes a reconnect that was in flight when disconnect() was called
      // (SocketModeClient.start awaits apps.connections.open, then connects regardless): close it again.
      void client.disconnect();
      return;
    }
    ok = true;
    detail = `connected since ${at()}${reconnects > 0 ? ` (reconnected ${reconnects}×)` : ''}`;
  });
  client.on('close', () => {
    // The client emits `disconnected` before this on a deliberate disconnect; keep that state.
    if (!ok) return;
    ok = false;
    reconnects += 1;
    detail = `socket closed at ${at()}; reconnecting`;
  });
  client.on('disconnecting', () => {
    ok = false;
    detail = 'disconnecting';
  });
  client.on('disconnected', () => {
    ok = false;
    detail = 'disconnected';
  });

  return {
    check: () => ({ name: 'slack socket mode', ok, detail }),
    async stop() {
      stopping = true;
      // Not App.stop(): Bolt's SocketModeReceiver.stop() calls disconnect() without awaiting it.
      await client.disconnect();
    },
  };
}
