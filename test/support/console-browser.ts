/**
 * What the console's browser tests share: the console built afresh from console/, Debian's
 * Chromium driven by playwright-core, a tab that records the page's errors, and signing in.
 *
 * Chromium comes from the machine (`apt-get install -y chromium`; CI installs it). Without it
 * {@link haveBrowser} is false and the suites skip with a notice, unless
 * `STRATA_REQUIRE_BROWSER=1` (CI) makes that a failure.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, Locator, Page } from "playwright-core";
import { build } from "vite";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = process.env.STRATA_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests can run here. */
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.STRATA_REQUIRE_BROWSER === "1") {
  throw new Error(
    `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set STRATA_CHROMIUM)`,
  );
}

/** Says once per file why its browser tests do not run. */
export function noticeSkipped(file: string): void {
  if (!haveBrowser)
    process.stderr.write(
      `${file}: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium)\n`,
    );
}

/** Builds the console from console/ into `outDir`, as `npm run build` does into dist/console. */
export async function buildConsole(outDir: string): Promise<void> {
  await build({
    configFile: join(REPO, "console.vite.config.ts"),
    build: { outDir, emptyOutDir: true },
  });
}

/** Starts headless Chromium with the flags this machine's closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh tab that records the page's errors (a CSP refusal or a crash shows there). */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // A refused API call (401, 403, 409…) is logged by the browser itself; the page shows it.
    if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) {
      errors.push(message.text());
    }
  });
  return { page, errors };
}

/** Signs in on the console at `base` with `token` and waits for the workflows list. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Workflows" }).waitFor();
}

/** The row of version `name` (`v1`, `draft`) in a workflow's Versions card. */
export const versionRow = (page: Page, name: string): Locator =>
  page.locator(`tr[data-version="${name}"]`);
