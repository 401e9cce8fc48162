/** API tokens (DESIGN.md §8): shown once, stored hashed, tenant-bound, revocable, audited. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

describe.each(DIALECTS)("tokens on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());

  it("creates a token once, stores only its hash, and authenticates it to its tenant and role", async () => {
    const tenant = uniqueTenant();
    const strata = Strata.fromStore(store, { tenant, actor: "root" });
    const created = await strata.tokens.create({ role: "editor", name: "ci" });
    expect(created).toMatchObject({
      role: "editor",
      tenant,
      name: "ci",
      createdBy: "root",
      revokedAt: null,
    });
    expect(created.token.startsWith(`${created.id}.`)).toBe(true);
    const stored = await store.db
      .selectFrom("tokens")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.token.split(".")[1]);
    expect(await strata.tokens.authenticate(created.token)).toEqual({
      tokenId: created.id,
      tenantId: tenant,
      role: "editor",
      name: "ci",
      server: false,
    });
    expect((await strata.tokens.list()).map((t) => t.id)).toEqual([created.id]);
    expect(JSON.stringify(await strata.tokens.list())).not.toContain(created.token);
    expect((await strata.audit.list()).items.map((e) => e.action)).toEqual(["token.created"]);
  });

  it("refuses wrong, malformed and revoked tokens with unauthorized", async () => {
    const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "root" });
    const { id, token } = await strata.tokens.create({ role: "viewer" });
    for (const bad of [
      "",
      "nonsense",
      `${id}.wrong`,
      `${id}.`,
      `tok_01h00000000000000000000000.${token.split(".")[1]}`,
    ]) {
      await expect(strata.tokens.authenticate(bad), bad).rejects.toMatchObject({
        code: "unauthorized",
        status: 401,
      });
    }
    expect((await strata.tokens.revoke(id)).revokedAt).not.toBeNull();
    await expect(strata.tokens.authenticate(token)).rejects.toMatchObject({ code: "unauthorized" });
    await expect(strata.tokens.create({ role: "root" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(strata.as({ tenantId: uniqueTenant() }).tokens.revoke(id)).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("keeps one spelling per name, refuses invisible characters, and ignores old bad names", async () => {
    const strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "root" });
    const decomposed = await strata.tokens.create({ role: "viewer", name: "Rene\u0301" });
    expect(decomposed.name).toBe("Ren\u00e9"); // NFC: the same person however it was typed
    for (const name of ["ali\u200bce", "  ", "token:tok_x", "strata:guard"]) {
      await expect(strata.tokens.create({ role: "viewer", name }), name).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
    // A name stored before names were checked, that passes for an unnamed token: not used.
    const old = await strata.tokens.create({ role: "editor" });
    await store.db
      .updateTable("tokens")
      .set({ name: "token:tok_someone_else" })
      .where("id", "=", old.id)
      .execute();
    expect(await strata.tokens.authenticate(old.token)).toMatchObject({ name: null });
  });
});
