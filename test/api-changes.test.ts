/**
 * The change routes of the HTTP API (DESIGN.md §5, §6, L7) driven in-process (`inject`) on both
 * stores: the diff of two versions (numbers, `draft`, `live`), replay of a past run through
 * another version (side by side, `?version=`, test runs hidden from viewers, input-schema drift
 * and the adapters that cross it), the workflow's compatibility policy and the publish gate it
 * sets. Fixtures are built through the services; what is checked goes over HTTP, and every
 * refusal is problem+json with its stable code.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import type { Actor, InputAdapter, ReplayReport, Run, Version, VersionDiff } from "../src/index.js";
import type { Workflow } from "../src/index.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

type Json = Record<string, unknown>;

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Json & { nodes: Json & { route: Json & { cases: Json[] } }; inputSchema: Json };

/** The loan flow with the approving countries changed (`route`'s second case). */
function loanWith(countries: string, changes: Partial<Json> = {}): Json {
  const [review, approve] = loan.nodes.route.cases;
  return {
    ...loan,
    nodes: {
      ...loan.nodes,
      route: {
        ...loan.nodes.route,
        cases: [review, { ...approve, when: `applicant.country in [${countries}]` }],
      },
    },
    ...changes,
  };
}

/** Version 1: DE, FR and NL are approved. */
const V1 = loanWith("'DE','FR','NL'");
/** Version 2: DE is not approved any more, so a small German loan is rejected. */
const V2 = loanWith("'FR','NL'");
/** Version 1 with a `currency` every input must have: old inputs no longer fit. */
const NEEDS_CURRENCY = loanWith("'DE','FR','NL'", {
  inputSchema: {
    ...loan.inputSchema,
    required: ["amount", "applicant", "currency"],
    properties: {
      ...(loan.inputSchema.properties as Json),
      currency: { type: "string", enum: ["EUR"] },
    },
  },
});
const ADD_EUR = '$merge([$, {"currency": "EUR"}])';

/** A small German loan: approved by version 1 without a review or a task. */
const SMALL_DE = { amount: 500, applicant: { id: "a-1", income: 40_000, age: 35, country: "DE" } };

describe.each(DIALECTS)("the change API on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let services: StrataServices;
  let app: FastifyInstance;
  let ctx: Actor;
  let admin: string;
  let editor: string;
  let viewer: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    services = createServices(store);
    app = await createApp({ services, rateLimit: 0 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await close();
  });
  beforeEach(async () => {
    ctx = { tenantId: uniqueTenant(), actor: "setup" };
    admin = await tokenFor("admin");
    editor = await tokenFor("editor");
    viewer = await tokenFor("viewer");
  });

  async function tokenFor(role: string): Promise<string> {
    return (await services.tokens.create(ctx, { role })).token;
  }

  function call(
    token: string,
    method: "GET" | "POST" | "PUT",
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> {
    return app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  /** Expects a success with `status` and returns the parsed body. */
  function ok<T>(response: LightMyRequestResponse, status = 200): T {
    expect(response.statusCode, response.body).toBe(status);
    return response.json<T>();
  }

  /** Expects a problem+json answer with `status` and `code`; returns its body. */
  function problem(
    response: LightMyRequestResponse,
    status: number,
    code: string,
  ): { detail: string; details?: unknown } {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json<{ status: number; code: string; detail: string }>();
    expect(body).toMatchObject({ status, code, type: expect.any(String) as unknown });
    return body;
  }

  /** Workflow `loan` with one version per definition, each live when published. */
  async function publishAll(...definitions: Json[]): Promise<void> {
    for (const [index, definition] of definitions.entries()) {
      if (index === 0) await services.workflows.create(ctx, { key: "loan", definition });
      else await saveDraft(definition);
      await services.publisher.publish(ctx, "loan", { force: true });
    }
  }

  /** Opens the draft if there is none and saves `definition` into it. */
  async function saveDraft(definition: Json): Promise<number> {
    const draft = await services.drafts
      .show(ctx, "loan")
      .catch(() => services.drafts.open(ctx, "loan"));
    return (await services.drafts.save(ctx, "loan", { definition, revision: draft.revision }))
      .revision;
  }

  /** A completed production run of the live version. */
  async function finishedRun(input: unknown = SMALL_DE): Promise<Run> {
    const run = await services.runs.start(ctx, "loan", { input });
    expect(run).toMatchObject({ status: "completed", output: { decision: "approve" } });
    return run;
  }

  describe("diff", () => {
    it("compares numbers, the draft and the live version", async () => {
      await publishAll(V1, V2);
      const diff = ok<VersionDiff>(
        await call(viewer, "GET", "/v1/workflows/loan/diff?from=1&to=2"),
      );
      expect(diff).toMatchObject({
        from: { label: "v1", number: 1 },
        to: { label: "v2", number: 2 },
        identical: false,
        fields: [],
        nodes: {
          added: [],
          removed: [],
          changed: [
            {
              id: "route",
              type: "switch",
              fields: [
                {
                  field: "cases[1].when",
                  before: "applicant.country in ['DE','FR','NL']",
                  after: "applicant.country in ['FR','NL']",
                },
              ],
            },
          ],
        },
        edges: [],
        inputSchema: [],
        compatibility: { mode: "backward", breaking: [] },
      });
      const same = ok<VersionDiff>(
        await call(viewer, "GET", "/v1/workflows/loan/diff?from=live&to=2"),
      );
      expect(same).toMatchObject({ from: { label: "v2", number: 2 }, identical: true });

      await saveDraft(NEEDS_CURRENCY);
      const toDraft = ok<VersionDiff>(
        await call(viewer, "GET", "/v1/workflows/loan/diff?from=live&to=draft"),
      );
      expect(toDraft.to).toEqual({ label: "draft", number: null });
      expect(toDraft.inputSchema).toEqual([
        expect.objectContaining({ path: "/currency", kind: "required_property_added" }),
      ]);
      // The mode classifies: the new required field is what a backward publish would refuse.
      expect(toDraft.compatibility).toMatchObject({
        mode: "backward",
        breaking: [{ path: "/currency", breaksBackward: true }],
      });
      // By the workflow's id too.
      const workflow = await services.workflows.show(ctx, "loan");
      ok(await call(viewer, "GET", `/v1/workflows/${workflow.id}/diff?from=draft&to=1`));
    });

    it("answers 404 for what is not there and 400 for a bad side", async () => {
      await publishAll(V1);
      expect(
        problem(await call(viewer, "GET", "/v1/workflows/nope/diff?from=1&to=1"), 404, "not_found")
          .detail,
      ).toMatch(/nope/);
      expect(
        problem(await call(viewer, "GET", "/v1/workflows/loan/diff?from=1&to=9"), 404, "not_found")
          .detail,
      ).toMatch(/no version 9/);
      expect(
        problem(
          await call(viewer, "GET", "/v1/workflows/loan/diff?from=draft&to=1"),
          404,
          "not_found",
        ).detail,
      ).toMatch(/no draft/);
      await services.workflows.create(ctx, { key: "fresh", definition: V1 });
      expect(
        problem(
          await call(viewer, "GET", "/v1/workflows/fresh/diff?from=live&to=draft"),
          404,
          "not_found",
        ).detail,
      ).toMatch(/no live version/);
      for (const query of [
        "from=0&to=1",
        "from=-1&to=1",
        "from=latest&to=1",
        "from=one&to=1",
        "from=1.5&to=1",
        "from=1",
        "to=1",
        "",
        "from=1&to=1&extra=2",
      ]) {
        problem(
          await call(viewer, "GET", `/v1/workflows/loan/diff?${query}`),
          400,
          "validation_failed",
        );
      }
    });
  });

  describe("replay", () => {
    it("shows what a changed version decides, side by side, and nothing for its own", async () => {
      await publishAll(V1);
      const run = await finishedRun();
      await saveDraft(V2);
      await services.publisher.publish(ctx, "loan");
      const before = await services.runs.list(ctx, { kind: "all" });

      const report = ok<ReplayReport>(
        await call(viewer, "POST", "/v1/workflows/loan/replay", { runId: run.id }),
      );
      expect(report).toMatchObject({
        runId: run.id,
        original: {
          versionNumber: 1,
          status: "completed",
          output: { decision: "approve" },
          path: ["score", "route", "approve"],
        },
        target: { selector: "live", versionNumber: 2 },
        input: SMALL_DE,
        adapter: "none",
        replay: { status: "completed", output: { decision: "reject" }, unresolved: null },
        comparison: {
          changed: true,
          originalPath: ["score", "route", "approve"],
          replayPath: ["score", "route", "reject"],
          divergence: { step: 3, original: "approve", replay: "reject" },
          switches: [
            {
              node: "route",
              visit: 1,
              original: { caseIndex: 1, branch: "approve" },
              replay: { caseIndex: -1, branch: "reject" },
            },
          ],
          outputChanges: [{ field: "decision", before: "approve", after: "reject" }],
          statusChange: null,
        },
      });

      const own = ok<ReplayReport>(
        await call(viewer, "POST", "/v1/workflows/loan/replay", { runId: run.id, version: 1 }),
      );
      expect(own).toMatchObject({
        target: { selector: "1", versionNumber: 1 },
        replay: { output: run.output },
        comparison: { changed: false, divergence: null, switches: [], outputChanges: [] },
      });
      expect(own.replay.trace).toEqual(run.trace);
      // Replay writes nothing: no run was started.
      expect(await services.runs.list(ctx, { kind: "all" })).toEqual(before);
    });

    it("takes the version from the query too", async () => {
      await publishAll(V1);
      const run = await finishedRun();
      await saveDraft(V2);
      await services.publisher.publish(ctx, "loan");
      const replay = (query: string, body: Json = {}) =>
        call(viewer, "POST", `/v1/workflows/loan/replay${query}`, { runId: run.id, ...body });

      expect(ok<ReplayReport>(await replay("?version=1"))).toMatchObject({
        target: { selector: "1", versionNumber: 1 },
        comparison: { changed: false },
      });
      expect(ok<ReplayReport>(await replay("?version=latest")).target).toEqual({
        selector: "latest",
        versionNumber: 2,
      });
      expect(ok<ReplayReport>(await replay("?version=live")).comparison.changed).toBe(true);
      // The body's version, when both are given.
      expect(ok<ReplayReport>(await replay("?version=2", { version: 1 })).target).toMatchObject({
        versionNumber: 1,
      });
      // The draft, before it is ever published.
      expect(problem(await replay("?version=draft"), 404, "not_found").detail).toMatch(/no draft/);
      await saveDraft(loanWith("'DE'"));
      expect(ok<ReplayReport>(await replay("?version=draft"))).toMatchObject({
        target: { selector: "draft", versionNumber: null },
        comparison: { changed: false },
      });
      problem(await replay("?version=9"), 404, "not_found");
      for (const bad of ["?version=0", "?version=x", "?version=-1", "?version=1.5", "?v=1"]) {
        problem(await replay(bad), 400, "validation_failed");
      }
      // A bad query is refused even when the body names a version.
      problem(await replay("?version=x", { version: 1 }), 400, "validation_failed");
    });

    it("refuses what it cannot find or read", async () => {
      await publishAll(V1);
      const run = await finishedRun();
      await services.workflows.create(ctx, { key: "other", definition: V1 });
      const replay = (url: string, body: unknown) => call(viewer, "POST", url, body);

      problem(await replay("/v1/workflows/nope/replay", { runId: run.id }), 404, "not_found");
      problem(await replay("/v1/workflows/loan/replay", { runId: "run_nope" }), 404, "not_found");
      expect(
        problem(await replay("/v1/workflows/other/replay", { runId: run.id }), 404, "not_found")
          .detail,
      ).toMatch(/of workflow other/);
      for (const body of [
        {},
        { runId: "" },
        { runId: run.id, version: 0 },
        { runId: run.id, version: "draftt" },
        { runId: run.id, mocks: [] },
        { runId: run.id, extra: true },
      ]) {
        problem(await replay("/v1/workflows/loan/replay", body), 400, "validation_failed");
      }
    });

    it("replays a test run for an editor, and hides it from a viewer", async () => {
      await publishAll(V1);
      const test = await services.runs.start(ctx, "loan", { input: SMALL_DE, kind: "test" });
      expect(test.kind).toBe("test");
      const body = { runId: test.id, version: 1 };
      expect(
        problem(await call(viewer, "POST", "/v1/workflows/loan/replay", body), 404, "not_found")
          .detail,
      ).toMatch(test.id);
      expect(
        ok<ReplayReport>(await call(editor, "POST", "/v1/workflows/loan/replay", body)),
      ).toMatchObject({ runId: test.id, comparison: { changed: false } });
    });

    it("refuses an input that no longer fits, listing every error, until an adapter makes it fit", async () => {
      await publishAll(V1);
      const run = await finishedRun();
      await saveDraft(NEEDS_CURRENCY);
      await services.publisher.publish(ctx, "loan", { force: true });
      const replay = (body: Json = {}) =>
        call(viewer, "POST", "/v1/workflows/loan/replay", { runId: run.id, ...body });

      const drift = problem(await replay(), 422, "input_schema_drift");
      expect(drift.detail).toMatch(/currency/);
      expect(drift.details).toEqual({
        adapter: "none",
        errors: [expect.objectContaining({ path: "/", keyword: "required" })],
      });
      // Every error, not only the first.
      const two = problem(
        await replay({ adapter: '$merge([$, {"currency": "USD", "amount": "many"}])' }),
        422,
        "input_schema_drift",
      );
      expect(two.details).toMatchObject({ adapter: "given" });
      expect(
        (two.details as { errors: Array<{ path: string }> }).errors.map((e) => e.path),
      ).toEqual(expect.arrayContaining(["/amount", "/currency"]));
      problem(await replay({ adapter: '$error("no currency")' }), 422, "adapter_failed");
      problem(await replay({ adapter: "nothing.here" }), 422, "adapter_failed");
      problem(await replay({ adapter: "$$$(" }), 400, "validation_failed");

      expect(ok<ReplayReport>(await replay({ adapter: ADD_EUR }))).toMatchObject({
        adapter: "given",
        input: { ...SMALL_DE, currency: "EUR" },
        target: { versionNumber: 2 },
        comparison: { changed: false },
      });

      // Registered for the pair, it is used whenever none is given.
      problem(
        await call(viewer, "POST", "/v1/workflows/loan/adapters", {
          from: 1,
          to: 2,
          expression: ADD_EUR,
        }),
        403,
        "forbidden",
      );
      const added = ok<InputAdapter>(
        await call(editor, "POST", "/v1/workflows/loan/adapters", {
          from: 1,
          to: 2,
          expression: ADD_EUR,
        }),
        201,
      );
      expect(added).toMatchObject({ from: 1, to: 2, expression: ADD_EUR });
      expect(ok<InputAdapter[]>(await call(viewer, "GET", "/v1/workflows/loan/adapters"))).toEqual([
        added,
      ]);
      expect(ok<ReplayReport>(await replay())).toMatchObject({
        adapter: "registered",
        input: { currency: "EUR" },
        comparison: { changed: false },
      });
      // Its own version needs no adapter; the registered one is for 1 → 2 only.
      expect(ok<ReplayReport>(await replay({ version: 1 })).adapter).toBe("none");
    });

    it("keeps one adapter per pair of versions and checks its expression", async () => {
      await publishAll(V1, V2);
      const add = (body: unknown, token = editor, key = "loan") =>
        call(token, "POST", `/v1/workflows/${key}/adapters`, body);
      ok(await add({ from: 1, to: 2, expression: "$" }), 201);
      ok(await add({ from: 1, to: 2, expression: ADD_EUR }), 201);
      ok(await add({ from: 2, to: 1, expression: "$" }), 201);
      expect(
        ok<InputAdapter[]>(await call(viewer, "GET", "/v1/workflows/loan/adapters")).map((a) => [
          a.from,
          a.to,
          a.expression,
        ]),
      ).toEqual([
        [1, 2, ADD_EUR],
        [2, 1, "$"],
      ]);
      problem(await add({ from: 1, to: 2, expression: "$$$(" }), 400, "validation_failed");
      problem(await add({ from: 1, to: 2 }), 400, "validation_failed");
      problem(await add({ from: 0, to: 2, expression: "$" }), 400, "validation_failed");
      problem(await add({ from: 1, to: 2, expression: "$" }, editor, "nope"), 404, "not_found");
      problem(await call(viewer, "GET", "/v1/workflows/nope/adapters"), 404, "not_found");
    });
  });

  describe("policy and the publish gate", () => {
    it("sets the compatibility mode for admins only", async () => {
      await publishAll(V1);
      expect((await services.workflows.show(ctx, "loan")).policy).toEqual({
        compatibility: "backward",
        review: { required: false, approvals: 1 },
      });
      const publisher = await tokenFor("publisher");
      problem(
        await call(publisher, "PUT", "/v1/workflows/loan/policy", { compatibility: "full" }),
        403,
        "forbidden",
      );
      const set = ok<Workflow>(
        await call(admin, "PUT", "/v1/workflows/loan/policy", { compatibility: "full" }),
      );
      expect(set).toMatchObject({ key: "loan", policy: { compatibility: "full" } });
      expect(ok<Workflow>(await call(viewer, "GET", "/v1/workflows/loan")).policy).toEqual({
        compatibility: "full",
        review: { required: false, approvals: 1 },
      });
      // Leaving the field out changes nothing.
      expect(
        ok<Workflow>(await call(admin, "PUT", "/v1/workflows/loan/policy", {})).policy,
      ).toEqual({ compatibility: "full", review: { required: false, approvals: 1 } });
      const diff = ok<VersionDiff>(
        await call(viewer, "GET", "/v1/workflows/loan/diff?from=1&to=1"),
      );
      expect(diff.compatibility.mode).toBe("full");
      problem(
        await call(admin, "PUT", "/v1/workflows/loan/policy", { compatibility: "sideways" }),
        400,
        "validation_failed",
      );
      problem(
        await call(admin, "PUT", "/v1/workflows/loan/policy", { compatibility: "none", x: 1 }),
        400,
        "validation_failed",
      );
      problem(
        await call(admin, "PUT", "/v1/workflows/nope/policy", { compatibility: "none" }),
        404,
        "not_found",
      );
    });

    it("refuses a publish the mode forbids, naming the changes, unless forced", async () => {
      await publishAll(V1);
      const revision = await saveDraft(NEEDS_CURRENCY);
      const publish = (body: Json) =>
        call(admin, "POST", "/v1/workflows/loan/draft/publish", { revision, ...body });

      const refused = problem(await publish({}), 422, "schema_incompatible");
      expect(refused.detail).toMatch(
        /not backward compatible with version 1: required field \/currency added/,
      );
      expect(refused.details).toEqual({
        mode: "backward",
        changes: [
          expect.objectContaining({
            path: "/currency",
            kind: "required_property_added",
            breaksBackward: true,
            breaksForward: false,
          }),
        ],
      });
      expect(ok<Workflow>(await call(viewer, "GET", "/v1/workflows/loan")).liveVersion).toBe(1);
      problem(await publish({ force: "yes" }), 400, "validation_failed");

      const forced = ok<Version>(await publish({ force: true }), 201);
      expect(forced).toMatchObject({ number: 2, live: true });
      expect(ok<Workflow>(await call(viewer, "GET", "/v1/workflows/loan")).liveVersion).toBe(2);
    });

    it("lets a compatible change through, and a mode of none lets anything through", async () => {
      await publishAll(V1);
      const optional = loanWith("'DE','FR','NL'", {
        inputSchema: {
          ...loan.inputSchema,
          properties: { ...(loan.inputSchema.properties as Json), note: { type: "string" } },
        },
      });
      let revision = await saveDraft(optional);
      ok(await call(admin, "POST", "/v1/workflows/loan/draft/publish", { revision }), 201);

      ok(await call(admin, "PUT", "/v1/workflows/loan/policy", { compatibility: "none" }));
      revision = await saveDraft(NEEDS_CURRENCY);
      expect(
        ok<Version>(
          await call(admin, "POST", "/v1/workflows/loan/draft/publish", { revision }),
          201,
        ).number,
      ).toBe(3);
    });
  });
});
