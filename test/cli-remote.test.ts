/**
 * The CLI's remote mode (`--server URL --token T`, `$STRATA_SERVER`/`$STRATA_TOKEN`): one
 * scenario that touches every command a server can answer is run twice, once in local mode on
 * a SQLite file and once against a real HTTP server on 127.0.0.1 over another SQLite file, and
 * the two `--json` transcripts must be the same up to ids, times, hashes and who acted. So the
 * HTTP client cannot drift from the embedded engine. Then what only remote mode has: refusals
 * carry the server's codes, and a wrong token, a dead server or contradictory options say so.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { Strata } from "../src/index.js";
import { freePort } from "./support/free-port.js";
import { runCliIn } from "./support/local-cli.js";
import type { CliResult } from "./support/local-cli.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** A flow that waits for the signal `go`, for `run signal` and `run cancel`. */
const WAIT_FLOW = {
  start: "hold",
  nodes: {
    hold: { type: "wait", signal: "go", next: "done" },
    done: { type: "end", output: { got: "$signal.ok" } },
  },
};
const APPROVE = { amount: 5000, applicant: { id: "a-1", income: 90000, age: 30, country: "DE" } };

/** Runs one CLI command in some mode; the arguments come without the mode's options. */
type Cli = (args: string[]) => Promise<CliResult>;

let dir: string;
let server: FastifyInstance;
let serverStrata: Strata;
let base: string;
let adminToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-remote-"));
  copyFileSync(join(REPO, "examples", "loan.yaml"), join(dir, "loan.yaml"));
  copyFileSync(join(REPO, "examples", "loan-v2.yaml"), join(dir, "loan-v2.yaml"));
  writeFileSync(join(dir, "wait.json"), JSON.stringify(WAIT_FLOW));
  mkdirSync(join(dir, "apply"));
  writeFileSync(join(dir, "apply", "fees.json"), JSON.stringify({ ...WAIT_FLOW, name: "Fees" }));
  serverStrata = await Strata.open({ database: join(dir, "server.db"), actor: "setup" });
  // Named as local mode's actor: changes are recorded under a token's name.
  adminToken = (await serverStrata.tokens.create({ role: "admin", name: "local-ann" })).token;
  server = await createApp({ services: serverStrata.serviceLayer, rateLimit: 0 });
  const port = await freePort();
  base = await server.listen({ port, host: "127.0.0.1" });
});
afterAll(async () => {
  await server.close();
  await serverStrata.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process with `env`, in the test directory. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCliIn(dir, args, env);

const remote: Cli = (args) => cli(args, { STRATA_SERVER: base, STRATA_TOKEN: adminToken });

/**
 * Every command the backend offers, in an order that makes each succeed, plus a few refusals.
 * Returns the transcript: each command with its exit code and its parsed `--json` output.
 */
async function scenario(run: Cli): Promise<unknown[]> {
  const transcript: unknown[] = [];
  const step = async (...args: string[]): Promise<Record<string, unknown>> => {
    const result = await run([...args, "--json"]);
    expect(result.stderr, args.join(" ")).toBe("");
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    transcript.push({ args, code: result.code, output });
    return output;
  };
  await step("workflow", "create", "loan", "--file", "loan.yaml", "--name", "Loan decision");
  await step("workflow", "create", "loan"); // workflow_exists
  await step("draft", "show", "loan");
  await step("draft", "run", "loan", "--input", JSON.stringify(APPROVE), "--key", "c-1");
  await step("publish", "loan", "--description", "first rules");
  await step("draft", "show", "loan"); // not_found: no draft after publish
  await step("draft", "open", "loan");
  await step("draft", "save", "loan", "--file", "loan-v2.yaml", "--revision", "1");
  await step("draft", "save", "loan", "--file", "loan-v2.yaml", "--revision", "1"); // stale
  await step("draft", "revert", "loan");
  await step("draft", "save", "loan", "--file", "loan-v2.yaml");
  await step("publish", "loan", "--description", "stricter", "--retire-previous");
  await step("versions", "loan");
  await step("version", "show", "loan", "2");
  await step("version", "retire", "loan", "2"); // version_live
  await step("version", "restore", "loan", "1");
  await step("draft", "open", "loan", "--from", "1");
  await step("draft", "discard", "loan");
  await step("workflow", "list");
  await step("workflow", "show", "loan");
  const keyed = ["--input", JSON.stringify(APPROVE), "--key", "c-7", "--idempotency-key", "k-1"];
  const started = await step("run", "start", "loan", ...keyed);
  const again = await step("run", "start", "loan", ...keyed);
  expect(again.id).toBe(started.id);
  await step("run", "start", "loan", "--input", "{}"); // input_invalid, with every error
  await step("run", "start", "loan", "--version", "1", "--input", JSON.stringify(APPROVE));
  await step("run", "show", String(started.id));
  await step("workflow", "create", "hold", "--file", "wait.json");
  await step("publish", "hold");
  await step("apply", "-f", "apply", "--publish", "--dry-run");
  await step("apply", "-f", "apply", "--publish"); // creates and publishes fees
  await step("apply", "-f", "wait.json", "--publish"); // hold already has it: unchanged
  const waiting = await step("run", "start", "hold", "--input", "{}");
  await step("run", "signal", String(waiting.id), "go", "--data", '{"ok": true}');
  await step("run", "signal", String(waiting.id), "go"); // run_not_waiting
  const cancelled = await step("run", "start", "hold", "--input", "{}", "--test");
  await step("run", "cancel", String(cancelled.id));
  await step("run", "list");
  await step("run", "list", "--kind", "all", "--workflow", "hold", "--limit", "5");
  await step("workflow", "deactivate", "loan");
  await step("run", "start", "loan", "--input", JSON.stringify(APPROVE)); // deactivated
  await step("workflow", "activate", "loan");
  await step("version", "retire", "loan", "1");
  await step("version", "delete", "loan", "1"); // version_has_runs
  const token = await step("token", "create", "--role", "viewer", "--name", "dashboards");
  await step("token", "list");
  await step("token", "revoke", String(token.id));
  // Routing (DESIGN.md §3): v2 is live and v1 retired here.
  await step("rollback", "loan", "--to", "1", "--percent", "10"); // restores v1, rolls it out
  await step("rollout", "status", "loan");
  await step("rollout", "set", "loan", "--percent", "20");
  await step("route", "loan");
  await step("rollout", "start", "loan", "--to", "1", "--percent", "5"); // rollout_in_progress
  await step("rollout", "abort", "loan", "--reason", "checking");
  await step("rollout", "abort", "loan"); // not_found: none in progress
  const ramp = ["--steps", "50,100", "--every", "1h", "--guard", "failure-rate+2%/200"];
  await step("rollout", "start", "loan", "--to", "1", "--percent", "5", ...ramp);
  await step("rollout", "promote", "loan");
  await step("rollout", "list", "loan", "--limit", "5");
  await step("rollback", "loan", "--to", "2");
  await step("binding", "create", "intake", "--workflow", "loan", "--event", "loan.submitted");
  await step("binding", "create", "pinned", "--workflow", "loan", "--selector", "1");
  await step("binding", "create", "intake", "--workflow", "loan"); // binding_exists
  await step("binding", "list");
  await step("binding", "show", "pinned");
  await step("binding", "update", "pinned", "--selector", "2", "--event", "loan.submitted");
  await step("binding", "update", "intake", "--no-event");
  const viaBinding = ["--input", JSON.stringify(APPROVE), "--idempotency-key", "k-9"];
  await step("binding", "run", "pinned", ...viaBinding);
  await step(
    "event",
    "publish",
    "loan.submitted",
    "--data",
    JSON.stringify(APPROVE),
    "--key",
    "c-3",
  );
  await step("version", "retire", "loan", "1", "--dry-run");
  await step("version", "delete", "loan", "1", "--dry-run");
  await step("binding", "delete", "intake");
  await step("binding", "show", "intake"); // not_found
  await step("diff", "loan", "1", "2");
  await step("replay", String(started.id), "--version", "1");
  await step("adapter", "add", "loan", "--from", "1", "--to", "2", "--expression", "$");
  await step("adapter", "list", "loan");
  await step("workflow", "policy", "loan", "--compatibility", "full");
  const job = await step("backtest", "loan", "--target", "2", "--no-wait");
  await step("backtest", "show", String(job.id));
  await step("backtest", "cancel", String(job.id));
  await step("migrate", "loan", "--from", "1", "--to", "2", "--map", "review=review", "--dry-run");
  await step("audit", "list", "--workflow", "loan", "--limit", "5");
  await step("audit", "list");
  await step("audit", "verify");
  await step("run", "show", "run_01h0000000000000000000000"); // not_found
  return transcript;
}

/**
 * The transcript with what legitimately differs made uniform: ids numbered by first
 * appearance (so "the same run again" still shows), times, hashes, token secrets, and the
 * actor (`local-ann` locally, `token:<id>` against the server).
 */
function normalize(transcript: unknown[], actor: string): unknown {
  const ids = new Map<string, string>();
  const text = JSON.stringify(transcript)
    .replaceAll(actor, "<actor>")
    .replace(/\b(wfl|wflv|evt|run|tok|rol|bnd|bkt)_[0-9a-z]{26}\b/g, (id, prefix: string) => {
      if (!ids.has(id)) ids.set(id, `<${prefix}${ids.size}>`);
      return ids.get(id) ?? id;
    })
    .replace(/<tok\d+>\.[A-Za-z0-9_-]+/g, "<token>")
    // Local mode speaks with no token; the server records the one used beside the actor.
    .replace(/"actorTokenId":"<tok\d+>"/g, '"actorTokenId":null')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/sha256:[0-9a-f]{64}/g, "<hash>")
    .replace(/"(hash|prevHash|headHash)":"[0-9a-f]{64}"/g, '"$1":"<hash>"');
  return JSON.parse(text) as unknown;
}

describe("the CLI in remote mode", () => {
  it("answers every command exactly as local mode does", async () => {
    const db = join(dir, "local.db");
    const setup = await Strata.open({ database: db, actor: "setup" });
    await setup.tokens.create({ role: "admin", name: "local-ann" }); // as on the server
    await setup.close();
    const local = await scenario((args) => cli([...args, "--db", db, "--actor", "local-ann"]));
    const remoteTranscript = await scenario(remote);
    const expected = normalize(local, "local-ann");
    expect(normalize(remoteTranscript, "local-ann")).toEqual(expected);
    // The scenario really covered refusals, not only successes.
    const codes = (expected as Array<{ code: number; output: { error?: { code: string } } }>)
      .filter((step) => step.code !== 0)
      .map((step) => step.output.error?.code);
    expect(codes).toEqual([
      "workflow_exists",
      "not_found",
      "revision_mismatch",
      "version_live",
      "input_invalid",
      "run_not_waiting",
      "workflow_deactivated",
      "version_has_runs",
      "rollout_in_progress",
      "not_found",
      "binding_exists",
      "not_found",
      "not_found",
    ]);
  }, 60_000);

  it("takes --server and --token as flags too, and prints human output", async () => {
    const result = await cli(["workflow", "list", "--server", base, "--token", adminToken]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^KEY +NAME/m);
  });

  it("says what is wrong with the token, the server or the options", async () => {
    const wrong = await cli(["workflow", "list"], {
      STRATA_SERVER: base,
      STRATA_TOKEN: `${adminToken}x`,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error\[unauthorized\]: /);

    const missing = await cli(["workflow", "list"], { STRATA_SERVER: base });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error\[unauthorized\]: .*--token or set \$STRATA_TOKEN/);

    const port = await freePort();
    const dead = await cli(["workflow", "list", "--json"], {
      STRATA_SERVER: `http://127.0.0.1:${port}`,
      STRATA_TOKEN: adminToken,
    });
    expect(dead.code).toBe(1);
    expect(JSON.parse(dead.stdout)).toMatchObject({
      error: { code: "server_unreachable", status: 503 },
    });

    const both = await cli(["workflow", "list", "--db", "x.db", "--server", base]);
    expect(both.stderr).toMatch(/^error\[validation_failed\]: give either --db/);
    const tenant = await cli(["workflow", "list", "--tenant", "t2"], {
      STRATA_SERVER: base,
      STRATA_TOKEN: adminToken,
    });
    expect(tenant.stderr).toMatch(/--tenant applies to local mode only/);

    const worker = await remote(["worker"]);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/strata worker runs the engine .* not --server/);
  });

  it("lets --db win over $STRATA_SERVER, so a local command never reaches a server by surprise", async () => {
    const db = join(dir, "flag-wins.db");
    const result = await cli(["workflow", "create", "solo", "--db", db, "--json"], {
      STRATA_SERVER: "http://127.0.0.1:9",
      STRATA_TOKEN: adminToken,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ key: "solo" });
  });

  it("keeps a role's limits: a viewer's token cannot open a draft", async () => {
    const viewer = (await serverStrata.tokens.create({ role: "viewer" })).token;
    const result = await cli(["draft", "open", "loan", "--json"], {
      STRATA_SERVER: base,
      STRATA_TOKEN: viewer,
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "forbidden", status: 403 } });
  });
});
