/**
 * `strata serve` as a real process on 127.0.0.1: the first start prints an admin token once,
 * the API answers with it, the console is served beside it, and SIGTERM stops the server
 * cleanly.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "strata-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("strata serve", () => {
  it("prints a first admin token, serves the API with it, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "serve", "--port", String(port), "--db", join(dir, "strata.db")],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, STRATA_LOG_LEVEL: "warn" },
      },
    );
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (let i = 0; i < 200 && !stdout.includes("listening"); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain(`http://127.0.0.1:${port}`);
    const token = /\n\s+(tok_\S+)/.exec(stderr)?.[1];
    expect(token, stderr).toBeDefined();
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const created = await fetch(`${base}/v1/workflows`, {
      method: "POST",
      headers: { authorization: `Bearer ${token ?? ""}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "loan" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-content-type-options")).toBe("nosniff"); // security headers
    expect((await fetch(`${base}/v1/workflows`)).status).toBe(401);
    // The first token is the server's (ADR 0016): named admin, it starts other tenants.
    expect(created.headers.get("content-type")).toContain("json");
    expect(((await created.json()) as { createdBy: string }).createdBy).toBe("admin");
    const tenant = await fetch(`${base}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${token ?? ""}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "admin", name: "acme-admin", tenant: "acme" }),
    });
    expect(tenant.status).toBe(201);
    expect(await tenant.json()).toMatchObject({ tenant: "acme", createdBy: "admin" });
    // The console, built into dist/console by `npm install`, is served beside the API.
    expect(stdout).toContain(`the console is at ${base}/console/`);
    const page = await fetch(`${base}/`);
    expect(page.url).toBe(`${base}/console/`);
    expect(await page.text()).toContain('<div id="root">');
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
