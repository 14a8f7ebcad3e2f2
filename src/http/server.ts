/**
 * The HTTP server of the process. Bolt's receiver handles `/slack/events` only (behind our gate);
 * the other routes are ours. Owning the server lets Socket Mode keep serving SNS, GitHub webhooks,
 * health and metrics on the same port, lets tests listen on port 0, and lets a drain see every request
 * still being answered. An optional second server, the admin port, serves only health and metrics.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { InFlight } from '../support/inFlight.js';
import type { Logger } from '../support/log.js';

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

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request body, or undefined past 1 MiB (nothing Slack, SNS or GitHub sends here is that big). Read
 * with events rather than `for await`: the async iterator cost more than the HMAC on every Slack request.
 * Past the limit the request is destroyed, as breaking out of `for await` did.
 */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      req.destroy();
      resolve(undefined);
    };
    const onEnd = () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
    // A client gone before the end: settle now rather than never.
    req.once('close', () => {
      if (!req.complete) reject(new Error('the request was closed before its body ended'));
    });
  });
}

export function createHttpServer(options: {
  slack?: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  routes: readonly Route[];
  log: Logger;
  inFlight: InFlight;
}): Server {
  const fail = (path: string, res: ServerResponse) => (err: unknown) => {
    options.log.error('http route failed', { path, error: err });
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.end();
  };
  return createServer((req, res) => {
    options.inFlight.track(new Promise<void>((resolve) => res.once('close', resolve)));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/slack/events' && options.slack) {
      Promise.resolve()
        .then(() => options.slack?.(req, res))
        .catch(fail(path, res));
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
      .catch(fail(path, res));
  });
}

/** Listens; a failure carries which listener it was, so the operator is told which variable to change. */
export function listen(
  server: Server,
  port: number,
  host: string | undefined,
  listener: 'public' | 'admin',
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(Object.assign(err, { listener }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
