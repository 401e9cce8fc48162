/**
 * The run commands of the `strata` CLI (`run start|show|list|signal|cancel`, `draft run`,
 * `worker`), driven in-process through `runCli` on a temporary SQLite file: output in both
 * modes, the `--json` shapes and run field names (DESIGN.md §7), exit codes and error codes.
 * `strata worker` also runs as a child process, stopped with SIGTERM.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Run } from "../src/index.js";
import type { OpenedBackend } from "../src/cli/backend.js";
import type { CliIo } from "../src/cli/cli-io.js";
import type { BackendOpener } from "../src/cli/command-runner.js";
import { runCli } from "../src/cli/run-cli.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(REPO, "src", "cli", "main.ts");
/** tsx's loader by absolute URL, as in cli-walkthrough.test.ts. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** What one CLI run printed and returned. */
interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The fields DESIGN.md §7 names for a run, and those the engine adds. */
const RUN_FIELDS = [
  "id",
  "workflowId",
  "versionId",
  "versionNumber",
  "kind",
  "status",
  "input",
  "output",
  "error",
  "route",
  "routingKey",
  "waitingFor",
  "pendingTask",
  "trace",
  "migrations",
  "createdBy",
  "createdAt",
  "updatedAt",
  "endedAt",
];

/** An application `examples/loan.yaml` approves at once (score 90 - 30 = 60, from DE). */
const APPROVE = { amount: 5000, applicant: { id: "a-1", income: 90000, age: 30, country: "DE" } };
/** One it rejects at once (score 60, from the US). */
const REJECT = { amount: 5000, applicant: { id: "a-2", income: 90000, age: 30, country: "US" } };
/** One it sends to review: more than 10,000 with a score of 40 - 30 = 10. */
const REVIEW = { amount: 50000, applicant: { id: "a-3", income: 40000, age: 30, country: "DE" } };

/** A wait whose timer fires after 0.2 s and takes the `onTimeout` branch. */
const TIMER_FLOW = {
  start: "hold",
  nodes: {
    hold: { type: "wait", signal: "go", timeout: "PT0.2S", onTimeout: "late", next: "done" },
    done: { type: "end", output: { via: "'signal'" } },
    late: { type: "end", output: { via: "'timeout'" } },
  },
};

let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-runs-"));
  db = join(dir, "test.db");
  copyFileSync(join(REPO, "examples", "loan.yaml"), join(dir, "loan.yaml"));
  writeFileSync(join(dir, "timer.json"), JSON.stringify(TIMER_FLOW));
  writeFileSync(join(dir, "approve.json"), JSON.stringify(APPROVE));
  writeFileSync(join(dir, "broken.json"), "{ amount: 1");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An in-memory `CliIo` on the test directory, and what was written to it. */
function memoryIo(options: { env?: Record<string, string>; stop?: AbortSignal } = {}): {
  io: CliIo;
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: options.env ?? {},
    cwd: dir,
    ...(options.stop === undefined ? {} : { stop: options.stop }),
  };
  return { io, out, err };
}

/** Runs the CLI on the test database; `open` replaces the backend opener. */
async function strata(args: string[], open?: BackendOpener): Promise<CliResult> {
  const { io, out, err } = memoryIo();
  const code = await runCli(["--db", db, ...args], io, open);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Runs a command with `--json`, expects success, and parses its one JSON document. */
async function json<T>(...args: string[]): Promise<T> {
  const result = await strata([...args, "--json"]);
  expect(result.stderr).toBe("");
  expect(result.code, result.stdout).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Runs a command and expects it to succeed, returning its human output. */
async function ok(...args: string[]): Promise<string> {
  const result = await strata(args);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Runs a command and expects the Strata error `code`, in human and in JSON form. */
async function fails(
  code: string,
  ...args: string[]
): Promise<{ human: CliResult; error: Record<string, unknown> }> {
  const human = await strata(args);
  expect(human.code).toBe(1);
  expect(human.stdout).toBe("");
  expect(human.stderr).toMatch(new RegExp(`^error\\[${code}\\]: \\S`));
  const asJson = await strata([...args, "--json"]);
  expect(asJson.code).toBe(1);
  expect(asJson.stderr).toBe("");
  const body = JSON.parse(asJson.stdout) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ code, status: expect.any(Number) as unknown });
  return { human, error: body.error };
}

/** Runs a command and expects a usage error (exit 2, commander's message on stderr). */
async function misused(...args: string[]): Promise<string> {
  const result = await strata(args);
  expect(result.code, args.join(" ")).toBe(2);
  expect(result.stdout).toBe("");
  return result.stderr;
}

/** Creates `loan` from examples/loan.yaml and publishes version 1. */
async function publishedLoan(): Promise<void> {
  await ok("workflow", "create", "loan", "--file", "loan.yaml");
  await ok("publish", "loan");
}

/** Starts a run of `loan` with `input` and returns it. */
function start(input: object, ...flags: string[]): Promise<Run> {
  return json<Run>("run", "start", "loan", "--input", JSON.stringify(input), ...flags);
}

/**
 * An opener that hands every command the same engine, as a long-running process (or, later,
 * a server) would; closing the command closes nothing. Used where a command must not open a
 * fresh engine: see "signals a run from a freshly opened engine" below.
 */
async function sharedEngine(): Promise<{ open: BackendOpener; engine: Strata }> {
  const engine = await Strata.open({ database: db, actor: "ann" });
  const open = (): Promise<OpenedBackend> =>
    Promise.resolve(
      Object.assign(Object.create(engine) as Strata, { close: () => Promise.resolve() }),
    );
  return { open, engine };
}

describe("strata run start", () => {
  it("finishes a pure decision flow at once and prints its output", async () => {
    await publishedLoan();
    const human = await ok("run", "start", "loan", "--input", JSON.stringify(APPROVE));
    expect(human).toMatch(/^id: +run_\w+$/m);
    expect(human).toMatch(/^workflowId: +wfl_\w+ \(loan\)$/m);
    expect(human).toMatch(/^versionNumber: +1$/m);
    expect(human).toMatch(/^kind: +production$/m);
    expect(human).toMatch(/^status: +completed$/m);
    expect(human).toMatch(/^output: +\{"decision":"approve","score":60\}$/m);
    expect(human).toMatch(/^waitingFor: +-$/m);
    expect(human).not.toMatch(/^trace:/m);

    const run = await start(REJECT, "--actor", "bob");
    expect(Object.keys(run).sort()).toEqual([...RUN_FIELDS].sort());
    expect(run).toMatchObject({
      versionNumber: 1,
      kind: "production",
      status: "completed",
      input: REJECT,
      output: { decision: "reject", score: 60 },
      error: null,
      route: { selector: "live" },
      waitingFor: null,
      pendingTask: null,
      createdBy: "bob",
      endedAt: expect.any(String) as unknown,
    });
    expect(run.id).toMatch(/^run_/);
    expect(run.trace).toHaveLength(3);
  });

  it("prints a run that reaches a wait as waiting, with what it waits for", async () => {
    await publishedLoan();
    const human = await ok("run", "start", "loan", "--input", JSON.stringify(REVIEW));
    expect(human).toMatch(/^status: +waiting$/m);
    expect(human).toMatch(/^waitingFor: +signal review, times out at \d{4}-\d\d-\d\dT/m);
    expect(human).toMatch(/^output: +-$/m);
    const run = await start(REVIEW);
    expect(run).toMatchObject({ status: "waiting", output: null, endedAt: null });
    expect(run.waitingFor).toEqual({ signal: "review", deadline: expect.any(String) as unknown });
  });

  it("resolves --version, and makes --test and --version draft test runs", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    expect(await start(APPROVE, "--version", "latest")).toMatchObject({
      versionNumber: 1,
      route: { selector: "latest" },
    });
    expect(await start(APPROVE, "--version", "1")).toMatchObject({
      versionNumber: 1,
      route: { selector: "1" },
    });
    expect(await start(APPROVE, "--test")).toMatchObject({ versionNumber: 1, kind: "test" });
    const draftRun = await start(APPROVE, "--version", "draft");
    expect(draftRun).toMatchObject({ versionNumber: null, kind: "test" });
    const human = await ok(
      "run",
      "start",
      "loan",
      "--input",
      JSON.stringify(APPROVE),
      "--version",
      "draft",
      "--test",
    );
    expect(human).toMatch(/^versionNumber: +draft$/m);
    expect(human).toMatch(/^kind: +test$/m);
    await fails("not_found", "run", "start", "loan", "--input", "{}", "--version", "9");
    expect(await misused("run", "start", "loan", "--input", "{}", "--version", "newest")).toMatch(
      /option '--version <selector>' argument 'newest' is invalid/,
    );
  });

  it("records --key as the routing key and returns the same run for --idempotency-key", async () => {
    await publishedLoan();
    const first = await start(APPROVE, "--key", "customer-7", "--idempotency-key", "k1");
    expect(first.routingKey).toBe("customer-7");
    const again = await start(APPROVE, "--key", "customer-7", "--idempotency-key", "k1");
    expect(again.id).toBe(first.id);
    const { error } = await fails(
      "idempotency_key_reused",
      "run",
      "start",
      "loan",
      "--input",
      JSON.stringify(REJECT),
      "--idempotency-key",
      "k1",
    );
    expect(error.details).toEqual({ runId: first.id });
  });

  it("refuses an input that does not match the schema, listing every error", async () => {
    await publishedLoan();
    const bad = JSON.stringify({ amount: "lots", applicant: { id: 7, age: 30 } });
    const { human, error } = await fails("input_invalid", "run", "start", "loan", "--input", bad);
    const details = error.details as Array<{ path: string; message: string }>;
    expect(details.map((problem) => problem.path).sort()).toEqual([
      "/amount",
      "/applicant",
      "/applicant",
      "/applicant/id",
    ]);
    const lines = human.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^error\[input_invalid\]: the input does not match .*4 error/);
    expect(lines.slice(1).sort()).toEqual(
      details.map((problem) => `  ${problem.path}: ${problem.message}`).sort(),
    );
    expect(lines).toContain("  /applicant: must have required property 'income'");
    expect(await json<Run[]>("run", "list")).toEqual([]);
  });

  it("exits 2 naming the option when --input is not JSON, and reads @file", async () => {
    await publishedLoan();
    expect(await misused("run", "start", "loan", "--input", "{amount: 1}")).toMatch(
      /^error: option '--input <json>' argument '\{amount: 1\}' is invalid\. expected JSON/,
    );
    expect(await misused("run", "start", "loan")).toMatch(/required option '--input <json>'/);
    expect(await start({}, "--input", "@approve.json")).toMatchObject({ input: APPROVE });
    const missing = await fails("not_found", "run", "start", "loan", "--input", "@nope.json");
    expect(missing.human.stderr).toMatch(/--input file '.*nope\.json' does not exist/);
    const broken = await fails(
      "validation_failed",
      "run",
      "start",
      "loan",
      "--input",
      "@broken.json",
    );
    expect(broken.human.stderr).toMatch(/--input file '.*broken\.json' is not valid JSON/);
  });

  it("refuses unknown and deactivated workflows", async () => {
    await fails("not_found", "run", "start", "nope", "--input", "{}");
    await publishedLoan();
    await ok("workflow", "deactivate", "loan");
    await fails("workflow_deactivated", "run", "start", "loan", "--input", JSON.stringify(APPROVE));
    expect(await start(APPROVE, "--test")).toMatchObject({ status: "completed", kind: "test" });
  });
});

describe("strata run show and run list", () => {
  it("shows a run with its trace, one line per step", async () => {
    await publishedLoan();
    const run = await start(APPROVE);
    const human = (await ok("run", "show", run.id)).split("\n");
    expect(human).toContain(`id:            ${run.id}`);
    const trace = human.slice(human.indexOf("trace:") + 1);
    expect(trace[0]).toMatch(/^ {2}SEQ +NODE +TYPE +EVENT +BRANCH +ATTEMPT +ERROR$/);
    expect(trace[1]).toMatch(/^ {2}1 +score +set +start +route +- +-$/);
    expect(trace[2]).toMatch(/^ {2}2 +route +switch +- +approve \(cases\[1\]\) +- +-$/);
    expect(trace[3]).toMatch(/^ {2}3 +approve +end +- +- +- +-$/);

    const rejected = await start(REJECT);
    expect(await ok("run", "show", rejected.id)).toMatch(
      /^ {2}2 +route +switch +- +reject \(default\)/m,
    );

    const shown = await json<Run>("run", "show", run.id);
    expect(shown).toEqual(run);
    expect(shown.trace[1]).toMatchObject({
      seq: 2,
      node: "route",
      caseIndex: 1,
      branch: "approve",
    });
    await fails("not_found", "run", "show", "run_00000000000000000000000000");
  });

  it("lists production runs newest first, test runs only with --kind", async () => {
    await publishedLoan();
    await ok("workflow", "create", "other", "--file", "loan.yaml");
    await ok("publish", "other");
    expect(await ok("run", "list")).toBe(
      "No production runs match; test runs are listed with --kind test or --kind all.\n",
    );
    const approved = await start(APPROVE);
    const waiting = await start(REVIEW);
    const tested = await start(APPROVE, "--test");
    // `other` has no draft once published.
    await fails("not_found", "draft", "run", "other", "--input", JSON.stringify(APPROVE));
    await ok("draft", "open", "other");
    const draftRun = await json<Run>("draft", "run", "other", "--input", JSON.stringify(APPROVE));

    const table = (await ok("run", "list")).trimEnd().split("\n");
    expect(table[0]).toMatch(/^ID +WORKFLOW +VERSION +KIND +STATUS +CREATED$/);
    expect(table.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${waiting.id} +loan +v1 +production +waiting +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`,
        ),
      ),
      expect.stringMatching(new RegExp(`^${approved.id} +loan +v1 +production +completed `)),
    ]);
    const ids = async (...flags: string[]) =>
      (await json<Run[]>("run", "list", ...flags)).map((run) => run.id);
    expect(await ids()).toEqual([waiting.id, approved.id]);
    expect(await ids("--kind", "test")).toEqual([draftRun.id, tested.id]);
    expect(await ids("--kind", "all")).toEqual([draftRun.id, tested.id, waiting.id, approved.id]);
    expect(await ids("--status", "waiting")).toEqual([waiting.id]);
    expect(await ids("--kind", "all", "--workflow", "other")).toEqual([draftRun.id]);
    expect(await ids("--kind", "all", "--version", "1", "--workflow", "loan")).toEqual([
      tested.id,
      waiting.id,
      approved.id,
    ]);
    expect(await ok("run", "list", "--kind", "test")).toMatch(
      new RegExp(`^${draftRun.id} +other +draft +test +completed `, "m"),
    );

    expect(await ids("--limit", "1")).toEqual([waiting.id]);
    expect(await ok("run", "list", "--limit", "1")).toMatch(
      /\n\(more runs: raise --limit, or filter\)\n$/,
    );
    expect(await ok("run", "list", "--limit", "2")).not.toMatch(/more runs/);
    expect(await ok("run", "list", "--status", "failed")).toMatch(/^No production runs match/);
    expect(await ok("run", "list", "--kind", "test", "--status", "failed")).toBe(
      "No runs match.\n",
    );
    await fails("not_found", "run", "list", "--workflow", "nope");
    expect(await misused("run", "list", "--kind", "everything")).toMatch(
      /Allowed choices are production, test, all/,
    );
    expect(await misused("run", "list", "--status", "done")).toMatch(
      /Allowed choices are running, waiting/,
    );
  });
});

describe("strata run signal and run cancel", () => {
  it("refuses a signal the run does not wait for (run_not_waiting)", async () => {
    await publishedLoan();
    const waiting = await start(REVIEW);
    const { human, error } = await fails("run_not_waiting", "run", "signal", waiting.id, "approve");
    expect(human.stderr).toMatch(/waits for signal 'review', not for 'approve'/);
    expect(error.details).toEqual({ status: "waiting", waitingFor: "review" });
    const done = await start(APPROVE);
    const finished = await fails("run_not_waiting", "run", "signal", done.id, "review");
    expect(finished.error.details).toEqual({ status: "completed", waitingFor: null });
    await fails("not_found", "run", "signal", "run_00000000000000000000000000", "review");
    expect(await misused("run", "signal", waiting.id, "review", "--data", "{by: ann}")).toMatch(
      /option '--data <json>' argument '\{by: ann\}' is invalid/,
    );
  });

  it("cancels a waiting run once; a second cancel is run_finished", async () => {
    await publishedLoan();
    const waiting = await start(REVIEW);
    const human = await ok("run", "cancel", waiting.id, "--actor", "carol");
    expect(human).toMatch(/^status: +cancelled$/m);
    expect(human).toMatch(/^error: +cancelled: cancelled by carol$/m);
    expect(human).toMatch(/^endedAt: +\d{4}-/m);
    expect(await json<Run>("run", "show", waiting.id)).toMatchObject({
      status: "cancelled",
      error: { code: "cancelled" },
      waitingFor: null,
    });
    const { human: again } = await fails("run_finished", "run", "cancel", waiting.id);
    expect(again.stderr).toMatch(/is already cancelled/);
    const done = await start(APPROVE);
    await fails("run_finished", "run", "cancel", done.id);
    await fails("not_found", "run", "cancel", "run_00000000000000000000000000");
  });

  // Every `strata run signal` opens a fresh engine, which has not compiled the run's version
  // yet: it must read it inside the signal's own transaction (a regression test).
  it("signals a run from a freshly opened engine", async () => {
    await publishedLoan();
    const waiting = await start(REVIEW);
    const signal = strata(["run", "signal", waiting.id, "review", "--data", '{"by":"ann"}']);
    const outcome = await Promise.race([signal, sleep(3000).then(() => "hung")]);
    expect(outcome).not.toBe("hung");
    expect(outcome).toMatchObject({ code: 0 });
  }, 10_000);
});

describe("the loan flow of examples/loan.yaml", () => {
  it("waits for review, then runs into the http task, which fails on the allow-list", async () => {
    await publishedLoan();
    // One engine for every command, so the worker step below runs in the same process.
    const { open, engine } = await sharedEngine();
    try {
      const started = await strata(
        ["run", "start", "loan", "--input", JSON.stringify(REVIEW), "--json"],
        open,
      );
      const run = JSON.parse(started.stdout) as Run;
      expect(run).toMatchObject({ status: "waiting", waitingFor: { signal: "review" } });

      const signalled = await strata(
        ["run", "signal", run.id, "review", "--data", '{"by":"ann"}'],
        open,
      );
      expect(signalled.stderr).toBe("");
      expect(signalled.code).toBe(0);
      expect(signalled.stdout).toMatch(/^status: +running$/m);
      expect(signalled.stdout).toMatch(/^pendingTask: +notify \(http\), attempt 1$/m);
      expect(signalled.stdout).toMatch(/^waitingFor: +-$/m);
      const running = await json<Run>("run", "show", run.id);
      expect(running).toMatchObject({
        status: "running",
        waitingFor: null,
        pendingTask: { node: "notify", handler: "http", attempt: 1 },
      });
      expect(running.trace.at(-2)).toMatchObject({
        node: "review",
        event: "signal",
        signal: { name: "review", payload: { by: "ann" } },
        assigned: { reviewer: "ann" },
        branch: "notify",
      });

      // No worker runs here; one round through the library on the same file runs the task.
      // No host is allowed, and the refusal is permanent: the run fails after one attempt
      // although the node allows three.
      const library = await Strata.open({ database: db });
      try {
        expect(await library.runDueWork()).toBe(1);
      } finally {
        await library.close();
      }
      const failed = await json<Run>("run", "show", run.id);
      expect(failed).toMatchObject({
        status: "failed",
        pendingTask: null,
        error: {
          code: "task_failed",
          node: "notify",
          details: { code: "host_not_allowed", attempts: 1 },
        },
      });
      const human = await ok("run", "show", run.id);
      expect(human).toMatch(
        /^error: +task_failed at notify: task 'notify' \(handler 'http'\) failed after 1 attempt/m,
      );
      expect(human).toMatch(/^ {2}4 +review +wait +signal +notify +- +-$/m);
      expect(human).toMatch(/^ {2}5 +notify +task +- +- +1 +-$/m);
      expect(human).toMatch(
        /^ {2}6 +notify +task +task_failed +- +1 +host_not_allowed: host notify\.example\.com is not on the http task's allow-list.* \(run failed: task_failed\)$/m,
      );
    } finally {
      await engine.close();
    }
  });
});

describe("strata draft run", () => {
  it("starts a test run of the draft", async () => {
    await ok("workflow", "create", "loan", "--file", "loan.yaml");
    const human = await ok("draft", "run", "loan", "--input", JSON.stringify(APPROVE));
    expect(human).toMatch(/^versionNumber: +draft$/m);
    expect(human).toMatch(/^kind: +test$/m);
    expect(human).toMatch(/^output: +\{"decision":"approve","score":60\}$/m);
    const run = await json<Run>(
      "draft",
      "run",
      "loan",
      "--input",
      JSON.stringify(REVIEW),
      "--key",
      "a-3",
    );
    expect(run).toMatchObject({
      versionNumber: null,
      kind: "test",
      status: "waiting",
      routingKey: "a-3",
      route: { selector: "draft" },
    });
    expect(await json<Run[]>("run", "list")).toEqual([]);
    expect(await json<Run[]>("run", "list", "--kind", "test")).toHaveLength(2);
    await fails("input_invalid", "draft", "run", "loan", "--input", "{}");
    expect(await misused("draft", "run", "loan", "--input", "nope")).toMatch(
      /option '--input <json>'/,
    );
    await ok("publish", "loan");
    await fails("not_found", "draft", "run", "loan", "--input", JSON.stringify(APPROVE));
  });
});

describe("strata worker", () => {
  it("runs timers in-process until stopped, with the allow-list from flags and environment", async () => {
    await ok("workflow", "create", "timer", "--file", "timer.json");
    await ok("publish", "timer");
    const stop = new AbortController();
    const { io, out, err } = memoryIo({
      env: { STRATA_HTTP_ALLOWED_HOSTS: "b.example.com, a.example.com," },
      stop: stop.signal,
    });
    const worker = runCli(
      [
        "--db",
        db,
        "worker",
        "--poll-ms",
        "20",
        "--allow-host",
        "a.example.com",
        "--allow-host",
        "c.example.com:8443",
        "--json",
      ],
      io,
    );
    await until(() => out.length > 0, 10_000);
    expect(JSON.parse(out.join(""))).toEqual({
      status: "started",
      database: db,
      pid: process.pid,
      pollMs: 20,
      concurrency: 64,
      leaseMs: 60_000,
      allowedHosts: ["b.example.com", "a.example.com", "c.example.com:8443"],
    });
    const run = await json<Run>("run", "start", "timer", "--input", "{}");
    expect(run.status).toBe("waiting");
    await until(async () => (await json<Run>("run", "show", run.id)).status !== "waiting", 10_000);
    expect(await json<Run>("run", "show", run.id)).toMatchObject({
      status: "completed",
      output: { via: "timeout" },
    });
    stop.abort();
    expect(await worker).toBe(0);
    expect(out).toHaveLength(1);
    expect(err.join("")).toBe(
      "worker: stop received, finishing the runs in flight\nworker: stopped\n",
    );
  });

  it("says in its help that only the built-in http task runs there", async () => {
    const help = await strata(["worker", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--poll-ms <ms>/);
    expect(help.stdout).toMatch(/--concurrency <n>/);
    expect(help.stdout).toMatch(/STRATA_WORKER_CONCURRENCY/);
    expect(help.stdout).toMatch(/--allow-host <host>/);
    expect(help.stdout).toMatch(/STRATA_HTTP_ALLOWED_HOSTS/);
    expect(help.stdout).toMatch(/Only the built-in http task runs here/);
    expect(help.stdout).toMatch(/registers in code/);
    expect(await misused("worker", "--poll-ms", "0")).toMatch(
      /option '--poll-ms <ms>' argument '0' is invalid\. --poll-ms takes a whole number of 10 or more/,
    );
  });

  it("runs as a process: fires a timer, then stops on SIGTERM with exit code 0", async () => {
    await ok("workflow", "create", "timer", "--file", "timer.json");
    await ok("publish", "timer");
    const child = spawn(
      process.execPath,
      ["--import", TSX, MAIN, "worker", "--db", db, "--poll-ms", "50"],
      {
        cwd: dir,
        env: { ...process.env, STRATA_DB: "" },
      },
    );
    const output = collect(child);
    try {
      await until(() => output.stdout.includes("worker started"), 30_000);
      expect(output.stdout).toMatch(
        new RegExp(
          `^worker started on ${escape(db)} \\(pid ${child.pid}, polling every 50 ms, 64 slots, lease 60000 ms, http hosts: none\\)`,
        ),
      );
      const run = await json<Run>("run", "start", "timer", "--input", "{}");
      expect(run.status).toBe("waiting");
      await until(
        async () => (await json<Run>("run", "show", run.id)).status !== "waiting",
        10_000,
      );
      const done = await json<Run>("run", "show", run.id);
      expect(done).toMatchObject({ status: "completed", output: { via: "timeout" } });
      expect(done.trace).toContainEqual(
        expect.objectContaining({ node: "hold", event: "timer", branch: "late" }),
      );
      expect(await ok("run", "show", run.id)).toMatch(/^ {2}2 +hold +wait +timer +late /m);
      child.kill("SIGTERM");
      expect(await output.exit).toBe(0);
      expect(output.stderr).toMatch(
        /worker: SIGTERM received, finishing the runs in flight\nworker: stopped\n$/,
      );
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});

describe("global options and --version", () => {
  it("keeps `strata --version` and accepts --db and --json after the subcommand", async () => {
    const { io, out } = memoryIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(out.join("")).toMatch(/^\d+\.\d+\.\d+\n$/);
    await publishedLoan();
    const { io: after, out: printed } = memoryIo();
    const code = await runCli(
      [
        "run",
        "start",
        "loan",
        "--version",
        "1",
        "--input",
        JSON.stringify(APPROVE),
        "--db",
        db,
        "--json",
      ],
      after,
    );
    expect(code).toBe(0);
    expect(JSON.parse(printed.join(""))).toMatchObject({ versionNumber: 1, status: "completed" });
  });
});

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A child's output so far, and its exit code once it exits. */
function collect(child: ChildProcess): {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
} {
  const output = {
    stdout: "",
    stderr: "",
    exit: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  return output;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
