/**
 * The console's runs pages in a real browser (Debian's Chromium via playwright-core) against
 * the real server on 127.0.0.1 over a SQLite file, with real runs of examples/loan.yaml (v1)
 * and loan-v2.yaml (v2, rolled out to half the live route): the list with its filters in the
 * hash and its "More" pages, a run's trace and graph, a signal sent from the page, the API's
 * refusals (a run that moved on, a viewer), and a replay through v2 side by side.
 * (test/support/console-browser.ts says where Chromium comes from.)
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../src/core/model.js";
import type { Strata } from "../src/index.js";
import {
  haveBrowser,
  publishLoan,
  noticeSkipped,
  openPage,
  signIn,
  startConsoleServer,
} from "./support/console-browser.js";
import type { ConsoleServer } from "./support/console-browser.js";

noticeSkipped("test/console-runs.test.ts");

/** An application: above 10,000 with a low score goes to review on v1 (above 5,000 on v2). */
const application = (id: string, amount: number, country = "DE") => ({
  amount,
  applicant: { id, income: 30_000, age: 40, country },
});

let strata: Strata;
let base: string;
let adminToken: string;
let viewerToken: string;
let browser: Browser;
let server: ConsoleServer | undefined;
/** Runs the tests use, by role. */
const runs: Record<"approved" | "toSignal" | "movesOn" | "toCancel" | "draft", Run> = {} as never;

beforeAll(async () => {
  if (!haveBrowser) return;
  server = await startConsoleServer("runs", async (opened) => {
    strata = opened;
    await publishLoan(strata, { rollout: { percent: 50 } });

    // Pinned to v1: approved (8,000 from DE), and two waiting for review (20,000).
    runs.approved = await strata.runs.start("loan", { input: application("a1", 8000), version: 1 });
    runs.toSignal = await strata.runs.start("loan", {
      input: application("a2", 20_000),
      version: 1,
    });
    runs.movesOn = await strata.runs.start("loan", {
      input: application("a3", 20_000),
      version: 1,
    });
    runs.toCancel = await strata.runs.start("loan", {
      input: application("a4", 20_000),
      version: 1,
    });
    // On the live route, which the rollout splits between v1 and v2 by applicant.
    for (const id of ["b1", "b2", "b3", "b4", "b5", "b6"]) {
      await strata.runs.start("loan", { input: application(id, 700, "US") });
    }
    // A test run of a draft (a run without a version number).
    await strata.drafts.open("loan", { from: 1 });
    runs.draft = await strata.runs.start("loan", {
      input: application("t1", 700),
      version: "draft",
    });

    adminToken = (await strata.tokens.create({ role: "admin", name: "console" })).token;
    viewerToken = (await strata.tokens.create({ role: "viewer", name: "look" })).token;
  });
  ({ base, browser } = server);
}, 120_000);

afterAll(() => server?.close());

/** An element as the page's functions see it (the tests compile without the DOM's types). */
type Tagged = { getAttribute(name: string): string | null };

/** The run ids the list shows, in order. */
const shownIds = (page: Page): Promise<string[]> =>
  page
    .locator("table.runs tbody tr")
    .evaluateAll((rows: Tagged[]) => rows.map((row) => row.getAttribute("data-run") ?? ""));

/** The node ids of a graph (inside `within`) carrying mark `mark`. */
const marked = (page: Page, within: string, mark: string): Promise<string[]> =>
  page
    .locator(`${within} .react-flow__node.mark-${mark}`)
    .evaluateAll((nodes: Tagged[]) =>
      nodes.map((node) => node.getAttribute("data-id") ?? "").sort(),
    );

describe.skipIf(!haveBrowser)("the console's runs pages", () => {
  it("lists runs as the API does, with filters kept in the hash and More for the next page", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    const production = await strata.runs.list({ limit: 1000 });
    expect(production.items.every((run) => run.kind === "production")).toBe(true);
    await expect.poll(() => shownIds(page)).toEqual(production.items.map((run) => run.id));

    // Columns: the workflow's key, the version, the kind, the status, the route.
    const row = (id: string) => page.locator(`tr[data-run="${id}"]`);
    await expect
      .poll(() => row(runs.approved.id).textContent())
      .toMatch(/^run_\w+loanv1productioncompleted.+v1$/);
    expect(await row(runs.toSignal.id).textContent()).toContain("waiting");
    const live = production.items.filter((run) => run.route.selector === "live");
    for (const run of live) {
      const { arm, bucket } = run.route;
      expect(await row(run.id).locator("td").last().textContent()).toBe(
        `live · ${arm ?? "?"} (bucket ${bucket ?? "?"})`,
      );
      expect(await row(run.id).locator("td").nth(2).textContent()).toBe(
        arm === "candidate" ? "v2" : "v1",
      );
    }

    // Filters go to the hash: the status, then the version (a version needs its workflow).
    await page.getByLabel("Status").selectOption("waiting");
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs?status=waiting`);
    const waiting = await strata.runs.list({ status: "waiting" });
    expect(waiting.items).toHaveLength(3);
    await expect.poll(() => shownIds(page)).toEqual(waiting.items.map((run) => run.id));
    const version = page.getByLabel("Version");
    await version.fill("1");
    await version.press("Enter");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("validation_failed");
    await page.getByLabel("Workflow").selectOption("loan");
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs?workflow=loan&status=waiting`);
    // The version applies once entered (Enter, or leaving the field), not on each key: typing
    // "12" neither lists version 1 first nor leaves a history entry per key.
    const historyLength = (): Promise<number> => page.evaluate<number>("history.length");
    const entries = await historyLength();
    await version.pressSequentially("12");
    expect(page.url()).toBe(`${base}/console/#/runs?workflow=loan&status=waiting`);
    expect(await historyLength()).toBe(entries);
    await version.fill("1");
    await version.blur();
    await expect
      .poll(() => page.url())
      .toBe(`${base}/console/#/runs?workflow=loan&version=1&status=waiting`);
    expect(await historyLength()).toBe(entries + 1);
    await expect.poll(() => shownIds(page)).toEqual(waiting.items.map((run) => run.id));
    await version.fill("2");
    await version.press("Enter");
    await expect
      .poll(() => page.locator("p.empty").textContent())
      .toBe("No runs match these filters.");

    // Test runs are shown when asked for (an admin may); the hash makes the link.
    await page.getByLabel("Status").selectOption("");
    await version.fill("");
    await version.press("Enter");
    await page.getByLabel("Kind").selectOption("all");
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs?workflow=loan&kind=all`);
    const all = await strata.runs.list({ kind: "all", limit: 1000 });
    expect(all.items.map((run) => run.id)).toContain(runs.draft.id);
    await expect.poll(() => shownIds(page)).toEqual(all.items.map((run) => run.id));
    expect(await row(runs.draft.id).textContent()).toMatch(/loandrafttestcompleted.*draft$/);

    // Pages of four: "More" fetches the next ones until there are none.
    await page.goto(`${base}/console/#/runs?kind=all&limit=4`);
    await expect.poll(() => shownIds(page)).toEqual(all.items.slice(0, 4).map((run) => run.id));
    expect(await page.getByLabel("Per page").inputValue()).toBe("4");
    while ((await page.getByRole("button", { name: "More" }).count()) > 0) {
      const before = (await shownIds(page)).length;
      await page.getByRole("button", { name: "More" }).click();
      await expect.poll(async () => (await shownIds(page)).length).toBeGreaterThan(before);
    }
    expect(await shownIds(page)).toEqual(all.items.map((run) => run.id));
    expect(await page.locator(".runs-more").textContent()).toContain(
      `${all.items.length} runs shown, no more.`,
    );

    // A reload lands on the same view.
    await page.goto(`${base}/console/#/runs?status=completed&workflow=loan`);
    await page.reload();
    const completed = await strata.runs.list({ status: "completed", workflow: "loan" });
    await expect.poll(() => shownIds(page)).toEqual(completed.items.map((run) => run.id));
    expect(await page.getByLabel("Status").inputValue()).toBe("completed");
    expect(errors).toEqual([]);
  });

  it("shows a run's trace and graph, and a signal sent from the page moves it on", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    // From the workflow page, its runs; from there, the run.
    await page.goto(`${base}/console/#/workflows/loan`);
    await page.locator("p.subtitle").getByRole("link", { name: "Runs" }).click();
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs?workflow=loan`);
    await page.getByRole("link", { name: runs.toSignal.id }).click();
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs/${runs.toSignal.id}`);

    await expect
      .poll(() => page.getByTestId("run-status").textContent())
      .toMatch(/^waiting waits for signal review until .+ at review$/);
    expect(JSON.parse((await page.getByTestId("run-input").textContent()) ?? "")).toEqual(
      runs.toSignal.input,
    );
    // The trace: one row per entry, each saying what it decided.
    const steps = page.locator("table.trace tbody tr");
    await expect.poll(() => steps.count()).toBe(runs.toSignal.trace.length);
    expect(await steps.nth(1).locator("td.decided").textContent()).toBe(
      "cases[0] (amount > 10000 and score < 50) → review",
    );
    // The graph of v1: the path visited, the wait current.
    const graph = '[data-testid="run-graph"]';
    await expect.poll(() => marked(page, graph, "current")).toEqual(["review"]);
    expect(await marked(page, graph, "visited")).toEqual(["route", "score"]);
    expect(await page.locator(`${graph} .react-flow__node`).count()).toBe(6);

    await page.getByLabel("Payload").fill('{"by": "eve"}');
    await page.getByRole("button", { name: "Send signal" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Sent signal review: the run is running.");
    const moved = await strata.runs.show(runs.toSignal.id);
    expect(moved).toMatchObject({ status: "running", pendingTask: { node: "notify" } });
    expect(moved.trace[3]).toMatchObject({
      node: "review",
      event: "signal",
      signal: { name: "review", payload: { by: "eve" } },
      assigned: { reviewer: "eve" },
    });
    // The page shows the run as it now is: at the task, the signal in its trace.
    await expect.poll(() => marked(page, graph, "current")).toEqual(["notify"]);
    expect(await marked(page, graph, "visited")).toEqual(["review", "route", "score"]);
    await expect.poll(() => steps.count()).toBe(moved.trace.length);
    expect(await steps.nth(3).locator("td.decided").textContent()).toBe(
      'signal review with {"by":"eve"}; reviewer = "eve" → notify',
    );

    // A run that moved on while the page showed it: the API's refusal, then the run as it is.
    await page.goto(`${base}/console/#/runs/${runs.movesOn.id}`);
    await page.getByRole("button", { name: "Send signal" }).waitFor();
    await strata.runs.signal(runs.movesOn.id, "review", { by: "someone else" });
    await page.getByRole("button", { name: "Send signal" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("run_not_waiting");
    await expect.poll(() => page.getByTestId("run-status").textContent()).toMatch(/^running/);

    // An admin cancels; the run ends cancelled.
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("The run is cancelled.");
    expect((await strata.runs.show(runs.movesOn.id)).status).toBe("cancelled");
    expect(dialogs).toEqual([`Cancel run ${runs.movesOn.id}? It stops where it stands.`]);
    await expect
      .poll(() => page.getByTestId("run-error").textContent())
      .toBe("cancelled cancelled by console"); // the token's name (issue 18)

    // A run of the draft: its graph is the draft's, with a word on what that means.
    await page.goto(`${base}/console/#/runs/${runs.draft.id}`);
    await page.getByRole("heading", { name: "Graph of the draft" }).waitFor();
    expect(await page.getByTestId("run-graph").textContent()).toContain(
      "This run ran the draft; the graph shows that draft as it is now",
    );
    await expect.poll(() => marked(page, graph, "visited")).toEqual(["approve", "route", "score"]);
    expect(errors).toEqual([]);
  });

  it("follows a running run by itself, and stops once it has ended", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    // The run the last test signalled: running, at its task.
    expect((await strata.runs.show(runs.toSignal.id)).status).toBe("running");
    await page.goto(`${base}/console/#/runs/${runs.toSignal.id}`);
    await expect.poll(() => page.getByTestId("run-status").textContent()).toMatch(/^running/);
    const loads: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === `/v1/runs/${runs.toSignal.id}`) {
        loads.push(request.url());
      }
    });
    // Cancelled elsewhere: the page shows it within a poll (2 s), with no click.
    await strata.runs.cancel(runs.toSignal.id);
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 5_000 })
      .toMatch(/^cancelled/);
    // An ended run does not change: no more loads.
    const seen = loads.length;
    await page.waitForTimeout(2_500);
    expect(loads).toHaveLength(seen);
    expect(errors).toEqual([]);
  });

  it("replays a run through v2 side by side, showing the decision that changed", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    await page.goto(`${base}/console/#/runs/${runs.approved.id}`);
    await page.getByLabel("Through").selectOption("2");
    await page.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => page.url()).toBe(`${base}/console/#/runs/${runs.approved.id}?replay=2`);

    // What the server answers, to compare with what the page shows.
    const report = await strata.replays.replay("loan", { runId: runs.approved.id, version: 2 });
    expect(report.comparison.switches).toEqual([
      {
        node: "route",
        visit: 1,
        original: { caseIndex: 1, branch: "approve" },
        replay: { caseIndex: 0, branch: "review" },
      },
    ]);
    const result = page.getByTestId("replay-result");
    await expect
      .poll(() => result.locator(".replay-verdict").textContent())
      .toMatch(/^The outcome changes\. v1 → v2 \(asked for 2\); input adapter: none\.$/);
    expect(await result.locator(".divergence").textContent()).toBe(
      "The paths part at step 3: the original went to approve, the replay to review.",
    );
    const change = result.locator('table.switch-changes tr[data-switch="route"] td');
    expect(await change.allTextContents()).toEqual([
      "route",
      "1",
      "cases[1] (applicant.country in ['DE','FR','NL']) → approve",
      "cases[0] (amount > 5000 and score < 50) → review",
    ]);
    expect(await result.locator(".replay-stop").textContent()).toContain(
      "The replay stopped at review",
    );
    // Two graphs: each path visited, the changed switch marked, the replay's stop current.
    const original = '[data-testid="replay-original"]';
    const replayed = '[data-testid="replay-target"]';
    await expect.poll(() => marked(page, original, "visited")).toEqual(["approve", "score"]);
    expect(await marked(page, original, "changed")).toEqual(["route"]);
    expect(await marked(page, replayed, "visited")).toEqual(["score"]);
    expect(await marked(page, replayed, "changed")).toEqual(["route"]);
    expect(await marked(page, replayed, "current")).toEqual(["review"]);
    expect(await page.locator(`${original} .path`).textContent()).toBe(
      "Path: score → route → approve",
    );
    expect(await page.locator(`${replayed} .path`).textContent()).toBe(
      `Path: ${report.replay.path.join(" → ")}`,
    );
    expect(await page.locator(`${replayed} h3`).textContent()).toBe("Replay · v2 unresolved");

    // The link reproduces the comparison.
    await page.reload();
    await expect.poll(() => result.locator(".divergence").textContent()).toContain("step 3");

    // Mocks carry the replay past the review and the task: the same outcome in the end.
    await page
      .getByLabel("Mocks by node")
      .fill('{"review": {"by": "ann"}, "notify": {"ok": true}}');
    await page.getByRole("button", { name: "Replay" }).click();
    await expect
      .poll(() => result.locator(".replay-verdict").textContent())
      .toMatch(/^Same outcome/);
    expect(await page.locator(`${replayed} .path`).textContent()).toBe(
      "Path: score → route → review → notify → approve",
    );
    expect(page.url()).toContain("&mocks=");

    // A refusal is shown with its code: an adapter that is not JSONata.
    await page.getByLabel("Input adapter").fill("$$$(");
    await page.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("validation_failed");
    expect(errors).toEqual([]);
  });

  it("shows a viewer the API's refusals: no cancelling, no test runs", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, viewerToken);
    page.on("dialog", (dialog) => void dialog.accept());
    await page.goto(`${base}/console/#/runs/${runs.toCancel.id}`);
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect((await strata.runs.show(runs.toCancel.id)).status).toBe("waiting");
    await page.getByRole("button", { name: "Send signal" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect((await strata.runs.show(runs.toCancel.id)).trace).toHaveLength(
      runs.toCancel.trace.length,
    );

    await page.goto(`${base}/console/#/runs?kind=test`);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect(await page.locator("table.runs").count()).toBe(0);
    // A test run does not exist for a viewer.
    await page.goto(`${base}/console/#/runs/${runs.draft.id}`);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not_found");
    expect(errors).toEqual([]);
  });
});
