/**
 * The runs pages' pure helpers (console/src/runs-route.ts, console/src/run-view.ts), under Node:
 * the hash route of the list's filters and of a run's replay, and how a trace is read — marks
 * for the graph and each step in words — on real traces of examples/loan.yaml.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayReport } from "../console/src/replay-report.js";
import {
  briefJson,
  caseText,
  currentNodeOf,
  describeRoute,
  describeStep,
  marksOf,
  pathOfTrace,
} from "../console/src/run-view.js";
import {
  parseReplayVersion,
  parseRunFilters,
  parseRunsRoute,
  runFiltersQuery,
  runsHref,
} from "../console/src/runs-route.js";
import type { RunsRoute } from "../console/src/runs-route.js";
import type { TraceEntry } from "../src/core/interpreter/trace-entry.js";
import { Strata, parseDefinitionText } from "../src/index.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const loan = parseDefinitionText(readFileSync(join(REPO, "examples", "loan.yaml"), "utf8"));
const applicant = { id: "a1", income: 30_000, age: 40, country: "DE" };

describe("the runs pages' hash route", () => {
  it("keeps the list's filters in the hash, in a fixed order, and reads them back", () => {
    const route: RunsRoute = {
      page: "runs",
      filters: { status: "waiting", kind: "all", version: 2, workflow: "loan.v2", limit: 20 },
    };
    const href = runsHref(route);
    expect(href).toBe("#/runs?workflow=loan.v2&version=2&kind=all&status=waiting&limit=20");
    expect(parseRunsRoute(href)).toEqual(route);
    expect(runsHref({ page: "runs", filters: {} })).toBe("#/runs");
    expect(parseRunsRoute("#/runs")).toEqual({ page: "runs", filters: {} });
    expect(parseRunsRoute("#runs/")).toEqual({ page: "runs", filters: {} });
  });

  it("leaves out what it does not understand, and production (the API's default)", () => {
    expect(
      parseRunFilters("workflow=&version=0&kind=prod&status=done&limit=5000&cursor=x&other=1"),
    ).toEqual({});
    expect(parseRunFilters("kind=production&version=3.5&limit=abc")).toEqual({});
    expect(parseRunFilters("kind=test&status=cancelled&version=12")).toEqual({
      kind: "test",
      status: "cancelled",
      version: 12,
    });
    expect(runFiltersQuery({ kind: "production" })).toBe("");
    expect(runFiltersQuery({ workflow: "a b&c" }, "Y3Vyc29y")).toBe(
      "workflow=a+b%26c&cursor=Y3Vyc29y",
    );
  });

  it("names a run, with the replay it shows", () => {
    expect(parseRunsRoute("#/runs/run_01abc")).toEqual({
      page: "run",
      id: "run_01abc",
      replay: null,
    });
    const route: RunsRoute = {
      page: "run",
      id: "run_01abc",
      replay: { version: 2, adapter: "$merge([$, {'x': 1}])", mocks: '{"review":{"by":"ann"}}' },
    };
    expect(parseRunsRoute(runsHref(route))).toEqual(route);
    expect(runsHref({ page: "run", id: "run_01abc", replay: { version: "live" } })).toBe(
      "#/runs/run_01abc?replay=live",
    );
    // An unknown replay version is no replay; a broken escape is the list.
    expect(parseRunsRoute("#/runs/run_01abc?replay=v2")).toMatchObject({ replay: null });
    expect(parseRunsRoute("#/runs/%E0%A4%A")).toEqual({ page: "runs", filters: {} });
    expect(["live", "latest", "draft", "7", "0", "-1", "x"].map(parseReplayVersion)).toEqual([
      "live",
      "latest",
      "draft",
      7,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("is not the route of other pages", () => {
    for (const hash of ["", "#/", "#/workflows/loan", "#/audit", "#/runsx", "#/backtests/b1"]) {
      expect(parseRunsRoute(hash)).toBeNull();
    }
  });
});

describe("reading a trace", () => {
  let dir: string;
  let strata: Strata;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-console-run-view-"));
    strata = await Strata.open({ database: join(dir, "strata.db"), actor: "ann" });
    await strata.workflows.create({ key: "loan", definition: loan });
    await strata.drafts.publish("loan", {});
  });

  afterAll(async () => {
    await strata?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks the path visited and where a run stands current, current winning", () => {
    expect(marksOf({ visited: ["a", "b", "c"], changed: ["b"], current: "c" })).toEqual({
      a: "visited",
      b: "changed",
      c: "current",
    });
    expect(marksOf({ visited: [] })).toEqual({});
  });

  it("tells each step of a completed run, naming the switch's condition", async () => {
    const run = await strata.runs.start("loan", { input: { amount: 800, applicant } });
    const trace = run.trace as TraceEntry[];
    expect(pathOfTrace(trace)).toEqual(["score", "route", "approve"]);
    expect(currentNodeOf(run)).toBeNull();
    expect(trace.map((entry) => describeStep(entry, loan))).toEqual([
      "score = -10 → route",
      "cases[1] (applicant.country in ['DE','FR','NL']) → approve",
      'output {"decision":"approve","score":-10}',
    ]);
    // Without the definition, the case is named by its index only.
    expect(describeStep(trace[1] as TraceEntry)).toBe("cases[1] → approve");
    expect(describeRoute(run.route)).toBe("live");
  });

  it("tells a wait, a signal, a task and its failure; the run stands at the wait, then the task", async () => {
    const input = { amount: 20_000, applicant: { ...applicant, country: "US" } };
    const waiting = await strata.runs.start("loan", { input, version: 1 });
    expect(currentNodeOf(waiting)).toBe("review");
    const deadline = (waiting.trace[2] as TraceEntry).deadline;
    expect(describeStep(waiting.trace[2] as TraceEntry, loan)).toBe(
      `waits for signal review until ${deadline}`,
    );
    expect(describeRoute(waiting.route)).toBe("v1");

    const signalled = await strata.runs.signal(waiting.id, "review", { by: "bob" });
    expect(currentNodeOf(signalled)).toBe("notify");
    const [signal, task] = (signalled.trace as TraceEntry[]).slice(3);
    expect(describeStep(signal as TraceEntry, loan)).toBe(
      'signal review with {"by":"bob"}; reviewer = "bob" → notify',
    );
    expect(describeStep(task as TraceEntry, loan)).toBe(
      'calls http (attempt 1) with {"body":{"amount":20000,"applicant":{"id":"a1","income":30000,' +
        '"age":40,"country":"US"},"score":-10,"reviewer":"bob"},"url":"https://notify.example.com/loans"}',
    );

    // No host is on the http task's allow-list: the task fails for good, and so does the run.
    expect(await strata.runDueWork()).toBe(1);
    const failed = await strata.runs.show(waiting.id);
    expect(failed.status).toBe("failed");
    expect(currentNodeOf(failed)).toBeNull();
    const last = failed.trace.at(-1) as TraceEntry;
    expect(describeStep(last, loan)).toMatch(
      /^attempt 1 failed: .+, permanently; failed: task_failed: task 'notify' \(handler 'http'\) failed after 1 attempt\(s\): /,
    );
  });

  it("names cases, cuts long JSON, and routes in words", () => {
    expect(caseText(loan, "route", 0)).toBe("cases[0] (amount > 10000 and score < 50)");
    expect(caseText(loan, "route", -1)).toBe("default");
    expect(caseText(loan, "route", null)).toBe("no decision");
    expect(caseText(undefined, "route", 3)).toBe("cases[3]");
    expect(briefJson({ a: "x".repeat(10) }, 8)).toBe('{"a":"x…');
    expect(briefJson({ a: "x" }, 9)).toBe('{"a":"x"}');
    expect(briefJson(undefined)).toBe("null");
    expect(describeRoute({ selector: "live", rolloutId: "r", bucket: 120, arm: "candidate" })).toBe(
      "live · candidate (bucket 120)",
    );
    expect(describeRoute({ selector: "latest", binding: "loans" })).toBe("latest · binding loans");
  });

  it("reads the replay answer the server gives", async () => {
    const run = await strata.runs.start("loan", { input: { amount: 800, applicant } });
    const report: ReplayReport = await strata.replays.replay("loan", {
      runId: run.id,
      version: 1,
    });
    expect(report.comparison).toMatchObject({ changed: false, switches: [], divergence: null });
    expect(report.replay.path).toEqual(pathOfTrace(run.trace as TraceEntry[]));
  });
});
