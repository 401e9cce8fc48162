/**
 * The draft's review in the console (issue 18, ADR 0015), in a real browser (Debian's Chromium,
 * driven by playwright-core) against the real server on 127.0.0.1: where the review stands and
 * why publish is blocked, the change against the live version that is reviewed, an editor
 * refused an approval, a rejection that needs a note, an approval by a reviewer, and the
 * publish it lets through, which records who approved.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Strata } from "../src/index.js";
import {
  exampleDefinition,
  haveBrowser,
  noticeSkipped,
  openPage,
  publishLoan,
  signIn,
  startConsoleServer,
} from "./support/console-browser.js";
import type { ConsoleServer } from "./support/console-browser.js";

noticeSkipped("test/console-review.test.ts");

let strata: Strata;
let base: string;
let editorToken: string;
let reviewerToken: string;
let publisherToken: string;
let browser: Browser;
let server: ConsoleServer | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  server = await startConsoleServer("review", async (opened) => {
    strata = opened;
    await publishLoan(strata);
    await strata.workflows.setPolicy("loan", { review: { required: true } });
    // ann (the library's actor) opens and edits the draft: revision 2.
    const { revision } = await strata.drafts.open("loan");
    await strata.drafts.save("loan", { definition: exampleDefinition("loan-v2.yaml"), revision });
    editorToken = (await strata.tokens.create({ role: "editor", name: "ed" })).token;
    reviewerToken = (await strata.tokens.create({ role: "reviewer", name: "rita" })).token;
    publisherToken = (await strata.tokens.create({ role: "publisher", name: "pat" })).token;
  });
  ({ base, browser } = server);
}, 120_000);

afterAll(() => server?.close());

describe.skipIf(!haveBrowser)("the console's draft review", () => {
  it("shows why publish waits, refuses an editor, and lets a reviewer's approval through to publish", async () => {
    // Each person in a page of their own (a page keeps its token once signed in).
    const asEditor = await openPage(browser);
    let page = asEditor.page;
    let review = page.getByTestId("review");

    // An editor sees the state and the change, but may only ask.
    await signIn(page, base, editorToken);
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    await review.waitFor();
    expect(await page.getByTestId("review-state").textContent()).toContain(
      "Publishing needs 1 approval of revision 2 from someone who did not edit the draft: it has 0.",
    );
    expect(await page.getByTestId("review-blocked").textContent()).toContain("approval_required");
    expect(await review.textContent()).toContain("Edited by ann, who may not approve it");
    await review.getByTestId("diff-summary").waitFor();
    expect(await review.getByTestId("diff-summary").textContent()).toContain("route");
    expect(await page.getByTestId("publish-blocked").textContent()).toContain(
      "strata review approve loan --revision 2",
    );
    await review.getByRole("button", { name: "Ask for review" }).click();
    await expect
      .poll(() => review.getByRole("status").textContent())
      .toBe("You asked for a review of revision 2.");
    await review.getByRole("button", { name: "Approve revision 2" }).click();
    await expect.poll(() => review.getByRole("alert").textContent()).toContain("forbidden");
    expect((await strata.reviews.list("loan")).map((r) => `${r.decision} ${r.actor}`)).toEqual([
      "request ed",
    ]);

    // A reviewer: a rejection needs a note; then an approval, after a change of mind.
    const asReviewer = await openPage(browser);
    page = asReviewer.page;
    review = page.getByTestId("review");
    await signIn(page, base, reviewerToken);
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    await review.waitFor();
    const reject = review.getByRole("button", { name: "Reject revision 2" });
    expect(await reject.isDisabled()).toBe(true);
    await review.getByLabel("Note").fill("the limit is too strict");
    await reject.click();
    await expect
      .poll(() => page.getByTestId("review-blocked").textContent())
      .toContain('rejected by rita ("the limit is too strict")');
    await review.getByLabel("Note").fill("fine after all");
    await review.getByRole("button", { name: "Approve revision 2" }).click();
    await expect.poll(() => page.getByTestId("review-blocked").count()).toBe(0);
    expect(await page.getByTestId("review-state").textContent()).toContain("it has 1.");
    await expect.poll(() => page.getByTestId("review-list").locator("tbody tr").count()).toBe(3);
    expect(await page.getByTestId("publish-blocked").count()).toBe(0);

    // A publisher publishes; the version keeps who approved it.
    const asPublisher = await openPage(browser);
    page = asPublisher.page;
    await signIn(page, base, publisherToken);
    await page.goto(`${base}/console/#/workflows/loan/draft`);
    const publish = page.getByRole("button", { name: "Publish revision 2 as v2" });
    await publish.waitFor();
    expect(await publish.isDisabled()).toBe(false);
    await publish.click();
    await expect.poll(() => page.url()).toContain("#/workflows/loan");
    const v2 = await strata.versions.show("loan", 2);
    expect(v2.approvedBy.map((a) => [a.actor, a.note])).toEqual([["rita", "fine after all"]]);
    expect(v2.lastEditedBy).toBe("pat");
    for (const opened of [asEditor, asReviewer, asPublisher]) expect(opened.errors).toEqual([]);
  });
});
