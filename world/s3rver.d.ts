// s3rver 3.7 ships no typings. Only what world/s3.ts uses is declared, including two internals
// (the Koa middleware list and the filesystem store's path helper) that the fake relies on.
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Uint8Array> }>;
  }

  interface S3rverListResult {
    objects: Array<{ key: string }>;
    commonPrefixes: string[];
    isTruncated: boolean;
  }

  interface S3rverStore {
    /** Filesystem path of one of a key's files; `resource` is `object`, `metadata.json`, … */
    getResourcePath(bucket: string, key: string, resource: string): string;
    listObjects(bucket: string, options: Record<string, unknown>): Promise<S3rverListResult>;
  }

  // Koa's context, loosely: s3rver's controllers read ctx.store, ctx.query, ctx.path and set ctx.body.
  interface S3rverContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    body: unknown;
    store: S3rverStore;
  }

  type S3rverMiddleware = ((ctx: S3rverContext, next: () => Promise<void>) => unknown) & { router?: unknown };

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Koa's middleware stack; composed when the server starts listening. */
    middleware: S3rverMiddleware[];
    store: S3rverStore;
    httpServer?: import('node:http').Server;
    run(): Promise<import('node:net').AddressInfo>;
    close(): Promise<void>;
    reset(): void;
  }

  export = S3rver;
}
