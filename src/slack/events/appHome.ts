/**
 * `app_home_opened`: the Home tab is built and published after the event is acknowledged (Bolt acks an
 * event before its listener runs; HTTP mode answers at once). Opening the Messages tab is not an open.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export function appHomeOpened(deps: SlackDeps) {
  return async ({ event }: Args): Promise<void> => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    if (typeof event.user !== 'string' || event.user === '') return;
    await deps.home.opened(event.user);
  };
}
