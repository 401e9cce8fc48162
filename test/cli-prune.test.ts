/**
 * `strata runs prune` in local mode on a SQLite file and in remote mode against a server over
 * HTTP: the dry run and the prune print the same count, the text and `--json` forms, what stays
 * (runs in flight, version run counts, a verifying audit log), and the refusals (a bad cutoff,
 * a missing flag, a token below admin).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { Strata } from "../src/index.js";
import type { Run, Version } from "../src/index.js";
import { freePort } from "./support/free-port.js";
import { localCli, runCliIn } from "./support/local-cli.js";
import type { CliResult } from "./support/local-cli.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
/** Approved at once by examples/loan.yaml. */
const APPROVE = { amount: 5000, applicant: { id: "a-1", income: 90000, age: 30, country: "DE" } };
/** Sent to review: it waits for a signal. */
const REVIEW = { amount: 50000, applicant: { id: "a-3", income: 40000, age: 30, country: "DE" } };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-prune-"));
  copyFileSync(join(REPO, "examples", "loan.yaml"), join(dir, "loan.yaml"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one command (with `--json` when asked) the way a mode runs it. */
type Cli = (...args: string[]) => Promise<CliResult>;

/** A workflow with one finished and one waiting run; returns the cutoff just after both. */
async function twoRuns(cli: Cli): Promise<{ cutoff: string; waiting: Run; versions: unknown }> {
  const json = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, "--json");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };
  await json("workflow", "create", "loan", "--file", "loan.yaml");
  await json("publish", "loan");
  await json("run", "start", "loan", "--input", JSON.stringify(APPROVE));
  const waiting = await json<Run>("run", "start", "loan", "--input", JSON.stringify(REVIEW));
  expect(waiting.status).toBe("waiting");
  await sleep(5);
  const versions = (await json<Version[]>("versions", "loan")).map((v) => v.runCounts);
  return { cutoff: new Date().toISOString(), waiting, versions };
}

/** The prune scenario, the same in both modes. */
async function pruneScenario(cli: Cli): Promise<void> {
  const { cutoff, waiting, versions } = await twoRuns(cli);

  const dry = await cli("runs", "prune", "--finished-before", cutoff, "--dry-run", "--json");
  expect(dry.code, dry.stdout + dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({
    dryRun: true,
    finishedBefore: cutoff,
    workflow: null,
    pruned: 1,
    byVersion: [{ workflow: "loan", version: 1, count: 1 }],
  });
  const dryText = await cli("runs", "prune", "--finished-before", cutoff, "--dry-run");
  expect(dryText.stdout).toContain(
    `Would prune 1 finished run that ended before ${cutoff} (dry run: nothing was deleted).`,
  );

  const done = await cli("runs", "prune", "--finished-before", cutoff, "--workflow", "loan");
  expect(done.code, done.stderr).toBe(0);
  expect(done.stdout).toContain(
    `Pruned 1 finished run of workflow loan that ended before ${cutoff}.`,
  );
  expect(done.stdout).toMatch(/loan\s+v1\s+1/);
  expect(done.stdout).toContain("Version run counts are unchanged");

  const listed = JSON.parse((await cli("run", "list", "--json")).stdout) as Run[];
  expect(listed.map((run) => run.id)).toEqual([waiting.id]);
  const after = JSON.parse((await cli("versions", "loan", "--json")).stdout) as Version[];
  expect(after.map((v) => v.runCounts)).toEqual(versions);
  const verdict = JSON.parse((await cli("audit", "verify", "--json")).stdout) as { ok: boolean };
  expect(verdict.ok).toBe(true);
  const audit = JSON.parse((await cli("audit", "list", "--json")).stdout) as Array<{
    action: string;
    after: unknown;
  }>;
  expect(audit.at(-1)).toMatchObject({
    action: "runs.pruned",
    after: { finishedBefore: cutoff, workflow: "loan", pruned: 1 },
  });

  const bad = await cli("runs", "prune", "--finished-before", "90", "--json");
  expect(bad.code).toBe(1);
  const error = (JSON.parse(bad.stdout) as { error: { code: string; message: string } }).error;
  expect(error.code).toBe("validation_failed");
  expect(error.message).toContain("90d");
}

describe("strata runs prune, local", () => {
  const { strata } = localCli(() => ({ cwd: dir, db: join(dir, "strata.db") }));

  it("dry-runs, prunes, and keeps counts, runs in flight and the audit chain", async () => {
    await pruneScenario(strata);
  });

  it("needs --finished-before", async () => {
    const result = await strata("runs", "prune");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--finished-before");
  });
});

describe("strata runs prune, remote", () => {
  let server: FastifyInstance;
  let engine: Strata;
  let base: string;
  let serverDir: string;

  beforeAll(async () => {
    serverDir = mkdtempSync(join(tmpdir(), "strata-cli-prune-server-"));
    engine = await Strata.open({ database: join(serverDir, "server.db"), actor: "setup" });
    server = await createApp({ services: engine.serviceLayer, rateLimit: 0 });
    base = await server.listen({ port: await freePort(), host: "127.0.0.1" });
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  const remote = (token: string): Cli => {
    return (...args) => runCliIn(dir, args, { STRATA_SERVER: base, STRATA_TOKEN: token });
  };

  it("does the same against a server with an admin token", async () => {
    const { token } = await engine.tokens.create({ role: "admin", name: "ops" });
    await pruneScenario(remote(token));
  });

  it("is refused below admin", async () => {
    const admin = (await engine.as({ tenantId: "other" }).tokens.create({ role: "admin" })).token;
    const { cutoff } = await twoRuns(remote(admin));
    const publisher = await engine.as({ tenantId: "other" }).tokens.create({ role: "publisher" });
    const result = await remote(publisher.token)(
      "runs",
      "prune",
      "--finished-before",
      cutoff,
      "--json",
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "forbidden" } });
    const dry = await remote(admin)(
      "runs",
      "prune",
      "--finished-before",
      cutoff,
      "--dry-run",
      "--json",
    );
    expect(JSON.parse(dry.stdout)).toMatchObject({ pruned: 1 });
  });
});
