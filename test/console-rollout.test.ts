/**
 * The console's rollout panel and backtest reports in a real browser, against the real server
 * on 127.0.0.1 over a SQLite file, with the console built afresh from console/. From the page:
 * a rollout is started (with a ramp and a guard), its share set, promoted, another aborted,
 * versions rolled back at once and at a share; a backtest is cancelled, another runs on the
 * server's worker loop and its report matches the API's; a viewer is refused.
 * (test/support/console-browser.ts says where Chromium comes from.)
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Strata } from "../src/index.js";
import {
  exampleDefinition,
  haveBrowser,
  publishLoan,
  noticeSkipped,
  openPage,
  signIn,
  startConsoleServer,
} from "./support/console-browser.js";
import type { ConsoleServer } from "./support/console-browser.js";

noticeSkipped("test/console-rollout.test.ts");

type Json = Record<string, unknown>;
const example = (name: string): Json & { nodes: Json } =>
  exampleDefinition(name) as Json & { nodes: Json };

/** An application: even ones ask 8,000 and odd ones 3,000; every third applicant scores high. */
const application = (i: number) => ({
  amount: i % 2 === 0 ? 8_000 : 3_000,
  applicant: {
    id: `a-${i}`,
    income: i % 3 === 0 ? 120_000 : 30_000,
    age: 35,
    country: ["DE", "US", "FR"][i % 3] ?? "DE",
  },
});

let strata: Strata;
let base: string;
let publisherToken: string;
/** Who the publisher's changes are attributed to. */
let publisherActor: string;
let viewerToken: string;
let browser: Browser;
let server: ConsoleServer | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  server = await startConsoleServer("rollout", async (opened) => {
    strata = opened;
    // v2 is published but not live: v1 serves, v2 is LATEST, ready to roll out.
    await publishLoan(strata, { activate: false });
    for (let i = 0; i < 30; i++) await strata.runs.start("loan", { input: application(i) });
    // The draft a backtest replays against: mid-sized loans of low scores are rejected outright,
    // with no review.
    await strata.drafts.open("loan", { from: 1 });
    const draft = await strata.drafts.show("loan");
    const loan = example("loan.yaml");
    const route = {
      type: "switch",
      cases: [
        { when: "amount > 5000 and score < 50", next: "reject" },
        { when: "applicant.country in ['DE','FR','NL']", next: "approve" },
      ],
      default: "reject",
    };
    await strata.drafts.save("loan", {
      definition: {
        ...loan,
        nodes: {
          score: loan.nodes.score,
          route,
          approve: loan.nodes.approve,
          reject: loan.nodes.reject,
        },
      },
      revision: draft.revision,
    });
    const publisher = await strata.tokens.create({ role: "publisher", name: "pat" });
    publisherToken = publisher.token;
    publisherActor = "pat";
    viewerToken = (await strata.tokens.create({ role: "viewer", name: "look" })).token;
    // No worker loop yet: backtests stay queued until the backtest test starts one.
  });
  ({ base, browser } = server);
}, 120_000);

afterAll(() => server?.close());

/** The notice the panel shows after a change. */
const notice = (page: Page) => page.getByRole("status").textContent();
/** What the panel's subtitle says of the live route. */
const liveRoute = (page: Page) => page.getByTestId("live-route").textContent();
/** A figure of one arm: the cell of `column` (2 runs, 3 open, 4 completed, 5 failed). */
const armCell = (page: Page, arm: "stable" | "candidate", column: number) =>
  page.locator(`tr[data-arm="${arm}"] td`).nth(column).textContent();

/** The page's reads of backtest `id`, recorded as they are sent. */
function readsOf(page: Page, id: string): string[] {
  const reads: string[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith(`/v1/backtests/${id}`)) reads.push(request.url());
  });
  return reads;
}

describe.skipIf(!haveBrowser)("the console's rollout panel and backtests", () => {
  it("starts, sets, promotes and aborts rollouts, rolls back, and lists the history", async () => {
    const { page, errors } = await openPage(browser);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await signIn(page, base, publisherToken);
    await page.goto(`${base}/console/#/workflows/loan`);
    await page.getByRole("link", { name: "Rollout", exact: true }).click();
    await page.getByRole("heading", { name: "Rollout of loan" }).waitFor();
    expect(page.url()).toBe(`${base}/console/#/workflows/loan/rollout`);
    await expect.poll(() => liveRoute(page)).toContain("live v1 · LATEST v2 · no rollout");
    expect(await page.locator("table.rollout-history").count()).toBe(0);

    // Start: v2 at 10%, ramping every hour, with a guard.
    const start = page.locator(".card.start-rollout");
    expect(await start.getByLabel("Candidate", { exact: true }).inputValue()).toBe("2");
    await start.getByLabel("Candidate's share (%)").fill("10");
    await start.getByLabel("Steps (%)").fill("25,50,100");
    await start.getByLabel("Every", { exact: true }).fill("1h");
    await start.getByLabel("Guard: abort above stable by (points)").fill("5");
    await start.getByLabel("Guard: finished runs per arm").fill("50");
    await start.getByRole("button", { name: "Start rollout" }).click();
    await expect.poll(() => notice(page)).toBe("Started rolling out v2 at 10%.");
    expect(await strata.rollouts.status("loan")).toMatchObject({
      status: "active",
      stableVersion: 1,
      candidateVersion: 2,
      percent: 10,
      steps: [25, 50, 100],
      stepEveryMs: 3_600_000,
      guard: { maxFailureRateIncrease: 5, minRuns: 50, everyMs: 60_000 },
    });
    await expect.poll(() => liveRoute(page)).toContain("v2 rolling out at 10%");
    expect(await page.getByTestId("rollout-schedule").textContent()).toContain(
      "ramps to 25%, 50%, 100% every 1h (100% promotes)",
    );
    expect(await page.getByTestId("rollout-guard").textContent()).toContain(
      "by more than 5 points, once each arm has finished 50 runs; looks every 1m",
    );
    expect(await page.locator(".guard-verdict").textContent()).toContain("waiting");

    // Runs split between the arms; the panel shows the API's figures.
    for (let i = 100; i < 140; i++) await strata.runs.start("loan", { input: application(i) });
    const { arms } = await strata.rollouts.status("loan");
    expect(arms.stable.runs + arms.candidate.runs).toBe(40);
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => armCell(page, "stable", 2)).toBe(String(arms.stable.runs));
    expect(await armCell(page, "candidate", 2)).toBe(String(arms.candidate.runs));
    expect(await armCell(page, "candidate", 4)).toBe(String(arms.candidate.completed));
    expect(await armCell(page, "stable", 6)).toBe(`${arms.stable.failureRate}%`);

    // A second rollout is refused while one runs.
    await start.getByRole("button", { name: "Start rollout" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("rollout_in_progress");

    // Set the share by hand: the ramp stops.
    await page.getByLabel("New share (%)").fill("40");
    await page.getByRole("button", { name: "Set percentage" }).click();
    await expect.poll(() => notice(page)).toBe("v2 now gets 40% of new runs.");
    expect(await strata.rollouts.status("loan")).toMatchObject({ percent: 40, steps: [] });
    await expect.poll(() => page.getByTestId("rollout-percent").textContent()).toContain("40%");

    await page.getByRole("button", { name: "Promote" }).click();
    await expect.poll(() => notice(page)).toBe("Promoted v2: it is live.");
    expect((await strata.workflows.show("loan")).liveVersion).toBe(2);
    expect((await strata.rollouts.status("loan")).status).toBe("promoted");
    await expect.poll(() => liveRoute(page)).toContain("live v2 · LATEST v2 · no rollout");

    // Roll v1 out from v2, then abort it with a reason.
    expect(await start.getByLabel("Candidate", { exact: true }).inputValue()).toBe("1");
    await start.getByLabel("Candidate's share (%)").fill("50");
    for (const field of ["Steps (%)", "Every", "Guard: abort above stable by (points)"]) {
      await start.getByLabel(field, { exact: true }).fill("");
    }
    await start.getByLabel("Guard: finished runs per arm").fill("");
    await start.getByRole("button", { name: "Start rollout" }).click();
    await expect.poll(() => notice(page)).toBe("Started rolling out v1 at 50%.");
    expect(await page.getByTestId("rollout-schedule").textContent()).toContain("none");
    await page.getByLabel("Reason").fill("error budget spent");
    await page.getByRole("button", { name: "Abort" }).click();
    await expect.poll(() => notice(page)).toBe("Aborted the rollout: v2 alone serves again.");
    expect(await strata.rollouts.status("loan")).toMatchObject({
      status: "aborted",
      candidateVersion: 1,
      endReason: "error budget spent",
      endedBy: publisherActor,
    });
    expect((await strata.workflows.show("loan")).liveVersion).toBe(2);

    // Roll back to v1 at once, then towards v2 at 30%.
    const rollback = page.locator(".card.rollback");
    expect(await rollback.getByLabel("Version").inputValue()).toBe("1");
    await rollback.getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => notice(page)).toBe("v1 is live.");
    expect((await strata.workflows.show("loan")).liveVersion).toBe(1);
    await expect.poll(() => liveRoute(page)).toContain("live v1");
    await rollback.getByLabel("Version").selectOption("2");
    await rollback.getByLabel("Share (%)").fill("30");
    await rollback.getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => notice(page)).toBe("Rolling back to v2: it gets 30% of new runs.");
    expect(await strata.rollouts.route("loan")).toMatchObject({
      liveVersion: 1,
      rollout: { status: "active", stableVersion: 1, candidateVersion: 2, percent: 30 },
    });

    // The history: every rollout, newest first, with how it ended.
    const history = await strata.rollouts.list("loan");
    expect(history.map((rollout) => rollout.status)).toEqual(["active", "aborted", "promoted"]);
    const rows = page.locator("table.rollout-history tbody tr");
    await expect.poll(() => rows.count()).toBe(history.length);
    for (const [index, rollout] of history.entries()) {
      const text = await rows.nth(index).textContent();
      expect(text).toContain(`v${rollout.stableVersion} → v${rollout.candidateVersion}`);
      expect(text).toContain(rollout.status);
    }
    expect(await rows.nth(1).textContent()).toContain("error budget spent");
    expect(dialogs).toEqual([
      "Promote v2? It alone will serve new runs.",
      "Make v1 live again at once?",
      "Start a rollout towards v2 at 30%?",
    ]);
    expect(errors).toEqual([]);
  });

  it("shows a viewer the server's refusal, and changes nothing", async () => {
    const { page, errors } = await openPage(browser);
    page.on("dialog", (dialog) => void dialog.accept());
    await signIn(page, base, viewerToken);
    await page.goto(`${base}/console/#/workflows/loan/rollout`);
    await page.getByRole("button", { name: "Promote" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect(await strata.rollouts.status("loan")).toMatchObject({ status: "active", percent: 30 });

    await page.goto(`${base}/console/#/workflows/loan/backtests`);
    await page.getByRole("button", { name: "Start backtest" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect((await strata.backtests.list({ workflow: "loan" })).items).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("cancels a queued backtest, runs one on the worker and shows the API's report", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, publisherToken);
    await page.goto(`${base}/console/#/workflows/loan`);
    await page.getByRole("link", { name: "Backtests", exact: true }).click();
    await page.getByRole("heading", { name: "Backtests of loan" }).waitFor();
    await page.getByText("No backtest yet.").waitFor();

    /** Starts a backtest from the list page's form; returns the id its report page shows. */
    const startBacktest = async (): Promise<string> => {
      const form = page.locator(".card.start-backtest");
      expect(await form.getByLabel("Target").inputValue()).toBe("draft");
      await form.getByLabel("Baseline: runs of").selectOption("1");
      await form.getByLabel("Since").fill("30d");
      await form.getByLabel("At most (runs, newest first)").fill("500");
      await form.getByRole("button", { name: "Start backtest" }).click();
      await expect.poll(() => page.url()).toMatch(/#\/backtests\/bkt_\w+$/);
      return decodeURIComponent(page.url().split("/").at(-1) ?? "");
    };
    const status = () => page.getByTestId("backtest-status").textContent();

    // With no worker loop running, the job waits in the queue: cancel it from its page.
    const queued = await startBacktest();
    expect(await strata.backtests.show(queued)).toMatchObject({
      status: "queued",
      target: "draft",
      sourceVersion: 1,
      limit: 500,
    });
    await expect.poll(status).toBe("queued");
    // Its page asks again every second while the job may change, and stops once it goes.
    const queuedReads = readsOf(page, queued);
    await expect.poll(() => queuedReads.length, { timeout: 5_000 }).toBeGreaterThan(1);
    await page.getByRole("link", { name: "all its backtests" }).click();
    await page.locator(`tr[data-backtest="${queued}"]`).waitFor();
    const readsAway = queuedReads.length;
    await page.waitForTimeout(2_500);
    expect(queuedReads.length).toBe(readsAway);
    await page.getByRole("link", { name: queued }).click();
    await expect.poll(status).toBe("queued");
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => notice(page)).toBe("Cancelled.");
    await expect.poll(status).toBe("cancelled");
    expect((await strata.backtests.show(queued)).status).toBe("cancelled");
    expect(await page.getByRole("button", { name: "Cancel" }).count()).toBe(0);

    // `strata serve` runs a worker loop, which picks queued backtests up: start one here.
    strata.startWorker();
    await page.getByRole("link", { name: "all its backtests" }).click();
    await page.getByRole("heading", { name: "Backtests of loan" }).waitFor();
    const id = await startBacktest();
    const reads = readsOf(page, id);
    await expect.poll(status, { timeout: 60_000 }).toBe("completed");

    const job = await strata.backtests.show(id);
    const report = job.report;
    expect(job.status).toBe("completed");
    if (report === null) throw new Error("a completed backtest has a report");
    // The baseline: v1's production runs that ended (the setup's 30 and the stable arm's).
    const ended = (await strata.runs.list({ workflow: "loan", version: 1, limit: 1000 })).items
      .filter((run) => run.kind === "production")
      .filter((run) => run.status === "completed" || run.status === "failed");
    expect(report.total).toBe(ended.length);
    expect(report.changed).toBeGreaterThan(0);
    const count = (key: string) =>
      page.locator(`table.backtest-counts tr[data-count="${key}"] td.count`).textContent();
    await expect.poll(() => count("total")).toBe(String(report.total));
    for (const key of ["changed", "unchanged", "unresolved", "schemaDrift"] as const) {
      expect(await count(key)).toBe(String(report[key]));
    }
    expect(await page.getByTestId("backtest-progress").textContent()).toContain(
      `${report.total} of ${report.total} runs replayed`,
    );
    // Which decisions would change, and which runs.
    const switches = page.locator("table.switch-changes tbody tr");
    expect(await switches.count()).toBe(report.switchChanges.length);
    expect(await switches.first().textContent()).toBe(
      `routeapprovereject${report.switchChanges[0]?.count}`,
    );
    expect(await page.locator("table.output-moves").textContent()).toContain(
      `decision"approve""reject"${report.changed}`,
    );
    expect(await page.locator("ul.changed-runs li").allTextContents()).toEqual(
      report.changedSamples,
    );

    // The page stops asking once the job has ended.
    const readsAtEnd = reads.length;
    await page.waitForTimeout(2_500);
    expect(reads.length).toBe(readsAtEnd);

    // The list: both jobs, newest first, with the report's count.
    await page.getByRole("link", { name: "all its backtests" }).click();
    const rows = page.locator("table.backtests tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute("data-backtest")).toBe(id);
    expect(await rows.nth(0).textContent()).toContain("completed");
    expect(await rows.nth(1).textContent()).toContain("cancelled");
    expect(errors).toEqual([]);
  });
});
