/**
 * The console's draft editor and diff view in a real browser (Debian's Chromium, driven by
 * playwright-core) against the real server on 127.0.0.1, with the console built afresh: opening
 * a draft, a syntax error that saves nothing, saving (also invalid drafts, also pasted JSON), a
 * stale revision, test runs with their path on the graph, publish and its refusals, revert,
 * discard, the diff of two versions and of the draft, and what an editor may not do.
 * (test/support/console-browser.ts says where Chromium comes from.)
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Strata } from "../src/index.js";
import {
  exampleDefinition,
  exampleText,
  haveBrowser,
  publishLoan,
  noticeSkipped,
  openPage,
  signIn,
  versionRow,
  startConsoleServer,
} from "./support/console-browser.js";
import type { ConsoleServer } from "./support/console-browser.js";

noticeSkipped("test/console-draft.test.ts");

const example = exampleDefinition;

let strata: Strata;
let base: string;
let adminToken: string;
let editorToken: string;
let browser: Browser;
let server: ConsoleServer | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  server = await startConsoleServer("draft", async (opened) => {
    strata = opened;
    await publishLoan(strata);
    adminToken = (await strata.tokens.create({ role: "admin", name: "console" })).token;
    editorToken = (await strata.tokens.create({ role: "editor", name: "edits" })).token;
  });
  ({ base, browser } = server);
}, 120_000);

afterAll(() => server?.close());

/** The editor's parts. */
const definitionBox = (page: Page) => page.getByLabel("YAML (JSON works too)");
const editCard = (page: Page) => page.locator(".draft-panes > .card").first();
const publishCard = (page: Page) => page.locator(".card.publish");
const graphNode = (page: Page, id: string, scope = "") =>
  page.locator(`${scope} .react-flow__node[data-id="${id}"]`.trim());

describe.skipIf(!haveBrowser)("the console's draft editor and diff view", () => {
  it("opens a draft, previews edits, saves nothing on a syntax error, and catches a stale revision", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    await page.getByText("loan has no draft").waitFor();
    await page.getByRole("button", { name: "Open a draft" }).click();
    await definitionBox(page).waitFor();
    expect((await strata.drafts.show("loan")).revision).toBe(1);
    expect(await page.getByTestId("revision").textContent()).toBe("revision 1");
    expect(await page.getByTestId("no-problems").textContent()).toContain("revision 1 valid");
    const nodes = Object.keys(example("loan.yaml").nodes as object);
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(nodes.length);

    // A syntax error shows with its line; the graph keeps the last text that parsed; no save.
    const v2 = exampleText("loan-v2.yaml");
    await definitionBox(page).fill(v2.replace("start: score", "start: [score"));
    const syntax = page.getByTestId("syntax-error");
    await expect.poll(() => syntax.textContent()).toMatch(/^Line \d+, column \d+: /);
    expect(await page.getByRole("button", { name: "Save", exact: true }).isDisabled()).toBe(true);
    expect(await page.locator(".react-flow__node").count()).toBe(nodes.length);
    expect((await strata.drafts.show("loan")).revision).toBe(1);

    // What parses is previewed at once: a node typed in shows in the graph before any save.
    await definitionBox(page).fill(`${v2}\n  hold:\n    type: end\n    output: {}\n`);
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(nodes.length + 1);
    await graphNode(page, "hold").waitFor();
    expect(await syntax.count()).toBe(0);

    // A draft may be saved invalid (L5): the server's problems show with their paths.
    await definitionBox(page).fill(v2.replace("default: reject", "default: nowhere"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => editCard(page).getByRole("status").textContent())
      .toBe("Saved revision 2, with 1 problem(s) to fix before publishing.");
    const saved = await strata.drafts.show("loan");
    expect(saved.revision).toBe(2);
    expect(saved.problems.length).toBe(1);
    const problems = editCard(page).getByTestId("problems");
    expect(await problems.textContent()).toContain(saved.problems[0]?.path);
    expect(await problems.textContent()).toContain("nowhere");

    // Typing the second version's rules and saving changes the draft to exactly them.
    await definitionBox(page).fill(v2);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => editCard(page).getByRole("status").textContent())
      .toBe("Saved revision 3.");
    expect((await strata.drafts.show("loan")).definition).toEqual(example("loan-v2.yaml"));
    expect(await page.getByTestId("no-problems").textContent()).toContain("revision 3 valid");

    // Someone saves from the library meanwhile: this page's revision 3 is stale.
    const theirs = structuredClone(example("loan-v2.yaml"));
    (theirs as { name: string }).name = "Loan decision (theirs)";
    await strata.drafts.save("loan", { definition: theirs, revision: 3 });
    await definitionBox(page).fill(v2.replace("name: Loan decision", "name: Loan decision (mine)"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => editCard(page).getByRole("alert").textContent())
      .toContain("revision_mismatch");
    await page.getByTestId("stale").waitFor();
    expect(await page.getByTestId("stale").textContent()).toContain("Revision 3");
    expect((await strata.drafts.show("loan")).definition).toEqual(theirs);
    // Undoing the edit does not make revision 3 the latest: still stale, Save still disabled.
    await page.getByRole("button", { name: "Undo my changes" }).click();
    expect(await definitionBox(page).inputValue()).not.toContain("Loan decision (mine)");
    expect(await page.getByTestId("stale").count()).toBe(1);
    await definitionBox(page).fill(v2.replace("name: Loan decision", "name: Loan decision (2)"));
    expect(await page.getByRole("button", { name: "Save", exact: true }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Reload the draft" }).click();
    await expect.poll(() => page.getByTestId("revision").textContent()).toBe("revision 4");
    expect(await definitionBox(page).inputValue()).toContain("Loan decision (theirs)");
    expect(await page.getByTestId("stale").count()).toBe(0);

    // JSON is YAML: a pasted JSON definition saves as it is.
    await definitionBox(page).fill(JSON.stringify(example("loan-v2.yaml"), null, 2));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => editCard(page).getByRole("status").textContent())
      .toBe("Saved revision 5.");
    expect((await strata.drafts.show("loan")).definition).toEqual(example("loan-v2.yaml"));
    expect(errors).toEqual([]);
  });

  it("runs the draft as a test with its path on the graph, and publishes it", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    await definitionBox(page).waitFor();

    const applicant = { id: "a1", income: 90_000, age: 30, country: "DE" };
    await page.getByLabel("Input (JSON)").fill(JSON.stringify({ amount: 1000, applicant }));
    await page.getByRole("button", { name: "Run revision 5" }).click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("completed");
    expect(JSON.parse((await page.getByTestId("run-output").textContent()) ?? "")).toEqual({
      decision: "approve",
      score: 60,
    });
    expect(await page.getByTestId("run-path").textContent()).toBe("score → route → approve");
    await expect.poll(() => page.locator(".react-flow__node.mark-visited").count()).toBe(3);
    for (const id of ["score", "route", "approve"]) {
      expect(await graphNode(page, id).getAttribute("class")).toContain("mark-visited");
    }

    // A large loan from a low score waits for a review (the second version's 5,000 limit).
    const low = { ...applicant, income: 20_000, age: 40 };
    await page.getByLabel("Input (JSON)").fill(JSON.stringify({ amount: 8000, applicant: low }));
    await page.getByRole("button", { name: "Run revision 5" }).click();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("waiting");
    expect(await page.getByTestId("test-run").textContent()).toContain("the signal review");
    await expect
      .poll(() => graphNode(page, "review").getAttribute("class"))
      .toContain("mark-current");
    const runs = await strata.runs.list({ workflow: "loan", kind: "test" });
    expect(runs.items.map((run) => run.status).sort()).toEqual(["completed", "waiting"]);

    // Publish refuses an invalid draft with every problem, and says so with its code.
    await strata.drafts.save("loan", {
      definition: { ...example("loan-v2.yaml"), start: "nowhere" },
      revision: 5,
    });
    await page.reload();
    await expect.poll(() => page.getByTestId("revision").textContent()).toBe("revision 6");
    await publishCard(page).getByRole("button", { name: "Publish revision 6 as v2" }).click();
    await expect
      .poll(() => publishCard(page).getByRole("alert").textContent())
      .toContain("definition_invalid");
    expect(await publishCard(page).getByTestId("problems").textContent()).toContain("nowhere");
    expect((await strata.workflows.show("loan")).latestVersion).toBe(1);

    await strata.drafts.save("loan", { definition: example("loan-v2.yaml"), revision: 6 });
    await page.reload();
    await expect.poll(() => page.getByTestId("revision").textContent()).toBe("revision 7");
    await page.getByLabel("Description").fill("stricter limit");
    await publishCard(page).getByRole("button", { name: "Publish revision 7 as v2" }).click();
    await versionRow(page, "v2").waitFor();
    expect(page.url()).toBe(`${base}/console/#/workflows/loan/versions/2`);
    expect(await versionRow(page, "v2").textContent()).toContain("stricter limit");
    const published = await strata.versions.show("loan", 2);
    expect(published.definition).toEqual(example("loan-v2.yaml"));
    expect(published.description).toBe("stricter limit");
    expect((await strata.workflows.show("loan")).liveVersion).toBe(2);
    await expect(strata.drafts.show("loan")).rejects.toMatchObject({ code: "not_found" });
    expect(errors).toEqual([]);
  });

  it("shows the diff of two versions: the summary and the changed node in both graphs", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, adminToken);
    await page.goto(`${base}/console/#/workflows/loan`);
    // The live version's Diff compares it with the version before it.
    await versionRow(page, "v2").getByRole("link", { name: "Diff" }).click();
    await page.getByRole("heading", { name: "loan: Diff v1 → v2" }).waitFor();
    const summary = page.getByTestId("diff-summary");
    await summary.waitFor();
    expect(await summary.locator("li").allTextContents()).toEqual([
      '~ node route cases[0].when: "amount > 10000 and score < 50" → "amount > 5000 and score < 50"',
    ]);
    expect(await page.getByText("No input-schema changes.").count()).toBe(1);
    for (const side of ["diff-from", "diff-to"]) {
      const scope = `[data-testid="${side}"]`;
      await expect.poll(() => page.locator(`${scope} .react-flow__node`).count()).toBe(6);
      expect(await graphNode(page, "route", scope).getAttribute("class")).toContain("mark-changed");
      expect(await page.locator(`${scope} .react-flow__node[class*="mark-"]`).count()).toBe(1);
    }

    // Picking the sides: swap them, then choose another version.
    await page.getByRole("button", { name: "Swap" }).click();
    await page.getByRole("heading", { name: "loan: Diff v2 → v1" }).waitFor();
    expect(page.url()).toBe(`${base}/console/#/workflows/loan/diff/2/1`);
    await page.getByLabel("To", { exact: true }).selectOption("2");
    await page.getByTestId("diff-identical").waitFor();

    // A draft adding a required input and a node: the change is flagged breaking, the node added.
    await strata.drafts.open("loan");
    const next = structuredClone(example("loan-v2.yaml")) as {
      inputSchema: { required: string[]; properties: Record<string, unknown> };
      nodes: Record<string, unknown>;
    };
    next.inputSchema.required.push("term");
    next.inputSchema.properties.term = { type: "integer" };
    next.nodes.hold = { type: "end", output: {} };
    (next.nodes.route as { default: string }).default = "hold";
    await strata.drafts.save("loan", { definition: next, revision: 1 });
    await page.goto(`${base}/console/#/workflows/loan`);
    await versionRow(page, "draft").getByRole("link", { name: "Diff" }).click();
    await page.getByRole("heading", { name: "loan: Diff v2 → draft" }).waitFor();
    const breaking = page.locator('[data-testid="schema-changes"] tr.breaking');
    await expect.poll(() => breaking.count()).toBe(1);
    expect(await breaking.textContent()).toContain("/term");
    expect(await breaking.textContent()).toContain("breaking");
    const toScope = '[data-testid="diff-to"]';
    await expect.poll(() => graphNode(page, "hold", toScope).count()).toBe(1);
    expect(await graphNode(page, "hold", toScope).getAttribute("class")).toContain("mark-added");
    expect(await graphNode(page, "hold", '[data-testid="diff-from"]').count()).toBe(0);
    expect(await summary.textContent()).toContain("node hold (end) added");

    // Publishing it is refused for the breaking change, with its code.
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    await publishCard(page).getByRole("button", { name: "Publish revision 2 as v3" }).click();
    await expect
      .poll(() => publishCard(page).getByRole("alert").textContent())
      .toContain("schema_incompatible");
    expect((await strata.workflows.show("loan")).latestVersion).toBe(2);
    expect(errors).toEqual([]);
  });

  it("lets an editor edit but not publish, and reverts and discards with a confirmation", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, editorToken);
    await page.goto(`${base}/console/#/workflows/loan`);
    await versionRow(page, "draft").getByRole("link", { name: "Edit" }).click();
    await definitionBox(page).waitFor();
    expect(page.url()).toBe(`${base}/console/#/workflows/loan/draft`);
    await publishCard(page).getByRole("button", { name: "Publish revision 2 as v3" }).click();
    await expect
      .poll(() => publishCard(page).getByRole("alert").textContent())
      .toContain("forbidden");
    expect((await strata.workflows.show("loan")).latestVersion).toBe(2);

    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Revert to live" }).click();
    await expect
      .poll(() => editCard(page).getByRole("status").textContent())
      .toBe("Reverted to v2: revision 3.");
    const reverted = await strata.drafts.show("loan");
    expect(reverted.definition).toEqual(example("loan-v2.yaml"));
    expect(await definitionBox(page).inputValue()).not.toContain("term");

    await page.getByRole("button", { name: "Discard the draft" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Discarded the draft of loan.");
    await page.getByRole("button", { name: "Open a draft" }).waitFor();
    await expect(strata.drafts.show("loan")).rejects.toMatchObject({ code: "not_found" });
    expect(dialogs).toEqual([
      "Reset the draft to v2? Its changes are lost.",
      "Discard the draft of loan? Its changes are lost.",
    ]);
    expect(errors).toEqual([]);
  });
});
