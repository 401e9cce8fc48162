/**
 * What the console's browser tests share: the console built afresh from console/, Debian's
 * Chromium driven by playwright-core, a tab that records the page's errors, and signing in.
 *
 * Chromium comes from the machine (`apt-get install -y chromium`; CI installs it). Without it
 * {@link haveBrowser} is false and the suites skip with a notice, unless
 * `STRATA_REQUIRE_BROWSER=1` (CI) makes that a failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { chromium } from "playwright-core";
import type { Browser, Locator, Page } from "playwright-core";
import { build } from "vite";
import { createApp } from "../../src/api/app.js";
import { Strata, parseDefinitionText } from "../../src/index.js";
import type { PublishOptions } from "../../src/index.js";
import { freePort } from "./free-port.js";

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

/** A server with a freshly built console on a fresh SQLite file, and a browser to look at it. */
export interface ConsoleServer {
  strata: Strata;
  /** The server's base URL, e.g. `http://127.0.0.1:41234`. */
  base: string;
  browser: Browser;
  /** Closes the browser, the server and the database, and removes the files. */
  close(): Promise<void>;
}

/**
 * Builds the console, opens a Strata on a new SQLite file (acting as `ann`), lets `prepare`
 * fill it (workflows, versions, runs, tokens), then serves the app with the console on
 * 127.0.0.1 and starts Chromium.
 */
export async function startConsoleServer(
  name: string,
  prepare: (strata: Strata) => Promise<void>,
): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), `strata-console-${name}-`));
  const consoleDir = join(dir, "console");
  await buildConsole(consoleDir);
  const strata = await Strata.open({ database: join(dir, "strata.db"), actor: "ann" });
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await app?.close();
    await strata.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepare(strata);
    app = await createApp({ services: strata.serviceLayer, rateLimit: 0, consoleDir });
    const base = await app.listen({ host: "127.0.0.1", port: await freePort() });
    browser = await launchBrowser();
    return { strata, base, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An example definition of examples/ (`loan.yaml`, `loan-v2.yaml`), parsed. */
export function exampleDefinition(name: string): Record<string, unknown> {
  return parseDefinitionText(exampleText(name)) as Record<string, unknown>;
}

/** An example definition's text. */
export function exampleText(name: string): string {
  return readFileSync(join(REPO, "examples", name), "utf8");
}

/**
 * The loan workflow the console tests look at: examples/loan.yaml published as v1 ("first
 * rules") and, given `v2`, examples/loan-v2.yaml published as v2 ("stricter limit") with those
 * publish options (live at once by default).
 */
export async function publishLoan(strata: Strata, v2?: PublishOptions): Promise<void> {
  await strata.workflows.create({ key: "loan", definition: exampleDefinition("loan.yaml") });
  await strata.drafts.publish("loan", { description: "first rules" });
  if (v2 === undefined) return;
  const { revision } = await strata.drafts.open("loan");
  await strata.drafts.save("loan", { definition: exampleDefinition("loan-v2.yaml"), revision });
  await strata.drafts.publish("loan", { description: "stricter limit", ...v2 });
}
