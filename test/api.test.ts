/** The HTTP API driven in-process (`inject`) on both stores. */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
);
const applicant = { id: "a-1", income: 90_000, age: 30, country: "DE" };

describe.each(DIALECTS)("the API on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let services: StrataServices;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    services = createServices(store);
    app = await createApp({ services });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await close();
  });

  async function tokenFor(role: string, tenantId = uniqueTenant()): Promise<string> {
    return (await services.tokens.create({ tenantId, actor: "setup" }, { role })).token;
  }

  function call(
    token: string | null,
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    return app.inject({
      method: method as "GET",
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  it("runs the lifecycle: create, publish with If-Match, start a run", async () => {
    const admin = await tokenFor("admin");
    const created = await call(admin, "POST", "/v1/workflows", { key: "loan", definition: loan });
    expect(created.statusCode).toBe(201);
    const draft = await call(admin, "GET", "/v1/workflows/loan/draft");
    expect(draft.headers.etag).toBe('"1"');
    const stale = await call(
      admin,
      "POST",
      "/v1/workflows/loan/draft/publish",
      { description: "v1" },
      { "if-match": '"7"' },
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.headers["content-type"]).toContain("application/problem+json");
    expect(stale.json()).toMatchObject({ code: "revision_mismatch", status: 412 });
    const published = await call(
      admin,
      "POST",
      "/v1/workflows/loan/draft/publish",
      { description: "v1" },
      { "if-match": '"1"' },
    );
    expect(published.statusCode).toBe(201);
    expect(published.json()).toMatchObject({ number: 1, live: true });
    const run = await call(
      admin,
      "POST",
      "/v1/workflows/loan/runs",
      { input: { amount: 100, applicant } },
      { "idempotency-key": "k1" },
    );
    expect(run.statusCode).toBe(201);
    expect(run.json()).toMatchObject({ status: "completed", output: { decision: "approve" } });
    const again = await call(
      admin,
      "POST",
      "/v1/workflows/loan/runs",
      { input: { amount: 100, applicant } },
      { "idempotency-key": "k1" },
    );
    expect(again.json<{ id: string }>().id).toBe(run.json<{ id: string }>().id);
    const reused = await call(
      admin,
      "POST",
      "/v1/workflows/loan/runs",
      { input: { amount: 5, applicant } },
      { "idempotency-key": "k1" },
    );
    expect(reused.json()).toMatchObject({ code: "idempotency_key_reused", status: 422 });
    const versions = await call(admin, "GET", "/v1/workflows/loan/versions");
    expect(versions.json<Array<{ runCounts: unknown }>>()[0]?.runCounts).toEqual({
      production: { completed: 1 },
      test: {},
    });
  });

  it("refuses missing and weak tokens, and hides other tenants' objects", async () => {
    expect((await call(null, "GET", "/v1/workflows")).json()).toMatchObject({
      code: "unauthorized",
      status: 401,
    });
    expect((await call("tok_x.y", "GET", "/v1/workflows")).statusCode).toBe(401);
    const tenant = uniqueTenant();
    const viewer = await tokenFor("viewer", tenant);
    expect((await call(viewer, "POST", "/v1/workflows", { key: "x" })).json()).toMatchObject({
      code: "forbidden",
      status: 403,
    });
    const editor = await tokenFor("editor", tenant);
    expect((await call(editor, "POST", "/v1/workflows", { key: "mine" })).statusCode).toBe(201);
    const stranger = await tokenFor("admin");
    expect((await call(stranger, "GET", "/v1/workflows/mine")).json()).toMatchObject({
      code: "not_found",
      status: 404,
    });
  });

  it("answers bad input with 400 problems, never a 5xx", async () => {
    const admin = await tokenFor("admin");
    const malformed = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      payload: "{nope",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: "validation_failed" });
    const unknown = await call(admin, "POST", "/v1/workflows", { key: "k", colour: "red" });
    expect(unknown.json()).toMatchObject({ code: "validation_failed", status: 400 });
    const wrongType = await call(admin, "POST", "/v1/workflows", { key: 42 });
    expect(wrongType.json<{ details: Array<{ path: string }> }>().details[0]?.path).toBe("/key");
    const big = await call(admin, "POST", "/v1/workflows", {
      key: "big",
      definition: { blob: "x".repeat(2 * 1024 * 1024) },
    });
    expect(big.statusCode).toBe(413);
    expect((await call(admin, "GET", "/v1/nothing")).json()).toMatchObject({ code: "not_found" });
  });

  it("keeps test runs from roles below editor", async () => {
    const tenant = uniqueTenant();
    const admin = await tokenFor("admin", tenant);
    const operator = await tokenFor("operator", tenant);
    await call(admin, "POST", "/v1/workflows", { key: "loan", definition: loan });
    const test = await call(admin, "POST", "/v1/workflows/loan/draft/runs", {
      input: { amount: 1, applicant },
    });
    expect(test.json()).toMatchObject({ kind: "test", status: "completed" });
    const id = test.json<{ id: string }>().id;
    expect((await call(operator, "GET", `/v1/runs/${id}`)).statusCode).toBe(404);
    expect((await call(admin, "GET", `/v1/runs/${id}`)).statusCode).toBe(200);
    expect((await call(operator, "GET", "/v1/runs?kind=test")).statusCode).toBe(403);
    expect(
      (await call(admin, "GET", "/v1/runs?kind=test")).json<{ items: unknown[] }>().items,
    ).toHaveLength(1);
  });

  it("serves /metrics: requests by route and status, production runs by workflow and version, own tenant only", async () => {
    const tenant = uniqueTenant();
    const admin = await tokenFor("admin", tenant);
    await call(admin, "POST", "/v1/workflows", { key: "loan", definition: loan });
    await call(admin, "POST", "/v1/workflows/loan/draft/publish", {}, { "if-match": '"1"' });
    await call(admin, "POST", "/v1/workflows/loan/runs", { input: { amount: 1, applicant } });
    await call(admin, "POST", "/v1/workflows/loan/runs", {
      input: { amount: 1, applicant },
      kind: "test",
    });
    const other = await tokenFor("admin");
    await call(other, "POST", "/v1/workflows", { key: "loan", definition: loan });
    await call(other, "POST", "/v1/workflows/loan/draft/publish", {}, { "if-match": '"1"' });
    await call(other, "POST", "/v1/workflows/loan/runs", { input: { amount: 1, applicant } });
    expect((await call(null, "GET", "/metrics")).statusCode).toBe(401);
    const text = (await call(admin, "GET", "/metrics")).body;
    expect(text).toMatch(
      /strata_http_request_duration_seconds_count\{method="POST",route="\/v1\/workflows\/:wf\/runs",status="201"\} \d+/,
    );
    const started = text
      .split("\n")
      .filter((line) => line.startsWith("strata_runs_started_total{"));
    expect(started).toHaveLength(1); // one workflow of this tenant; the test run and the other tenant are left out
    expect(started[0]).toMatch(new RegExp(`tenant="${tenant}".*version="1"[}] 1$`));
    expect(text).toMatch(/strata_runs_completed_total\{[^}]*\} 1/);
  });

  it("serves /healthz and an OpenAPI 3.1 document naming every route's role and errors", async () => {
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json<{
      openapi: string;
      paths: Record<string, Record<string, { description: string }>>;
    }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/v1/workflows/{wf}/draft/publish"]?.post?.description).toMatch(
      /publisher.*revision_mismatch/s,
    );
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(15);
  });
});
