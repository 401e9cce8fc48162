/**
 * The web console in a real browser: Debian's Chromium, driven by playwright-core, against the
 * real server on 127.0.0.1 with the console built afresh from console/. It signs in, lists the
 * workflows, shows a workflow's versions and graph, rolls back, retires and deletes a version,
 * opens a draft from a version and shows its graph, shows a role's refusal, and reads and
 * verifies the audit log.
 * (test/support/console-browser.ts says where Chromium comes from.)
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Strata } from "../src/index.js";
import {
  exampleDefinition,
  haveBrowser,
  publishLoan,
  noticeSkipped,
  openPage,
  signIn,
  versionRow,
  startConsoleServer,
} from "./support/console-browser.js";
import type { ConsoleServer } from "./support/console-browser.js";

noticeSkipped("test/console.test.ts");

const example = exampleDefinition;

let strata: Strata;
let base: string;
let adminToken: string;
let viewerToken: string;
let browser: Browser;
let server: ConsoleServer | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  server = await startConsoleServer("ui", async (opened) => {
    strata = opened;
    await publishLoan(strata, {});
    adminToken = (await strata.tokens.create({ role: "admin", name: "console" })).token;
    viewerToken = (await strata.tokens.create({ role: "viewer", name: "look" })).token;
  });
  ({ base, browser } = server);
}, 120_000);

afterAll(() => server?.close());

describe.skipIf(!haveBrowser)("the web console", () => {
  it("is served at /console/, with / leading there and built files cached for good", async () => {
    const root = await fetch(`${base}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console/");
    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // The console's files are public; the API behind it is not.
    expect((await fetch(`${base}/v1/workflows`)).status).toBe(401);
  });

  it("signs in, shows the versions and the graph, and rolls back, retires and deletes", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${base}/console/`);
    await page.getByLabel("API token").fill("tok_wrong.secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("unauthorized");

    await signIn(page, base, adminToken);
    const row = page.locator("table.workflows tbody tr");
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain("v2");
    await page.getByRole("link", { name: "loan" }).click();

    await versionRow(page, "v2").waitFor();
    expect(await versionRow(page, "v2").textContent()).toMatch(/v2live.*published.*ann/);
    expect(await versionRow(page, "v2").textContent()).toContain("stricter limit");
    expect(await versionRow(page, "v1").textContent()).not.toContain("live");
    // The live version's graph: one box for each node of loan-v2.yaml.
    const nodes = Object.keys((example("loan-v2.yaml") as { nodes: object }).nodes);
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(nodes.length);
    for (const node of nodes) {
      expect(await page.locator(`.react-flow__node[data-id="${node}"]`).count()).toBe(1);
    }

    // Cancelling a confirmation does nothing: no call, not even a reload of the page's data.
    const requests: string[] = [];
    page.on("request", (request) => requests.push(`${request.method()} ${request.url()}`));
    page.once("dialog", (dialog) => void dialog.dismiss());
    await versionRow(page, "v1").getByRole("button", { name: "Rollback" }).click();
    await page.waitForTimeout(300);
    expect(requests).toEqual([]);
    expect(await page.getByRole("status").count()).toBe(0);

    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await versionRow(page, "v1").getByRole("button", { name: "Rollback" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("v1 is live.");
    expect((await strata.workflows.show("loan")).liveVersion).toBe(1);
    await expect.poll(() => versionRow(page, "v1").textContent()).toContain("live");

    await versionRow(page, "v2").getByRole("button", { name: "Retire" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Retired v2.");
    await expect.poll(() => versionRow(page, "v2").textContent()).toContain("retired");
    await versionRow(page, "v2").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Deleted v2.");
    await expect.poll(() => versionRow(page, "v2").count()).toBe(0);
    expect(dialogs).toEqual([
      "Make v1 live again at once?",
      "Retire v2 of loan?",
      "Delete v2 of loan?",
    ]);
    await expect(strata.versions.show("loan", 2)).rejects.toMatchObject({ code: "not_found" });

    // Use as draft, then view the draft's graph.
    await versionRow(page, "v1").getByRole("button", { name: "Use as draft" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Opened a draft from v1.");
    await versionRow(page, "draft").getByRole("link", { name: "View" }).click();
    await page.getByRole("heading", { name: "Draft graph" }).waitFor();
    expect(page.url()).toBe(`${base}/console/#/workflows/loan/versions/draft`);
    expect((await strata.drafts.show("loan")).baseVersion).toBe(1);

    // A refusal the server gives is shown with its code, and nothing changes.
    await versionRow(page, "v1").getByRole("button", { name: "Retire" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("version_live");
    expect(errors).toEqual([]);
  });

  it("shows what a role may not do, and the audit log with its verified chain", async () => {
    const { page, errors } = await openPage(browser);
    await signIn(page, base, viewerToken);
    await page.goto(`${base}/console/#/workflows/loan`);
    await versionRow(page, "v1").getByRole("button", { name: "Use as draft" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("forbidden");
    expect((await strata.drafts.show("loan")).revision).toBe(1);

    // More events than a page holds: the log comes 100 at a time, oldest first, as the API lists it.
    for (let index = 0; index < 100; index += 1) {
      await strata.tokens.create({ role: "viewer", name: `filler ${index}` });
    }
    await page.getByRole("link", { name: "Audit log" }).click();
    const events = await strata.audit.list({ limit: 1000 });
    expect(events.items.length).toBeGreaterThan(100);
    const firstPage = await strata.audit.list({ limit: 100 });
    const seqs = page.locator("table.audit tbody tr td:first-child");
    const seqsOf = (list: typeof events): string[] => list.items.map((event) => String(event.seq));
    await expect.poll(() => seqs.allTextContents()).toEqual(seqsOf(firstPage));
    expect(await page.locator(".audit-more").textContent()).toBe("100 events shown. More");
    expect(await page.locator("table.audit").textContent()).toContain("version.deleted");
    await page.getByRole("button", { name: "More" }).click();
    await expect.poll(() => seqs.allTextContents()).toEqual(seqsOf(events));
    expect(await page.locator(".audit-more").textContent()).toBe(
      `${events.items.length} events shown, no more. `,
    );
    expect(await page.getByRole("button", { name: "More" }).count()).toBe(0);
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe(`Intact: ${events.items.length} events, head #${events.items.length}.`);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    expect(errors).toEqual([]);
  });

  it("signs the tab out when the API refuses its token (revoked), saying why", async () => {
    const { page, errors } = await openPage(browser);
    const created = await strata.tokens.create({ role: "viewer", name: "soon revoked" });
    await signIn(page, base, created.token);
    // Revoked once the page has its data, so that the next call (the navigation's) is refused.
    await page.locator("table.workflows tbody tr").first().waitFor();
    await strata.tokens.revoke(created.id);
    await page.getByRole("link", { name: "Audit log" }).click();
    await expect
      .poll(() => page.getByTestId("signed-out").textContent())
      .toContain("refused this tab's token (revoked or expired)");
    expect(await page.getByLabel("API token").count()).toBe(1);
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("strata.token")`)).toBeNull();
    // A wrong token is refused on the sign-in page as before, without a second notice.
    await page.getByLabel("API token").fill(created.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("unauthorized");
    expect(await page.getByTestId("signed-out").count()).toBe(0);
    // Signing in again lands back on the page the tab was on.
    await page.getByLabel("API token").fill(viewerToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    expect(page.url()).toBe(`${base}/console/#/audit`);
    expect(errors).toEqual([]);
  });
});
