/**
 * The one HTTP server every fake is built on: listens on 127.0.0.1, port 0, buffers the request body,
 * and closes without waiting for idle keep-alive sockets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type HttpHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
) => void | Promise<void>;

export interface StartedHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startHttpServer(handler: HttpHandler): Promise<StartedHttpServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      Promise.resolve()
        .then(() => handler(req, res, Buffer.concat(chunks)))
        .catch((err: unknown) => {
          // A throwing handler is a bug in a fake: answer 500 with the message so the client's error
          // names it, instead of leaving the request hanging until the test times out.
          const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ message: `fake server error: ${message}` }));
          } else {
            res.destroy();
          }
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Real clients (undici, the AWS SDK, octokit) keep sockets alive; server.close() alone would wait
        // for them to time out. This also cuts requests still in flight (e.g. a deliberately slow reply).
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Writes a JSON response with the right content-type and length. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): void {
  const text = data === undefined ? '' : JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
