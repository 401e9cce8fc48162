/**
 * Authorization of every route, driven from one table: for each documented route and each
 * role, a fresh fixture and a valid request; below the route's least role the answer is 403
 * `forbidden` and nothing is written, at or above it the request succeeds. The table is
 * checked against `/openapi.json`, so a route added without a row (or documented with another
 * role) fails here. Roles are checked above the store, so the full matrix runs on SQLite; on
 * PostgreSQL each route is tried at its boundary (the least role and the one below), with the
 * 401 and other-tenant cases, since tenant scoping lives in the store's queries.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import type { Actor } from "../src/core/model.js";
import { ROLES, hasRole } from "../src/core/roles.js";
import type { Role } from "../src/core/roles.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

/** Waits for a `go` signal, so its runs stay `waiting` for signal and cancel. */
const waitFlow = {
  start: "hold",
  nodes: {
    hold: { type: "wait", signal: "go", timeout: "PT1H", onTimeout: "late", next: "done" },
    done: { type: "end", output: { ok: "true" } },
    late: { type: "end", output: { ok: "false" } },
  },
};
/** The same flow, changed, so a draft of it can be published after `waitFlow`. */
const editedFlow = { ...waitFlow, description: "edited" };

type Method = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

/** One request: the URL with its parameters filled in, and what to send. */
interface Call {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A route of the API, as the OpenAPI document names it, with its least role. */
interface RouteRow {
  method: Method;
  path: string;
  role: Role;
  /** The status of a successful call. */
  status: number;
  /** Builds fresh objects in the tenant and returns a request that succeeds on them. */
  prepare: (ctx: Actor) => Promise<Call>;
}

describe.each(DIALECTS)("authorization of every route on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let services: StrataServices;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    services = createServices(store);
    // No rate limit: the matrix makes many calls with a few tokens.
    app = await createApp({ services, rateLimit: 0 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await close();
  });

  // Fixture builders; each makes a new workflow with a unique key, so cases never share state.

  let counter = 0;
  function nextKey(): string {
    counter += 1;
    return `wf-${counter}`;
  }

  /** A workflow with only its first draft (never published). */
  async function draftOnly(ctx: Actor): Promise<string> {
    const key = nextKey();
    await services.workflows.create(ctx, { key, definition: waitFlow });
    return key;
  }

  /** A workflow whose version 1 is live, with no draft. */
  async function live(ctx: Actor): Promise<string> {
    const key = await draftOnly(ctx);
    await services.publisher.publish(ctx, key);
    return key;
  }

  /** Version 1 live and an edited draft at revision 2. */
  async function liveWithDraft(ctx: Actor): Promise<string> {
    const key = await live(ctx);
    await services.drafts.open(ctx, key);
    await services.drafts.save(ctx, key, { definition: editedFlow, revision: 1 });
    return key;
  }

  /** Versions 1 and 2, 2 live: version 1 can be retired. */
  async function twoVersions(ctx: Actor): Promise<string> {
    const key = await liveWithDraft(ctx);
    await services.publisher.publish(ctx, key);
    return key;
  }

  /** Version 1 retired (never ran), version 2 live. */
  async function retiredOne(ctx: Actor): Promise<string> {
    const key = await twoVersions(ctx);
    await services.versions.retire(ctx, key, 1);
    return key;
  }

  /** Version 1 live and version 2 published beside it, not live: a rollout candidate. */
  async function candidate(ctx: Actor): Promise<string> {
    const key = await liveWithDraft(ctx);
    await services.publisher.publish(ctx, key, { activate: false });
    return key;
  }

  /** A rollout of version 2 at 10% from version 1. */
  async function rollingOut(ctx: Actor): Promise<string> {
    const key = await candidate(ctx);
    await services.rollouts.start(ctx, key, { to: 2, percent: 10 });
    return key;
  }

  /** A binding to a live workflow, subscribed to `order.placed`; returns its name. */
  async function binding(ctx: Actor): Promise<string> {
    const name = `b-${nextKey()}`;
    await services.bindings.create(ctx, { name, workflow: await live(ctx), event: "order.placed" });
    return name;
  }

  /** A live workflow with one finished production run; returns the key and the run. */
  async function withFinishedRun(ctx: Actor): Promise<{ key: string; runId: string }> {
    const key = await liveWithDraft(ctx);
    const run = await services.runs.start(ctx, key, { input: {} });
    await services.runs.signal(ctx, run.id, "go", {});
    return { key, runId: run.id };
  }

  /** A queued backtest of a workflow with a draft; returns its id. */
  async function queuedBacktest(ctx: Actor): Promise<string> {
    const { key } = await withFinishedRun(ctx);
    return (await services.backtests.create(ctx, key, { target: "draft" })).id;
  }

  /** A production run waiting for `go`. */
  async function waitingRun(ctx: Actor): Promise<string> {
    const key = await live(ctx);
    const run = await services.runs.start(ctx, key, { input: {} });
    expect(run.status).toBe("waiting");
    return run.id;
  }

  // List routes get something to list; the rest get the object they act on.
  const ROUTES: RouteRow[] = [
    {
      method: "GET",
      path: "/v1/workflows",
      role: "viewer",
      status: 200,
      prepare: (ctx) => live(ctx).then(() => ({ url: "/v1/workflows?limit=5" })),
    },
    {
      method: "POST",
      path: "/v1/workflows",
      role: "editor",
      status: 201,
      prepare: () =>
        Promise.resolve({ url: "/v1/workflows", body: { key: nextKey(), definition: waitFlow } }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await live(ctx)}` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/activate",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => {
        const key = await live(ctx);
        await services.workflows.deactivate(ctx, key);
        return { url: `/v1/workflows/${key}/activate` };
      },
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/deactivate",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await live(ctx)}/deactivate` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/draft",
      role: "editor",
      status: 201,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await live(ctx)}/draft`, body: {} }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/draft",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await liveWithDraft(ctx)}/draft` }),
    },
    {
      method: "PUT",
      path: "/v1/workflows/{wf}/draft",
      role: "editor",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await draftOnly(ctx)}/draft`,
        body: { definition: editedFlow },
        headers: { "if-match": '"1"' },
      }),
    },
    {
      method: "DELETE",
      path: "/v1/workflows/{wf}/draft",
      role: "editor",
      status: 204,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await liveWithDraft(ctx)}/draft` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/draft/revert",
      role: "editor",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await liveWithDraft(ctx)}/draft/revert` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/draft/publish",
      role: "publisher",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await liveWithDraft(ctx)}/draft/publish`,
        body: { description: "v2" },
        headers: { "if-match": '"2"' },
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/draft/reviews",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await liveWithDraft(ctx)}/draft/reviews` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/draft/reviews",
      role: "editor",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await liveWithDraft(ctx)}/draft/reviews`,
        body: { decision: "request", revision: 2, note: "please look" },
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/draft/runs",
      role: "editor",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await draftOnly(ctx)}/draft/runs`,
        body: { input: {} },
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/versions",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await liveWithDraft(ctx)}/versions` }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/versions/{n}",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await live(ctx)}/versions/1` }),
    },
    {
      method: "DELETE",
      path: "/v1/workflows/{wf}/versions/{n}",
      role: "admin",
      status: 204,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await retiredOne(ctx)}/versions/1` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/versions/{n}/retire",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await twoVersions(ctx)}/versions/1/retire`,
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/versions/{n}/restore",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await retiredOne(ctx)}/versions/1/restore`,
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/versions/{n}/impact",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await twoVersions(ctx)}/versions/1/impact`,
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/rollout",
      role: "publisher",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await candidate(ctx)}/rollout`,
        body: { to: 2, percent: 10, steps: [50, 100], every: "1h" },
      }),
    },
    {
      method: "PATCH",
      path: "/v1/workflows/{wf}/rollout",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await rollingOut(ctx)}/rollout`,
        body: { percent: 25 },
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/rollout",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await rollingOut(ctx)}/rollout` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/rollout/promote",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await rollingOut(ctx)}/rollout/promote` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/rollout/abort",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await rollingOut(ctx)}/rollout/abort`,
        body: { reason: "checking roles" },
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/rollouts",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await rollingOut(ctx)}/rollouts?limit=5` }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/route",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await rollingOut(ctx)}/route` }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/rollback",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await twoVersions(ctx)}/rollback`,
        body: { to: 1 },
      }),
    },
    {
      method: "POST",
      path: "/v1/bindings",
      role: "admin",
      status: 201,
      prepare: async (ctx) => ({
        url: "/v1/bindings",
        body: { name: `b-${nextKey()}`, workflow: await live(ctx), selector: 1 },
      }),
    },
    {
      method: "GET",
      path: "/v1/bindings",
      role: "viewer",
      status: 200,
      prepare: (ctx) => binding(ctx).then(() => ({ url: "/v1/bindings?limit=5" })),
    },
    {
      method: "GET",
      path: "/v1/bindings/{name}",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/bindings/${await binding(ctx)}` }),
    },
    {
      method: "PATCH",
      path: "/v1/bindings/{name}",
      role: "admin",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/bindings/${await binding(ctx)}`,
        body: { selector: "latest", event: null },
      }),
    },
    {
      method: "DELETE",
      path: "/v1/bindings/{name}",
      role: "admin",
      status: 204,
      prepare: async (ctx) => ({ url: `/v1/bindings/${await binding(ctx)}` }),
    },
    {
      method: "POST",
      path: "/v1/bindings/{name}/runs",
      role: "operator",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/bindings/${await binding(ctx)}/runs`,
        body: { input: {} },
        headers: { "idempotency-key": "k-1" },
      }),
    },
    {
      method: "POST",
      path: "/v1/events",
      role: "operator",
      status: 200,
      prepare: (ctx) =>
        binding(ctx).then(() => ({
          url: "/v1/events",
          body: { type: "order.placed", data: {}, key: "c-1" },
        })),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/runs",
      role: "operator",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await live(ctx)}/runs`,
        body: { input: {} },
        headers: { "idempotency-key": "k-1" },
      }),
    },
    {
      method: "GET",
      path: "/v1/runs",
      role: "viewer",
      status: 200,
      prepare: (ctx) => waitingRun(ctx).then(() => ({ url: "/v1/runs?status=waiting&limit=10" })),
    },
    {
      method: "GET",
      path: "/v1/runs/{id}",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/runs/${await waitingRun(ctx)}` }),
    },
    {
      method: "POST",
      path: "/v1/runs/{id}/signals/{name}",
      role: "operator",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/runs/${await waitingRun(ctx)}/signals/go`,
        body: { by: "ann" },
      }),
    },
    {
      method: "POST",
      path: "/v1/runs/{id}/cancel",
      role: "operator",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/runs/${await waitingRun(ctx)}/cancel` }),
    },
    {
      method: "POST",
      path: "/v1/runs/prune",
      role: "admin",
      status: 200,
      prepare: async (ctx) => {
        await withFinishedRun(ctx);
        // Now, as a time: the run above has ended before it, so a prune removes it.
        return { url: "/v1/runs/prune", body: { finishedBefore: new Date().toISOString() } };
      },
    },
    {
      method: "GET",
      path: "/v1/audit",
      role: "viewer",
      status: 200,
      prepare: (ctx) => live(ctx).then(() => ({ url: "/v1/audit?limit=5" })),
    },
    {
      method: "GET",
      path: "/v1/audit/verify",
      role: "viewer",
      status: 200,
      prepare: (ctx) => live(ctx).then(() => ({ url: "/v1/audit/verify" })),
    },
    {
      method: "GET",
      path: "/v1/audit/export",
      role: "viewer",
      status: 200,
      prepare: (ctx) => live(ctx).then(() => ({ url: "/v1/audit/export" })),
    },
    {
      method: "POST",
      path: "/v1/tokens",
      role: "admin",
      status: 201,
      prepare: () => Promise.resolve({ url: "/v1/tokens", body: { role: "viewer", name: "ci" } }),
    },
    {
      method: "GET",
      path: "/v1/tokens",
      role: "admin",
      status: 200,
      prepare: () => Promise.resolve({ url: "/v1/tokens" }),
    },
    {
      method: "GET",
      path: "/v1/workers",
      role: "operator",
      status: 200,
      prepare: () => Promise.resolve({ url: "/v1/workers" }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/diff",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await liveWithDraft(ctx)}/diff?from=1&to=draft`,
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/replay",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => {
        const { key, runId } = await withFinishedRun(ctx);
        return { url: `/v1/workflows/${key}/replay`, body: { runId, version: "draft" } };
      },
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/adapters",
      role: "editor",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await twoVersions(ctx)}/adapters`,
        body: { from: 1, to: 2, expression: "$" },
      }),
    },
    {
      method: "GET",
      path: "/v1/workflows/{wf}/adapters",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/workflows/${await live(ctx)}/adapters` }),
    },
    {
      method: "PUT",
      path: "/v1/workflows/{wf}/policy",
      role: "admin",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await live(ctx)}/policy`,
        body: { compatibility: "full" },
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/migrations",
      role: "publisher",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${await twoVersions(ctx)}/migrations`,
        body: { from: 1, to: 2, map: { hold: "hold" }, dryRun: true },
      }),
    },
    {
      method: "POST",
      path: "/v1/workflows/{wf}/backtests",
      role: "editor",
      status: 201,
      prepare: async (ctx) => ({
        url: `/v1/workflows/${(await withFinishedRun(ctx)).key}/backtests`,
        body: { target: "draft" },
      }),
    },
    {
      method: "GET",
      path: "/v1/backtests",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => {
        await queuedBacktest(ctx);
        return { url: "/v1/backtests" };
      },
    },
    {
      method: "GET",
      path: "/v1/backtests/{id}",
      role: "viewer",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/backtests/${await queuedBacktest(ctx)}` }),
    },
    {
      method: "POST",
      path: "/v1/backtests/{id}/cancel",
      role: "editor",
      status: 200,
      prepare: async (ctx) => ({ url: `/v1/backtests/${await queuedBacktest(ctx)}/cancel` }),
    },
    {
      method: "DELETE",
      path: "/v1/tokens/{id}",
      role: "admin",
      status: 200,
      prepare: async (ctx) => ({
        url: `/v1/tokens/${(await services.tokens.create(ctx, { role: "viewer" })).id}`,
      }),
    },
  ];

  const rowName = (row: RouteRow) => `${row.method} ${row.path}`;

  /** Every role on SQLite; on PostgreSQL the least role and the one just below it. */
  function rolesToTry(least: Role): readonly Role[] {
    if (dialect === "sqlite") return ROLES;
    const at = ROLES.indexOf(least);
    return ROLES.filter((_, index) => index === at || index === at - 1);
  }

  /** A fresh tenant, as the actor that sets fixtures up. */
  function newTenant(): Actor {
    return { tenantId: uniqueTenant(), actor: "setup" };
  }

  async function tokenFor(ctx: Actor, role: Role): Promise<string> {
    return (await services.tokens.create(ctx, { role })).token;
  }

  function send(method: Method, call: Call, token: string | null): Promise<LightMyRequestResponse> {
    return app.inject({
      method,
      url: call.url,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...call.headers,
      },
      ...(call.body === undefined ? {} : { payload: call.body as object }),
    });
  }

  /** Every row of the tenant, table by table in key order: equal snapshots mean no write. */
  async function tenantRows(tenantId: string): Promise<string> {
    const tables = [
      ["workflows", "id"],
      ["versions", "id"],
      ["live_routes", "workflow_id"],
      ["runs", "id"],
      ["run_tallies", "version_id"],
      ["audit_events", "seq"],
      ["audit_heads", "tenant_id"],
      ["tokens", "id"],
      ["rollouts", "id"],
      ["bindings", "id"],
      ["reviews", "id"],
    ] as const;
    const out: unknown[] = [];
    for (const [table, key] of tables) {
      out.push(
        await store.db
          .selectFrom(table)
          .selectAll()
          .where("tenant_id", "=", tenantId)
          .orderBy(key)
          .execute(),
      );
    }
    return JSON.stringify(out);
  }

  function expectProblem(response: LightMyRequestResponse, status: number, code: string): void {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json()).toMatchObject({ status, code });
  }

  /** The request must fit the row's path pattern, or the row would test another route. */
  function expectUrlFits(row: RouteRow, call: Call): void {
    const pattern = new RegExp(`^${row.path.replace(/\{[^}]+\}/g, "[^/?]+")}(\\?.*)?$`);
    expect(call.url).toMatch(pattern);
  }

  it("covers exactly the routes of /openapi.json, each with its documented role", async () => {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    const doc = response.json<{
      paths: Record<string, Record<string, { description?: string }>>;
    }>();
    const documented = new Map<string, string | undefined>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const role = /Requires role \*\*(\w+)\*\*/.exec(operation.description ?? "")?.[1];
        documented.set(`${method.toUpperCase()} ${path}`, role);
      }
    }
    const table = new Map(ROUTES.map((row) => [rowName(row), row.role]));
    expect(table.size).toBe(ROUTES.length); // no row twice
    expect([...table.keys()].sort()).toEqual([...documented.keys()].sort());
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(documented));
  });

  for (const row of ROUTES)
    describe(`${rowName(row)} (least role ${row.role})`, () => {
      it.each(rolesToTry(row.role))("as %s", async (role) => {
        const ctx = newTenant();
        const call = await row.prepare(ctx);
        expectUrlFits(row, call);
        const token = await tokenFor(ctx, role);
        const before = await tenantRows(ctx.tenantId);
        const response = await send(row.method, call, token);
        if (hasRole(role, row.role)) {
          expect(response.statusCode, response.body).toBe(row.status);
        } else {
          expectProblem(response, 403, "forbidden");
          expect(await tenantRows(ctx.tenantId)).toBe(before);
        }
      });

      it("answers 401 without a token or with a bad one, writing nothing", async () => {
        const ctx = newTenant();
        const call = await row.prepare(ctx);
        const before = await tenantRows(ctx.tenantId);
        expectProblem(await send(row.method, call, null), 401, "unauthorized");
        expectProblem(await send(row.method, call, "tok_nothing.secret"), 401, "unauthorized");
        const revoked = await services.tokens.create(ctx, { role: "admin" });
        await services.tokens.revoke(ctx, revoked.id);
        const afterRevoke = await tenantRows(ctx.tenantId);
        expectProblem(await send(row.method, call, revoked.token), 401, "unauthorized");
        expect(await tenantRows(ctx.tenantId)).toBe(afterRevoke);
        expect(before).not.toBe(afterRevoke); // the revoke itself was written
      });

      if (row.path.includes("{")) {
        it("answers 404 to another tenant's admin, writing nothing", async () => {
          const ctx = newTenant();
          const call = await row.prepare(ctx);
          const stranger = await tokenFor(newTenant(), "admin");
          const before = await tenantRows(ctx.tenantId);
          expectProblem(await send(row.method, call, stranger), 404, "not_found");
          expect(await tenantRows(ctx.tenantId)).toBe(before);
        });
      }
    });

  it("lists nothing of this tenant to another tenant's admin", async () => {
    const ctx = newTenant();
    const runId = await waitingRun(ctx);
    const runs = await services.runs.list(ctx, { kind: "all" });
    const workflowId = runs.items[0]?.workflowId ?? "missing";
    const stranger = await tokenFor(newTenant(), "admin");
    await services.bindings.create(ctx, { name: "secret-binding", workflow: workflowId });
    const urls = ["/v1/workflows", "/v1/runs?kind=all", "/v1/audit", "/v1/tokens", "/v1/bindings"];
    for (const url of urls) {
      const response = await send("GET", { url }, stranger);
      expect(response.statusCode, url).toBe(200);
      for (const secret of [ctx.tenantId, workflowId, runId, "secret-binding"]) {
        expect(response.body, url).not.toContain(secret);
      }
    }
  });

  describe("test runs below editor", () => {
    /** A test run of a draft, waiting for `go`. */
    async function waitingTestRun(ctx: Actor): Promise<{ key: string; id: string }> {
      const key = await draftOnly(ctx);
      const run = await services.runs.start(ctx, key, { input: {}, version: "draft" });
      expect(run).toMatchObject({ kind: "test", status: "waiting" });
      return { key, id: run.id };
    }

    it.each(ROLES)("are visible to %s only from editor up", async (role) => {
      const ctx = newTenant();
      const { id } = await waitingTestRun(ctx);
      const token = await tokenFor(ctx, role);
      const call = (method: Method, url: string, body?: unknown) =>
        send(method, { url, ...(body === undefined ? {} : { body }) }, token);
      const shown = await call("GET", `/v1/runs/${id}`);
      const listed = await call("GET", "/v1/runs?kind=test");
      const all = await call("GET", "/v1/runs?kind=all");
      if (hasRole(role, "editor")) {
        expect(shown.statusCode).toBe(200);
        expect(shown.json()).toMatchObject({ id, kind: "test" });
        expect(listed.json<{ items: Array<{ id: string }> }>().items.map((r) => r.id)).toEqual([
          id,
        ]);
        expect(all.statusCode).toBe(200);
        return;
      }
      expectProblem(shown, 404, "not_found");
      expectProblem(listed, 403, "forbidden");
      expectProblem(all, 403, "forbidden");
      // The default list (production runs) leaves it out rather than failing.
      expect((await call("GET", "/v1/runs")).json()).toMatchObject({ items: [] });
      // Nor can a run that does not exist for them be signalled or cancelled.
      const before = await tenantRows(ctx.tenantId);
      if (hasRole(role, "operator")) {
        expectProblem(await call("POST", `/v1/runs/${id}/signals/go`, {}), 404, "not_found");
        expectProblem(await call("POST", `/v1/runs/${id}/cancel`), 404, "not_found");
      }
      expect(await tenantRows(ctx.tenantId)).toBe(before);
    });

    it("cannot be started below editor through the production route", async () => {
      const ctx = newTenant();
      const key = await liveWithDraft(ctx);
      const token = await tokenFor(ctx, "operator");
      const before = await tenantRows(ctx.tenantId);
      for (const body of [
        { input: {}, kind: "test" },
        { input: {}, version: "draft" },
      ]) {
        const response = await send("POST", { url: `/v1/workflows/${key}/runs`, body }, token);
        expectProblem(response, 403, "forbidden");
      }
      expect(await tenantRows(ctx.tenantId)).toBe(before);
      const editor = await tokenFor(ctx, "editor");
      const started = await send(
        "POST",
        { url: `/v1/workflows/${key}/runs`, body: { input: {}, kind: "test" } },
        editor,
      );
      expect(started.statusCode).toBe(201);
      expect(started.json()).toMatchObject({ kind: "test" });
    });
  });

  it("guards /metrics, which the OpenAPI document leaves out, with the viewer role", async () => {
    const ctx = newTenant();
    expectProblem(await send("GET", { url: "/metrics" }, null), 401, "unauthorized");
    const viewer = await tokenFor(ctx, "viewer");
    expect((await send("GET", { url: "/metrics" }, viewer)).statusCode).toBe(200);
  });
});
