/**
 * `strata worker list` (issue 16) in local mode on a SQLite file and in remote mode against a
 * server: the processes running a worker loop, with their slots and heartbeats; remote mode
 * needs an operator token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { Strata } from "../src/index.js";
import type { WorkerInfo } from "../src/index.js";
import { freePort } from "./support/free-port.js";
import { runCliIn } from "./support/local-cli.js";

describe("strata worker list", () => {
  let dir: string;
  let engine: Strata;
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-worker-list-"));
    engine = await Strata.open({ database: join(dir, "strata.db"), actor: "setup" });
    server = await createApp({ services: engine.serviceLayer, rateLimit: 0, consoleDir: null });
    base = await server.listen({ port: await freePort(), host: "127.0.0.1" });
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says none runs, then lists the running loop with its slots, locally and remotely", async () => {
    const db = join(dir, "strata.db");
    const none = await runCliIn(dir, ["--db", db, "worker", "list"]);
    expect(none.stdout).toContain("No worker is running");
    // One heartbeat only (at start), so the two listings below see the same row.
    engine.startWorker({ concurrency: 3, kind: "worker", heartbeatMs: 600_000 });
    try {
      const local = await runCliIn(dir, ["--db", db, "worker", "list", "--json"]);
      expect(local.code, local.stderr).toBe(0);
      const [row] = JSON.parse(local.stdout) as WorkerInfo[];
      expect(row).toMatchObject({ kind: "worker", concurrency: 3, status: "alive" });
      expect(row?.handlers).toEqual(["http"]);
      const table = await runCliIn(dir, ["--db", db, "worker", "list"]);
      expect(table.stdout).toMatch(/ID +KIND +HOST +PID +SLOTS +HANDLERS +HEARTBEAT +STATUS/);
      expect(table.stdout).toMatch(/worker_\S+ +worker +\S+ +\d+ +0\/3 +http +\S+ +alive/);

      const operator = await engine.tokens.create({ role: "operator" });
      const remote = await runCliIn(dir, ["worker", "list", "--json"], {
        STRATA_SERVER: base,
        STRATA_TOKEN: operator.token,
      });
      expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
      const viewer = await engine.tokens.create({ role: "viewer" });
      const refused = await runCliIn(dir, ["worker", "list", "--json"], {
        STRATA_SERVER: base,
        STRATA_TOKEN: viewer.token,
      });
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "forbidden" } });
    } finally {
      await engine.stopWorker();
    }
  });
});
