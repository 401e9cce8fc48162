/** `strata token create|list|revoke` on a temporary SQLite file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localCli } from "./support/local-cli.js";
import { Strata } from "../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-tokens-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const { strata } = localCli(() => ({ cwd: dir, db: join(dir, "strata.db") }));

describe("strata token", () => {
  it("creates a token shown once, lists it without its secret, and revokes it", async () => {
    const created = await strata(
      "token",
      "create",
      "--role",
      "publisher",
      "--tenant",
      "acme",
      "--name",
      "ci",
      "--json",
    );
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout) as {
      id: string;
      role: string;
      tenant: string;
      token: string;
    };
    expect(token).toMatchObject({ role: "publisher", tenant: "acme", name: "ci" });
    const engine = await Strata.open({ database: join(dir, "strata.db") });
    expect(await engine.tokens.authenticate(token.token)).toMatchObject({
      tenantId: "acme",
      role: "publisher",
    });

    const listed = await strata("token", "list", "--tenant", "acme");
    expect(listed.stdout).toContain(token.id);
    expect(listed.stdout).not.toContain(token.token.split(".")[1]);
    expect((await strata("token", "list", "--json")).stdout.trim()).toBe("[]"); // other tenant

    expect((await strata("token", "revoke", token.id, "--tenant", "acme")).code).toBe(0);
    await expect(engine.tokens.authenticate(token.token)).rejects.toMatchObject({
      code: "unauthorized",
    });
    await engine.close();
  });

  it("makes a server token on the database, and tokens in another tenant (ADR 0016)", async () => {
    const made = await strata(
      "token",
      "create",
      "--role",
      "admin",
      "--name",
      "ops",
      "--server-token",
      "--json",
    );
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ role: "admin", name: "ops", server: true });
    expect((await strata("token", "list")).stdout).toMatch(/^tok_\S+ +admin +ops +yes /m);
    const other = await strata(
      "token",
      "create",
      "--role",
      "viewer",
      "--in-tenant",
      "beta",
      "--json",
    );
    expect(JSON.parse(other.stdout)).toMatchObject({ tenant: "beta", server: false });
    const refused = await strata("token", "create", "--role", "editor", "--server-token");
    expect(refused.stderr).toMatch(/^error\[validation_failed\]: a server token is an admin/);
  });

  it("refuses an unknown role", async () => {
    const result = await strata("token", "create", "--role", "root");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[validation_failed\]: unknown role "root"/);
  });
});
