/**
 * Who may create a tenant on a server (issue 18, ADR 0016): the server's token (the first
 * start's, or one made on the database) creates tokens in other tenants over REST, which is how
 * a tenant comes to exist; a tenant's admin manages only its own tenant. Both databases, the
 * API in-process.
 */
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import type { AuditEvent, CreatedToken, TokenInfo } from "../src/index.js";
import { useInProcessApi } from "./support/in-process-api.js";
import { DIALECTS, uniqueTenant } from "./support/test-stores.js";

describe.each(DIALECTS)("server tokens on %s", (dialect) => {
  const api = useInProcessApi(dialect);

  const call = (
    token: string,
    method: "GET" | "POST",
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("lets the server's token start a tenant by creating its first admin, and no one else", async () => {
    const home = { tenantId: uniqueTenant(), actor: "ops" };
    const server = await api.services.tokens.create(home, {
      role: "admin",
      name: "ops",
      server: true,
    });
    expect(server.server).toBe(true);
    const admin = await api.services.tokens.create(home, { role: "admin", name: "home-admin" });
    expect(admin.server).toBe(false);

    const acme = uniqueTenant();
    const created = await call(server.token, "POST", "/v1/tokens", {
      role: "admin",
      name: "acme-admin",
      tenant: acme,
    });
    expect(created.statusCode, created.body).toBe(201);
    const acmeAdmin = created.json<CreatedToken>();
    expect(acmeAdmin).toMatchObject({
      tenant: acme,
      role: "admin",
      server: false,
      createdBy: "ops",
    });

    // The new token acts in the new tenant only: it sees its own token, not the home tenant's.
    const listed = await call(acmeAdmin.token, "GET", "/v1/tokens");
    expect(listed.json<TokenInfo[]>().map((t) => t.id)).toEqual([acmeAdmin.id]);
    const audit = (await call(acmeAdmin.token, "GET", "/v1/audit")).json<{ items: AuditEvent[] }>();
    expect(audit.items).toEqual([
      expect.objectContaining({
        action: "token.created",
        actor: "ops",
        actorTokenId: server.id,
        subjectId: acmeAdmin.id,
      }),
    ]);
    expect((await call(acmeAdmin.token, "GET", "/v1/audit/verify")).json()).toMatchObject({
      ok: true,
    });

    // A tenant's admin manages its own tenant: not another, and it makes no server tokens.
    for (const body of [
      { role: "viewer", tenant: uniqueTenant() },
      { role: "admin", server: true },
    ]) {
      const refused = await call(admin.token, "POST", "/v1/tokens", body);
      expect(refused.statusCode, refused.body).toBe(403);
      expect(refused.json()).toMatchObject({ code: "forbidden" });
    }
    // Naming its own tenant is no escalation.
    const own = await call(admin.token, "POST", "/v1/tokens", {
      role: "viewer",
      tenant: home.tenantId,
    });
    expect(own.statusCode, own.body).toBe(201);

    const bad = await call(server.token, "POST", "/v1/tokens", { role: "viewer", tenant: "a b" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "validation_failed" });
    await expect(
      api.services.tokens.create(home, { role: "editor", server: true }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });
});
