/**
 * The demo's page server, on 127.0.0.1: the page (static files, also at the permalinks the local Slack
 * hands out), its JSON API and live updates (server-sent events). The local Slack's Web API and response
 * URLs run on a port of their own (world/slack).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class DemoHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface DemoRoutes {
  /** `GET /demo/state?as=<user>`. */
  state(as: string): unknown;
  /** `POST /demo/<name>` with a JSON body; resolves with the JSON answer. */
  post(name: string, body: Record<string, unknown>): Promise<unknown>;
  version(): number;
  onChange(listener: () => void): () => void;
}

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/mrkdwn.js': { file: 'mrkdwn.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS = {
  // The page only talks to this server; message text is never HTML (see app.js), and this is the backstop.
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function sendJson(res: http.ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data ?? null);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export interface DemoServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDemoServer(routes: DemoRoutes, port: number): Promise<DemoServer> {
  const pageDir = new URL('./page/', import.meta.url);
  const files = new Map(
    Object.entries(PAGE_FILES).map(([path, f]) => [
      path,
      { body: readFileSync(new URL(f.file, pageDir)), type: f.type },
    ]),
  );
  const streams = new Set<http.ServerResponse>();
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        const status = err instanceof DemoHttpError ? err.status : 500;
        if (status === 500) process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
        if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
        else res.end();
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Only this origin's host names (no DNS rebinding), and no request from another site's page: a
    // browser sends Origin on cross-site requests.
    if (!allowedHosts.has(req.headers.host ?? '')) throw new DemoHttpError(421, 'unknown host');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin))
      throw new DemoHttpError(403, 'cross-site request');

    if (req.method === 'GET') {
      if (url.pathname === '/demo/state') {
        sendJson(res, 200, routes.state(url.searchParams.get('as') ?? ''));
        return;
      }
      if (url.pathname === '/demo/events') {
        openStream(res);
        return;
      }
      // Permalinks (`/archives/<channel>/p<ts>`) open the page, which reads the address.
      const file = files.get(url.pathname.startsWith('/archives/') ? '/' : url.pathname);
      if (!file) throw new DemoHttpError(404, 'not found');
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': file.body.length,
        ...SECURITY_HEADERS,
      });
      res.end(file.body);
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/demo/')) {
      // JSON only: a cross-site form cannot send it without a preflight.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new DemoHttpError(415, 'send JSON');
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new DemoHttpError(400, 'invalid JSON');
      }
      sendJson(res, 200, await routes.post(url.pathname.slice('/demo/'.length), input));
      return;
    }
    throw new DemoHttpError(404, 'not found');
  }

  /** Server-sent events: the state's version after each change (coalesced), the page fetches the rest. */
  function openStream(res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`retry: 1000\ndata: ${routes.version()}\n\n`);
    streams.add(res);
    res.on('close', () => streams.delete(res));
  }
  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = routes.onChange(() => {
    pending ??= setTimeout(() => {
      pending = undefined;
      for (const stream of streams) stream.write(`data: ${routes.version()}\n\n`);
    }, 30);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`]);
  allowedOrigins = new Set([...allowedHosts].map((host) => `http://${host}`));

  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    async close() {
      unsubscribe();
      clearTimeout(pending);
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
