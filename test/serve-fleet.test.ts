/**
 * Several `strata serve` processes started at once on one empty database (issue 16): exactly
 * one prints a first admin token, and each honours `PORT` and `STRATA_HOST` from the
 * environment. On both stores, as real processes.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts `strata serve` on `database` with the port from `PORT`; resolves once it listens. */
async function serve(database: string): Promise<{ stderr: () => string; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", main, "serve", "--db", database], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, STRATA_LOG_LEVEL: "warn", PORT: String(port), STRATA_HOST: "127.0.0.1" },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  for (let i = 0; i < 1000 && !stdout.includes("listening"); i++) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(stdout, stderr).toContain(`http://127.0.0.1:${port}`);
  return { stderr: () => stderr, port };
}

describe.each(DIALECTS)("three servers starting at once on an empty %s database", (dialect) => {
  it("print exactly one first admin token between them", async () => {
    const database = await createTestDatabase(dialect);
    try {
      const servers = await Promise.all([1, 2, 3].map(() => serve(database.location)));
      const tokens = servers.flatMap((server) => [...server.stderr().matchAll(/\n\s+(tok_\S+)/g)]);
      expect(tokens).toHaveLength(1);
      for (const server of servers) {
        const answer = await fetch(`http://127.0.0.1:${server.port}/readyz`);
        expect(answer.status).toBe(200);
      }
    } finally {
      for (const child of children.splice(0)) child.kill("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 200));
      await database.cleanup();
    }
  });
});
