/**
 * The one HTTP server of the process. Bolt's receiver handles `/slack/events` only (transport and
 * signature checks); the other routes are ours. Owning the server lets Socket Mode keep serving
 * SNS, GitHub webhooks and health on the same port, and lets tests listen on port 0.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '../log.js';

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> | void;
}

const MAX_BODY = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createHttpServer(options: {
  slackListener?: RequestListener;
  routes: readonly Route[];
  log: Logger;
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/slack/events' && options.slackListener) {
      options.slackListener(req, res);
      return;
    }
    const route = options.routes.find((r) => r.path === path);
    if (!route) return sendJson(res, 404, { error: 'not found' });
    if (route.method !== req.method) {
      res.setHeader('allow', route.method);
      return sendJson(res, 405, { error: `use ${route.method}` });
    }
    readBody(req)
      .then(async (body) => {
        if (body === undefined) return sendJson(res, 413, { error: 'body too large' });
        await route.handle(req, res, body);
      })
      .catch((err) => {
        options.log.error('http route failed', { path, error: err });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
  });
}
