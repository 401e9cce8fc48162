/**
 * The routing commands of the `strata` CLI (DESIGN.md §3, §7), driven in-process through
 * `runCli` on a temporary SQLite file: `publish --percent` with a ramp and a guard, `rollout
 * start|set|promote|abort|status|list`, `route`, `rollback`, `binding
 * create|show|list|update|run|delete`, `event publish`, and `version retire|delete --dry-run`.
 * Human output snippets, `--json` shapes, exit codes and error codes; and the audit DETAIL of
 * every routing action.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  AuditEvent,
  Binding,
  LiveRoute,
  PublishedEvent,
  RollbackResult,
  Rollout,
  RolloutStatusReport,
  Run,
  Version,
  VersionImpact,
} from "../src/index.js";
import type { CliIo } from "../src/cli/cli-io.js";
import { describeEvent } from "../src/cli/render.js";
import { runCli } from "../src/cli/run-cli.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** An application both loan versions approve at once. */
const APPROVE = { amount: 5000, applicant: { id: "a-1", income: 90000, age: 30, country: "DE" } };

/** What one CLI run printed and returned. */
interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-routing-"));
  db = join(dir, "test.db");
  copyFileSync(join(REPO, "examples", "loan.yaml"), join(dir, "loan.yaml"));
  copyFileSync(join(REPO, "examples", "loan-v2.yaml"), join(dir, "loan-v2.yaml"));
  writeFileSync(join(dir, "approve.json"), JSON.stringify(APPROVE));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI on the test database as `ann`. */
async function strata(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: {},
    cwd: dir,
  };
  const code = await runCli(["--db", db, "--actor", "ann", ...args], io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Runs a command and expects it to succeed, returning its human output. */
async function ok(...args: string[]): Promise<string> {
  const result = await strata(args);
  expect(result.stderr, args.join(" ")).toBe("");
  expect(result.code, args.join(" ")).toBe(0);
  return result.stdout;
}

/** Runs a command with `--json`, expects success, and parses its one JSON document. */
async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, "--json")) as T;
}

/** Expects the Strata error `code`, in human and in JSON form; returns the human message. */
async function fails(code: string, ...args: string[]): Promise<string> {
  const human = await strata(args);
  expect(human.code, args.join(" ")).toBe(1);
  expect(human.stdout).toBe("");
  expect(human.stderr).toMatch(new RegExp(`^error\\[${code}\\]: \\S`));
  const asJson = await strata([...args, "--json"]);
  expect(asJson.code).toBe(1);
  expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code } });
  return human.stderr;
}

/** Expects a usage error (exit 2, commander's message on stderr). */
async function misused(...args: string[]): Promise<string> {
  const result = await strata(args);
  expect(result.code, args.join(" ")).toBe(2);
  expect(result.stdout).toBe("");
  return result.stderr;
}

/** `loan` with v1 live and an open draft holding v2's rules. */
async function loanWithDraft(): Promise<void> {
  await ok("workflow", "create", "loan", "--file", "loan.yaml");
  await ok("publish", "loan");
  await ok("draft", "open", "loan");
  await ok("draft", "save", "loan", "--file", "loan-v2.yaml");
}

describe("strata publish --percent, rollout and route", () => {
  it("publishes v2 as a ramped, guarded rollout and reports it", async () => {
    await loanWithDraft();
    const published = await ok(
      "publish",
      "loan",
      "--percent",
      "10",
      "--steps",
      "25,50,100",
      "--every",
      "1h",
      "--guard",
      "failure-rate+2%/200",
      "--guard-every",
      "30s",
    );
    expect(published).toMatch(/^number: +2$/m);
    expect(published).toMatch(/^live: +no$/m);
    expect(published).toMatch(/rolling out v2 at 10%: see `strata rollout status loan`/);

    const status = await ok("rollout", "status", "loan");
    expect(status).toMatch(/^id: +rol_\w+$/m);
    expect(status).toMatch(/^status: +active$/m);
    expect(status).toMatch(/^versions: +v1 \(stable\) → v2 \(candidate\)$/m);
    expect(status).toMatch(/^percent: +10%$/m);
    expect(status).toMatch(/^steps: +25%, 50%, 100% every 1h$/m);
    expect(status).toMatch(/^nextStepAt: +\d{4}-/m);
    expect(status).toMatch(/^guard: +failure-rate\+2%\/200 every 30s$/m);
    expect(status).toMatch(/^ARM +VERSION +RUNS +OPEN +COMPLETED +FAILED +FAILURE RATE$/m);
    expect(status).toMatch(/^stable +v1 +0 +0 +0 +0 +0%$/m);
    expect(status).toMatch(/^guardVerdict: waiting: .*waiting for 200 finished runs/m);
    expect(status).not.toMatch(/^endedAt:/m);

    for (const key of ["c-1", "c-2", "c-3", "c-4", "c-5"]) {
      await ok("run", "start", "loan", "--input", "@approve.json", "--key", key);
    }
    const report = await json<RolloutStatusReport>("rollout", "status", "loan");
    expect(report).toMatchObject({
      status: "active",
      stableVersion: 1,
      candidateVersion: 2,
      percent: 10,
      steps: [25, 50, 100],
      stepEveryMs: 3_600_000,
      guard: { maxFailureRateIncrease: 2, minRuns: 200, everyMs: 30_000 },
      guardVerdict: { verdict: "waiting" },
    });
    expect(report.arms.stable.runs + report.arms.candidate.runs).toBe(5);
    expect(report.arms.stable.completed + report.arms.candidate.completed).toBe(5);

    const route = await ok("route", "loan");
    expect(route).toMatch(/^workflowKey: +loan$/m);
    expect(route).toMatch(/^liveVersion: +v1$/m);
    expect(route).toMatch(/^latestVersion: +v2$/m);
    expect(route).toMatch(/^rollout: +v1 → v2 at 10%$/m);
    expect(route).toMatch(/^ {2}guardVerdict: waiting/m);
    expect(await json<LiveRoute>("route", "loan")).toMatchObject({
      workflowKey: "loan",
      status: "active",
      liveVersion: 1,
      latestVersion: 2,
      rollout: { percent: 10, arms: { stable: { version: 1 }, candidate: { version: 2 } } },
    });
  });

  it("sets, refuses a second rollout, promotes, aborts, replaces and lists", async () => {
    await loanWithDraft();
    await ok("publish", "loan", "--percent", "10", "--steps", "50,100", "--every", "1h");
    const set = await ok("rollout", "set", "loan", "--percent", "50");
    expect(set).toMatch(/^percent: +50%$/m);
    expect(set).toMatch(/^steps: +-$/m);
    expect(await json<Rollout>("rollout", "set", "loan", "--percent", "40.5")).toMatchObject({
      percent: 40.5,
      steps: [],
      nextStepAt: null,
    });
    expect(
      await fails("rollout_in_progress", "rollout", "start", "loan", "--to", "2", "--percent", "5"),
    ).toMatch(/rollout of v2 at 40\.5% in progress/);
    const promoted = await ok("rollout", "promote", "loan");
    expect(promoted).toMatch(/^status: +promoted$/m);
    expect(promoted).toMatch(/^endedBy: +ann$/m);
    expect(await ok("route", "loan")).toMatch(
      /^liveVersion: +v2\nlatestVersion: +v2\nrollout: +none$/m,
    );
    await fails("not_found", "rollout", "abort", "loan");
    await fails("not_found", "rollout", "set", "loan", "--percent", "5");

    const started = await json<Rollout>(
      "rollout",
      "start",
      "loan",
      "--to",
      "1",
      "--percent",
      "5",
      "--guard",
      "failure-rate+1.5%/50",
    );
    expect(started).toMatchObject({
      status: "active",
      stableVersion: 2,
      candidateVersion: 1,
      percent: 5,
      guard: { maxFailureRateIncrease: 1.5, minRuns: 50, everyMs: 60_000 },
    });
    const replaced = await json<Rollout>(
      "rollout",
      "start",
      "loan",
      "--to",
      "1",
      "--percent",
      "20",
      "--replace",
    );
    expect(replaced.id).not.toBe(started.id);
    const aborted = await ok("rollout", "abort", "loan", "--reason", "bad metrics");
    expect(aborted).toMatch(/^status: +aborted$/m);
    expect(aborted).toMatch(/^endReason: +bad metrics$/m);

    const table = await ok("rollout", "list", "loan");
    expect(table).toMatch(/^ID +STATUS +STABLE +CANDIDATE +PERCENT +STARTED +BY +ENDED +REASON$/m);
    expect(table).toMatch(/^rol_\w+ +aborted +v2 +v1 +20% .* bad metrics$/m);
    expect(table).toMatch(/^rol_\w+ +replaced +v2 +v1 +5% /m);
    const list = await json<Rollout[]>("rollout", "list", "loan");
    expect(list.map((r) => r.status)).toEqual(["aborted", "replaced", "promoted"]);
    expect(await json<Rollout[]>("rollout", "list", "loan", "--limit", "1")).toHaveLength(1);
    expect((await json<RolloutStatusReport>("rollout", "status", "loan")).status).toBe("aborted");
  });

  it("refuses malformed rollout flags: usage errors for numbers, validation for rules", async () => {
    await loanWithDraft();
    expect(await misused("publish", "loan", "--percent", "ten")).toMatch(
      /option '--percent <p>' argument 'ten' is invalid/,
    );
    expect(await misused("publish", "loan", "--percent", "10", "--steps", "5,x")).toMatch(
      /argument '5,x' is invalid/,
    );
    expect(await misused("rollout", "start", "loan", "--percent", "10")).toMatch(
      /required option '--to <n>'/,
    );
    expect(await fails("validation_failed", "publish", "loan", "--steps", "50,100")).toMatch(
      /give --percent too/,
    );
    expect(
      await fails("validation_failed", "publish", "loan", "--percent", "5", "--guard", "errors<2%"),
    ).toMatch(/failure-rate\+<points>%\/<min runs>/);
    expect(
      await fails("validation_failed", "publish", "loan", "--percent", "5", "--guard-every", "1m"),
    ).toMatch(/give --guard too/);
    await fails("validation_failed", "publish", "loan", "--percent", "5", "--steps", "50,100");
    await fails("validation_failed", "publish", "loan", "--percent", "101");
    // Nothing was published by the refusals: the draft is still there.
    expect(await ok("draft", "show", "loan")).toMatch(/^nextNumber: +2$/m);
    await ok("publish", "loan", "--no-activate");
    await fails("not_found", "rollout", "start", "loan", "--to", "7", "--percent", "5");
    await fails("validation_failed", "rollout", "start", "loan", "--to", "1", "--percent", "5");
    await ok("version", "retire", "loan", "2");
    await fails("version_retired", "rollout", "start", "loan", "--to", "2", "--percent", "5");
  });
});

describe("strata rollback", () => {
  it("switches at once (restoring a retired version) or rolls back at a percentage", async () => {
    await loanWithDraft();
    await ok("publish", "loan", "--retire-previous");
    const staged = await ok("rollback", "loan", "--to", "1", "--percent", "20");
    expect(staged).toMatch(
      /^rolling back loan: v2 → v1 at 20% \(restored v1 from retired\); rollout rol_\w+$/m,
    );
    const result = await json<RollbackResult>("rollback", "loan", "--to", "2");
    expect(result).toMatchObject({
      liveVersion: 2,
      rollout: null,
      restored: false,
      endedRollout: { status: "rolled_back", stableVersion: 2, candidateVersion: 1 },
    });
    expect(Object.keys(result).sort()).toEqual([
      "endedRollout",
      "liveVersion",
      "restored",
      "rollout",
    ]);
    expect(await ok("rollback", "loan", "--to", "1")).toBe("rolled back loan: v1 is live\n");
    expect(await json<LiveRoute>("route", "loan")).toMatchObject({ liveVersion: 1, rollout: null });
    await fails("not_found", "rollback", "loan", "--to", "9");
    expect(await misused("rollback", "loan")).toMatch(/required option '--to <n>'/);
  });
});

describe("strata binding and event", () => {
  it("creates, lists, shows, updates, runs through and deletes bindings", async () => {
    await loanWithDraft();
    await ok("publish", "loan");
    const created = await ok(
      "binding",
      "create",
      "intake",
      "--workflow",
      "loan",
      "--event",
      "loan.submitted",
    );
    expect(created).toMatch(/^name: +intake$/m);
    expect(created).toMatch(/^workflowId: +wfl_\w+ \(loan\)$/m);
    expect(created).toMatch(/^selector: +live$/m);
    expect(created).toMatch(/^resolvedVersion: +v2$/m);
    expect(created).toMatch(/^status: +ok$/m);
    expect(created).toMatch(/^event: +loan\.submitted$/m);
    const pinned = await json<Binding>(
      "binding",
      "create",
      "pinned",
      "--workflow",
      "loan",
      "--selector",
      "1",
      "--event",
      "loan.submitted",
    );
    expect(pinned).toMatchObject({ name: "pinned", selector: 1, resolvedVersion: 1, status: "ok" });
    const nightly = await json<Binding>(
      "binding",
      "create",
      "nightly",
      "--workflow",
      "loan",
      "--selector",
      "latest",
      "--cron",
      "0 2 * * *",
      "--timezone",
      "Europe/Berlin",
      "--input",
      "@approve.json",
    );
    expect(nightly).toMatchObject({
      selector: "latest",
      cron: "0 2 * * *",
      timezone: "Europe/Berlin",
      input: APPROVE,
      nextFireAt: expect.stringMatching(/T01:00:00\.000Z$/) as unknown,
    });
    await fails("binding_exists", "binding", "create", "intake", "--workflow", "loan");
    await fails("not_found", "binding", "create", "other", "--workflow", "nothing");
    expect(
      await misused("binding", "create", "x", "--workflow", "loan", "--selector", "draft"),
    ).toMatch(/argument 'draft' is invalid/);

    const table = await ok("binding", "list");
    expect(table).toMatch(/^NAME +WORKFLOW +SELECTOR +RESOLVES TO +STATUS +EVENT +CRON$/m);
    expect(table).toMatch(/^intake +loan +live +v2 +ok +loan\.submitted +-$/m);
    expect(table).toMatch(/^nightly +loan +latest +v2 +ok +- +0 2 \* \* \* Europe\/Berlin$/m);
    const all = await json<Binding[]>("binding", "list", "--workflow", "loan");
    expect(all.map((b) => b.name)).toEqual(["intake", "nightly", "pinned"]);
    expect(await ok("binding", "show", "pinned")).toMatch(/^selector: +1$/m);

    // A dry run of retiring v1 names the pinned binding it breaks, and changes nothing.
    const dry = await ok("version", "retire", "loan", "1", "--dry-run");
    expect(dry).toMatch(/^retire v1 of loan: allowed$/m);
    expect(dry).toMatch(
      /^ {2}pinned \(selector 1\): breaks \(runs through it get version_retired\)$/m,
    );
    expect(dry).toMatch(/^\(dry run: nothing was changed\)$/m);
    const impact = await json<VersionImpact>("version", "retire", "loan", "2", "--dry-run");
    expect(impact).toMatchObject({
      version: 2,
      live: true,
      retire: { allowed: false, refusal: { code: "version_live" } },
      bindings: [{ name: "nightly", selector: "latest", effect: "moves", movesTo: 1 }],
    });
    const deletion = await ok("version", "delete", "loan", "1", "--dry-run");
    expect(deletion).toMatch(/^delete v1 of loan: refused: error\[version_not_retired\] /m);
    expect((await json<Version>("version", "show", "loan", "1")).state).toBe("published");

    const event = await ok(
      "event",
      "publish",
      "loan.submitted",
      "--data",
      "@approve.json",
      "--key",
      "c-9",
    );
    expect(event).toMatch(/^event loan\.submitted: 2 runs started, 0 refused$/m);
    expect(event).toMatch(/^intake +run_\w+ +v2 +completed$/m);
    expect(event).toMatch(/^pinned +run_\w+ +v1 +completed$/m);

    const updated = await ok("binding", "update", "pinned", "--selector", "2", "--no-event");
    expect(updated).toMatch(/^selector: +2$/m);
    expect(updated).toMatch(/^event: +-$/m);
    expect(await json<Binding>("binding", "update", "intake", "--event", "")).toMatchObject({
      event: null,
    });
    expect(
      await json<Binding>("binding", "update", "nightly", "--no-cron", "--no-timezone"),
    ).toMatchObject({ cron: null, timezone: null, nextFireAt: null });
    await fails("not_found", "binding", "update", "nothing", "--selector", "1");

    const quiet = await json<PublishedEvent>("event", "publish", "loan.submitted", "--data", "{}");
    expect(quiet).toEqual({ type: "loan.submitted", runs: [], refused: [] });
    expect(await ok("event", "publish", "loan.submitted", "--data", "{}")).toMatch(
      /No binding is subscribed to this event type/,
    );

    const human = await ok("binding", "run", "pinned", "--input", "@approve.json", "--key", "c-1");
    expect(human).toMatch(/^versionNumber: +2$/m);
    expect(human).toMatch(/^route: +2, binding pinned$/m);
    expect(human).toMatch(/^routingKey: +c-1$/m);
    const args = [
      "binding",
      "run",
      "pinned",
      "--input",
      "@approve.json",
      "--idempotency-key",
      "k-1",
    ];
    const first = await json<Run>(...args);
    expect(first).toMatchObject({
      route: { selector: "2", binding: "pinned" },
      status: "completed",
    });
    expect((await json<Run>(...args)).id).toBe(first.id);
    await fails("not_found", "binding", "run", "nothing", "--input", "{}");

    await ok("binding", "update", "pinned", "--selector", "1", "--event", "loan.submitted");
    await ok("version", "retire", "loan", "1");
    // L8: a retired version cannot be newly pinned; a pin a retire broke stays, broken.
    expect(
      await fails(
        "version_retired",
        "binding",
        "create",
        "late",
        "--workflow",
        "loan",
        "--selector",
        "1",
      ),
    ).toMatch(/cannot be newly pinned/);
    const broken = await ok("binding", "show", "pinned");
    expect(broken).toMatch(/^status: +broken: error\[version_retired\] /m);
    expect(await fails("version_retired", "binding", "run", "pinned", "--input", "{}")).toMatch(
      /binding pinned is broken/,
    );
    const refused = await ok("event", "publish", "loan.submitted", "--data", "@approve.json");
    expect(refused).toMatch(/^event loan\.submitted: 0 runs started, 1 refused$/m);
    expect(refused).toMatch(/^ {2}pinned: error\[version_retired\] binding pinned is broken/m);

    expect(await ok("binding", "delete", "nightly")).toBe("deleted binding nightly\n");
    expect(await json<{ name: string; deleted: boolean }>("binding", "delete", "intake")).toEqual({
      name: "intake",
      deleted: true,
    });
    await fails("not_found", "binding", "show", "nightly");
    expect(await json<Binding[]>("binding", "list")).toHaveLength(1);
  });
});

describe("the audit log of routing", () => {
  it("describes each routing action in the DETAIL column", async () => {
    await loanWithDraft();
    await ok("publish", "loan", "--percent", "10");
    await ok("rollout", "set", "loan", "--percent", "30");
    await ok("rollout", "promote", "loan");
    await ok("rollback", "loan", "--to", "1", "--percent", "20");
    await ok("rollout", "abort", "loan", "--reason", "errors");
    await ok("binding", "create", "intake", "--workflow", "loan", "--event", "loan.submitted");
    await ok("binding", "update", "intake", "--selector", "2");
    await ok("binding", "delete", "intake");
    const table = await ok("audit", "list", "--workflow", "loan");
    for (const line of [
      /rollout\.started +loan +v1 → v2 at 10%$/m,
      /version\.published +loan +v2, rollout at 10%$/m,
      /rollout\.changed +loan +10% → 30%$/m,
      /rollout\.promoted +loan +v1 → v2 promoted at 30%: v2 live$/m,
      /workflow\.rolled_back +loan +to v1, at 20%$/m,
      /rollout\.aborted +loan +v2 → v1 aborted at 20%: errors$/m,
      /binding\.created +loan +intake: selector live, event loan\.submitted$/m,
      /binding\.updated +loan +selector live → 2$/m,
      /binding\.deleted +loan +intake$/m,
    ]) {
      expect(table).toMatch(line);
    }
  });

  it("says when the guard or the schedule acted, and what replaced or rolled back a rollout", () => {
    const event = (action: string, actor: string, before: unknown, after: unknown): AuditEvent => ({
      id: "evt_1",
      seq: 1,
      at: "2026-01-01T00:00:00.000Z",
      actor,
      actorTokenId: null,
      action,
      workflowId: null,
      subjectId: null,
      before,
      after,
      prevHash: "",
      hash: "",
    });
    const arms = { stableVersion: 1, candidateVersion: 2, percent: 25 };
    expect(
      describeEvent(
        event("rollout.aborted", "strata:guard", arms, {
          status: "aborted",
          reason: "candidate 9/20 failed (45%), stable 1/20 (5%)",
        }),
      ),
    ).toBe("aborted by guard: candidate 9/20 failed (45%), stable 1/20 (5%)");
    expect(
      describeEvent(event("rollout.stepped", "strata:schedule", { percent: 25 }, { percent: 50 })),
    ).toBe("25% → 50% (scheduled)");
    expect(
      describeEvent(
        event("rollout.replaced", "ann", arms, { reason: "replaced by a rollout of v3" }),
      ),
    ).toBe("v1 → v2 at 25% ended: replaced by a rollout of v3");
    expect(
      describeEvent(event("rollout.rolled_back", "ann", arms, { reason: "rolled back to v1" })),
    ).toBe("v1 → v2 at 25% ended: rolled back to v1");
    expect(
      describeEvent(
        event("workflow.rolled_back", "ann", {}, { to: 1, percent: 100, restored: true }),
      ),
    ).toBe("to v1, restored");
  });
});
