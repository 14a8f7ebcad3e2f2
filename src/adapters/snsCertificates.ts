/**
 * SNS signing certificates, fetched on behalf of unauthenticated requests: a certificate must be fetched
 * before a signature can be checked, so whoever can reach `POST /alerts/sns` chooses what is fetched.
 * Both costs are therefore bounded here, whatever arrives: at most `maxCached` certificates are kept
 * (least recently used goes first; SNS signs with one certificate per region at a time), and at most
 * `maxConcurrent` downloads run at once. Requests for a URL already being fetched share that download
 * and take no extra place; a request past the cap is refused at once rather than queued, so a flood
 * holds neither memory nor open requests.
 */
import { X509Certificate } from 'node:crypto';

export const DEFAULT_MAX_CACHED_CERTIFICATES = 16;
export const DEFAULT_MAX_CONCURRENT_FETCHES = 4;

/** Too many downloads under way: the message should be delivered again later (SNS retries 5xx). */
export class CertificateBusyError extends Error {
  constructor(limit: number) {
    super(`${limit} signing certificates are already being fetched; try again shortly`);
    this.name = 'CertificateBusyError';
  }
}

export interface CertificateCache {
  get(url: string): Promise<X509Certificate>;
  /** Certificates kept now (diagnostics and tests). */
  readonly size: number;
}

export function certificateCache(
  fetchPem: (url: string) => Promise<string>,
  options: { maxCached?: number; maxConcurrent?: number } = {},
): CertificateCache {
  const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED_CERTIFICATES;
  const maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_FETCHES;
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recently used first.
  const kept = new Map<string, X509Certificate>();
  const fetching = new Map<string, Promise<X509Certificate>>();

  function keep(url: string, certificate: X509Certificate): void {
    kept.delete(url);
    kept.set(url, certificate);
    while (kept.size > maxCached) {
      const oldest = kept.keys().next().value;
      if (oldest === undefined) break;
      kept.delete(oldest);
    }
  }

  return {
    get(url) {
      const hit = kept.get(url);
      if (hit) {
        keep(url, hit);
        return Promise.resolve(hit);
      }
      const running = fetching.get(url);
      if (running) return running;
      if (fetching.size >= maxConcurrent) return Promise.reject(new CertificateBusyError(maxConcurrent));
      // (Started in a then: a fetcher that throws at once rejects like one that fails later.)
      const download = Promise.resolve(url)
        .then(fetchPem)
        .then((pem) => new X509Certificate(pem))
        .then((certificate) => {
          keep(url, certificate);
          return certificate;
        })
        .finally(() => fetching.delete(url));
      fetching.set(url, download);
      return download;
    },
    get size() {
      return kept.size;
    },
  };
}
