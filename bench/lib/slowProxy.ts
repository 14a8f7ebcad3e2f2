/**
 * An HTTP proxy that holds every request for `delayMs` before passing it on unchanged (headers included:
 * the S3 client's SigV4 signature covers the Host header, which therefore stays the proxy's own). Puts a
 * remote system's latency in front of a local fake without touching the fake or the bot's clients: the
 * bot in another process is simply given the proxy's URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        const out = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', (err) => {
          if (!res.headersSent) res.writeHead(502);
          res.end(`slow proxy: ${err.message}`);
        });
        out.end(Buffer.concat(chunks));
      }, delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
