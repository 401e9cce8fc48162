/**
 * The routing routes of the HTTP API (DESIGN.md §3, §7) driven in-process (`inject`) on both
 * stores: rollouts (start, set, status, promote, abort, history, replace), the live route,
 * rollback, publish with a rollout, a version's impact, bindings and their runs, and events.
 * Each route's happy path, its main refusals as problem+json with their codes, and one role
 * refusal per role. Fixtures are built through the services; what is checked goes over HTTP.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import type { Actor, Binding, LiveRoute, Rollout, RolloutStatusReport, Run } from "../src/index.js";
import type { PublishedEvent, RollbackResult, VersionImpact } from "../src/index.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

/** A flow that ends at once with `tag`, so each version is a real change. */
const tagged = (tag: string) => ({
  start: "done",
  nodes: { done: { type: "end", output: { tag: `'${tag}'` } } },
});

/** A flow that needs `amount` in its input, for `input_invalid`. */
const needsAmount = {
  start: "done",
  inputSchema: {
    type: "object",
    required: ["amount"],
    properties: { amount: { type: "number" } },
  },
  nodes: { done: { type: "end", output: { ok: "true" } } },
};

describe.each(DIALECTS)("the routing API on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let services: StrataServices;
  let app: FastifyInstance;
  let ctx: Actor;
  let admin: string;

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
  });

  async function tokenFor(role: string): Promise<string> {
    return (await services.tokens.create(ctx, { role })).token;
  }

  function call(
    token: string | null,
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return app.inject({
      method,
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  /** Expects a success with `status` and returns the parsed body. */
  function ok<T>(response: LightMyRequestResponse, status = 200): T {
    expect(response.statusCode, response.body).toBe(status);
    return response.json<T>();
  }

  /** Expects a problem+json answer with `status` and `code`; returns its detail. */
  function problem(response: LightMyRequestResponse, status: number, code: string): string {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json<{ status: number; code: string; detail: string }>();
    expect(body).toMatchObject({ status, code, type: expect.any(String) as unknown });
    return body.detail;
  }

  /**
   * A workflow `key` with one version per tag, published in order; each is live when
   * published unless `activate` says otherwise for the last one.
   */
  async function versions(key: string, tags: string[], lastActive = true): Promise<void> {
    for (const [index, tag] of tags.entries()) {
      if (index === 0) await services.workflows.create(ctx, { key, definition: tagged(tag) });
      else {
        const draft = await services.drafts.open(ctx, key);
        await services.drafts.save(ctx, key, { definition: tagged(tag), revision: draft.revision });
      }
      const last = index === tags.length - 1;
      await services.publisher.publish(ctx, key, { activate: !last || lastActive });
    }
  }

  describe("rollouts", () => {
    it("starts, reports, sets, replaces and promotes a rollout; the route follows", async () => {
      await versions("loan", ["a", "b", "c"], false); // v2 live, v3 published beside it
      const started = ok<Rollout>(
        await call(admin, "POST", "/v1/workflows/loan/rollout", {
          to: 3,
          percent: 10,
          steps: [50, 100],
          every: "1h",
          guard: { maxFailureRateIncrease: 2, minRuns: 200, every: "30s" },
        }),
        201,
      );
      expect(started).toMatchObject({
        status: "active",
        stableVersion: 2,
        candidateVersion: 3,
        percent: 10,
        steps: [50, 100],
        stepEveryMs: 3_600_000,
        guard: { maxFailureRateIncrease: 2, minRuns: 200, everyMs: 30_000 },
      });
      const second = await call(admin, "POST", "/v1/workflows/loan/rollout", { to: 1, percent: 5 });
      expect(problem(second, 409, "rollout_in_progress")).toMatch(/v3 at 10%/);

      const route = ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route"));
      expect(route).toMatchObject({ workflowKey: "loan", liveVersion: 2, latestVersion: 3 });
      expect(route.rollout).toMatchObject({ id: started.id, percent: 10 });

      for (let i = 0; i < 4; i++) {
        await call(admin, "POST", "/v1/workflows/loan/runs", { input: {}, routingKey: `c-${i}` });
      }
      const status = ok<RolloutStatusReport>(
        await call(admin, "GET", "/v1/workflows/loan/rollout"),
      );
      expect(status.arms.stable.runs + status.arms.candidate.runs).toBe(4);
      expect(status.arms.stable).toMatchObject({ version: 2, open: 0, failed: 0, failureRate: 0 });
      expect(status.guardVerdict?.verdict).toBe("waiting");

      const set = ok<Rollout>(
        await call(admin, "PATCH", "/v1/workflows/loan/rollout", { percent: 25.5 }),
      );
      expect(set).toMatchObject({ percent: 25.5, steps: [], nextStepAt: null });

      const replaced = ok<Rollout>(
        await call(admin, "POST", "/v1/workflows/loan/rollout", {
          to: 1,
          percent: 5,
          replace: true,
        }),
        201,
      );
      expect(replaced).toMatchObject({ stableVersion: 2, candidateVersion: 1, percent: 5 });
      const history = ok<Rollout[]>(await call(admin, "GET", "/v1/workflows/loan/rollouts"));
      expect(history.map((r) => r.status)).toEqual(["active", "replaced"]);
      expect(
        ok<Rollout[]>(await call(admin, "GET", "/v1/workflows/loan/rollouts?limit=1")),
      ).toHaveLength(1);

      const promoted = ok<Rollout>(await call(admin, "POST", "/v1/workflows/loan/rollout/promote"));
      expect(promoted).toMatchObject({
        status: "promoted",
        endedBy: expect.stringMatching(/^token:/) as unknown,
      });
      expect(ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route"))).toMatchObject({
        liveVersion: 1,
        rollout: null,
      });
      // No rollout in progress: the changes answer not_found; the status shows the last one.
      problem(await call(admin, "POST", "/v1/workflows/loan/rollout/promote"), 404, "not_found");
      problem(
        await call(admin, "PATCH", "/v1/workflows/loan/rollout", { percent: 5 }),
        404,
        "not_found",
      );
      problem(await call(admin, "POST", "/v1/workflows/loan/rollout/abort", {}), 404, "not_found");
      expect(
        ok<RolloutStatusReport>(await call(admin, "GET", "/v1/workflows/loan/rollout")),
      ).toMatchObject({ status: "promoted", candidateVersion: 1 });
    });

    it("aborts with a reason, with or without a body", async () => {
      await versions("loan", ["a", "b"], false);
      await services.rollouts.start(ctx, "loan", { to: 2, percent: 50 });
      const aborted = ok<Rollout>(
        await call(admin, "POST", "/v1/workflows/loan/rollout/abort", { reason: "error spike" }),
      );
      expect(aborted).toMatchObject({ status: "aborted", endReason: "error spike" });
      await services.rollouts.start(ctx, "loan", { to: 2, percent: 50 });
      expect(
        ok<Rollout>(await call(admin, "POST", "/v1/workflows/loan/rollout/abort")),
      ).toMatchObject({ status: "aborted", endReason: "aborted by hand" });
      expect(ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route")).liveVersion).toBe(
        1,
      );
    });

    it("refuses what cannot be rolled out, and malformed plans", async () => {
      await versions("loan", ["a", "b", "c"], false);
      await services.versions.retire(ctx, "loan", 1);
      const start = (body: unknown) => call(admin, "POST", "/v1/workflows/loan/rollout", body);
      problem(await start({ to: 1, percent: 10 }), 409, "version_retired");
      problem(await start({ to: 9, percent: 10 }), 404, "not_found");
      expect(problem(await start({ to: 2, percent: 10 }), 400, "validation_failed")).toMatch(
        /already the live version/,
      );
      problem(await start({ to: 3, percent: 101 }), 400, "validation_failed");
      problem(await start({ to: 3, percent: 10.125 }), 400, "validation_failed");
      expect(
        problem(await start({ to: 3, percent: 10, steps: [50, 100] }), 400, "validation_failed"),
      ).toMatch(/interval/);
      problem(
        await start({ to: 3, percent: 10, steps: [50, 20], every: "1h" }),
        400,
        "validation_failed",
      );
      problem(await start({ to: 3, percent: 10, every: "soon" }), 400, "validation_failed");
      problem(
        await start({ to: 3, percent: 10, guard: { maxFailureRateIncrease: 2 } }),
        400,
        "validation_failed",
      );
      problem(await start({ to: 3, percent: 10, colour: "red" }), 400, "validation_failed");
      problem(
        await call(admin, "POST", "/v1/workflows/nothing/rollout", { to: 1, percent: 1 }),
        404,
        "not_found",
      );
      problem(await call(admin, "GET", "/v1/workflows/loan/rollout"), 404, "not_found");
      expect(ok<Rollout[]>(await call(admin, "GET", "/v1/workflows/loan/rollouts"))).toEqual([]);

      // No live version: a workflow whose only version was published without activating.
      await versions("fresh", ["a"], false);
      problem(
        await call(admin, "POST", "/v1/workflows/fresh/rollout", { to: 1, percent: 10 }),
        409,
        "no_live_version",
      );
    });

    it("publishes a version as a rollout, refusing during another unless it replaces", async () => {
      await versions("loan", ["a"]);
      const publish = async (version: string, body: unknown) => {
        const draft = await services.drafts
          .open(ctx, "loan")
          .catch(() => services.drafts.show(ctx, "loan"));
        await services.drafts.save(ctx, "loan", {
          definition: tagged(version),
          revision: draft.revision,
        });
        const revision = (await services.drafts.show(ctx, "loan")).revision;
        return call(admin, "POST", "/v1/workflows/loan/draft/publish", body, {
          "if-match": `"${revision}"`,
        });
      };
      const v2 = ok<{ number: number; live: boolean }>(
        await publish("b", {
          description: "b",
          rollout: {
            percent: 10,
            steps: [50, 100],
            every: "1h",
            guard: { maxFailureRateIncrease: 5, minRuns: 10 },
          },
        }),
        201,
      );
      expect(v2).toMatchObject({ number: 2, live: false });
      const route = ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route"));
      expect(route.rollout).toMatchObject({
        stableVersion: 1,
        candidateVersion: 2,
        percent: 10,
        guard: { maxFailureRateIncrease: 5, minRuns: 10, everyMs: 60_000 },
      });
      problem(await publish("c", {}), 409, "rollout_in_progress");
      problem(await publish("c", { rollout: { percent: 5 } }), 409, "rollout_in_progress");
      problem(await publish("c", { rollout: { percent: 5, colour: 1 } }), 400, "validation_failed");
      const v3 = ok<{ number: number }>(
        await publish("c", { rollout: { percent: 5 }, replaceRollout: true }),
        201,
      );
      expect(v3.number).toBe(3);
      const history = ok<Rollout[]>(await call(admin, "GET", "/v1/workflows/loan/rollouts"));
      expect(history.map((r) => [r.status, r.candidateVersion])).toEqual([
        ["active", 3],
        ["replaced", 2],
      ]);
      // Without a rollout, replacing ends the one in progress and makes the version live.
      ok(await publish("d", { replaceRollout: true }), 201);
      expect(ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route"))).toMatchObject({
        liveVersion: 4,
        rollout: null,
      });

      await versions("fresh", ["a"], false);
      const draft = await services.drafts.open(ctx, "fresh");
      await services.drafts.save(ctx, "fresh", {
        definition: tagged("b"),
        revision: draft.revision,
      });
      problem(
        await call(
          admin,
          "POST",
          "/v1/workflows/fresh/draft/publish",
          { rollout: { percent: 10 } },
          { "if-match": '"2"' },
        ),
        409,
        "no_live_version",
      );
      // The refused publish changed nothing: the draft is still there, unpublished.
      expect((await services.drafts.show(ctx, "fresh")).revision).toBe(2);
    });
  });

  describe("rollback", () => {
    it("makes a version live at once, restoring it, or rolls it out at a percentage", async () => {
      await versions("loan", ["a", "b", "c"]);
      await services.versions.retire(ctx, "loan", 1);
      await services.rollouts.start(ctx, "loan", { to: 2, percent: 20 });
      const back = ok<RollbackResult>(
        await call(admin, "POST", "/v1/workflows/loan/rollback", { to: 1 }),
      );
      expect(back).toMatchObject({ liveVersion: 1, rollout: null, restored: true });
      expect(back.endedRollout).toMatchObject({ status: "rolled_back", candidateVersion: 2 });
      expect(ok<LiveRoute>(await call(admin, "GET", "/v1/workflows/loan/route"))).toMatchObject({
        liveVersion: 1,
        rollout: null,
      });

      const staged = ok<RollbackResult>(
        await call(admin, "POST", "/v1/workflows/loan/rollback", { to: 3, percent: 30 }),
      );
      expect(staged).toMatchObject({ liveVersion: 1, restored: false, endedRollout: null });
      expect(staged.rollout).toMatchObject({ stableVersion: 1, candidateVersion: 3, percent: 30 });

      const rollback = (body: unknown) => call(admin, "POST", "/v1/workflows/loan/rollback", body);
      problem(await rollback({ to: 7 }), 404, "not_found");
      problem(await rollback({ to: 1, percent: 300 }), 400, "validation_failed");
      problem(await rollback({ percent: 3 }), 400, "validation_failed");
    });

    it("refuses a staged rollback without a live version to roll out from", async () => {
      await versions("loan", ["a", "b"]);
      await services.workflows.deactivate(ctx, "loan");
      await services.versions.retire(ctx, "loan", 2); // the live route is empty now
      problem(
        await call(admin, "POST", "/v1/workflows/loan/rollback", { to: 1, percent: 10 }),
        409,
        "no_live_version",
      );
      expect(
        ok<RollbackResult>(await call(admin, "POST", "/v1/workflows/loan/rollback", { to: 2 })),
      ).toMatchObject({ liveVersion: 2, restored: true });
    });
  });

  it("answers a version's impact: allowed or why not, bindings, runs in flight", async () => {
    await versions("loan", ["a", "b"]);
    await services.bindings.create(ctx, { name: "pinned", workflow: "loan", selector: 2 });
    await services.bindings.create(ctx, { name: "newest", workflow: "loan", selector: "latest" });
    const impact = ok<VersionImpact>(
      await call(admin, "GET", "/v1/workflows/loan/versions/2/impact"),
    );
    expect(impact).toMatchObject({
      version: 2,
      state: "published",
      live: true,
      retire: { allowed: false, refusal: { code: "version_live" } },
      delete: { allowed: false, refusal: { code: "version_not_retired" } },
      openRuns: 0,
      openRunIds: [],
    });
    const one = ok<VersionImpact>(await call(admin, "GET", "/v1/workflows/loan/versions/1/impact"));
    expect(one.retire).toEqual({ allowed: true, refusal: null });
    expect(impact.bindings).toEqual([
      { name: "newest", selector: "latest", effect: "moves", code: null, movesTo: 1 },
      { name: "pinned", selector: 2, effect: "breaks", code: "version_retired", movesTo: null },
    ]);
    problem(await call(admin, "GET", "/v1/workflows/loan/versions/9/impact"), 404, "not_found");
    // A dry run changes nothing.
    expect((await services.versions.show(ctx, "loan", 2)).state).toBe("published");
  });

  describe("bindings", () => {
    it("creates, lists, shows, updates and deletes bindings", async () => {
      await versions("loan", ["a", "b"]);
      await versions("other", ["a"]);
      const created = ok<Binding>(
        await call(admin, "POST", "/v1/bindings", {
          name: "intake",
          workflow: "loan",
          event: "loan.submitted",
        }),
        201,
      );
      expect(created).toMatchObject({
        name: "intake",
        workflowKey: "loan",
        selector: "live",
        event: "loan.submitted",
        cron: null,
        status: "ok",
        problem: null,
        resolvedVersion: 2,
        createdBy: expect.stringMatching(/^token:/) as unknown,
      });
      const nightly = ok<Binding>(
        await call(admin, "POST", "/v1/bindings", {
          name: "nightly",
          workflow: "other",
          selector: 1,
          cron: "0 2 * * *",
          timezone: "Europe/Berlin",
          input: { batch: true },
        }),
        201,
      );
      expect(nightly).toMatchObject({
        selector: 1,
        input: { batch: true },
        nextFireAt: expect.any(String) as unknown,
      });
      problem(
        await call(admin, "POST", "/v1/bindings", { name: "intake", workflow: "loan" }),
        409,
        "binding_exists",
      );
      problem(
        await call(admin, "POST", "/v1/bindings", { name: "x", workflow: "nothing" }),
        404,
        "not_found",
      );
      const bad = (body: object) =>
        call(admin, "POST", "/v1/bindings", { name: "y", workflow: "loan", ...body });
      problem(await bad({ selector: "draft" }), 400, "validation_failed");
      problem(await bad({ selector: 0 }), 400, "validation_failed");
      problem(await bad({ name: "Has Spaces" }), 400, "validation_failed");
      problem(await bad({ cron: "every day" }), 400, "validation_failed");
      problem(await bad({ timezone: "Europe/Berlin" }), 400, "validation_failed");
      problem(await bad({ cron: "0 * * * *", timezone: "Mars/Olympus" }), 400, "validation_failed");

      const all = ok<{ items: Binding[]; nextCursor: string | null }>(
        await call(admin, "GET", "/v1/bindings"),
      );
      expect(all.items.map((b) => b.name)).toEqual(["intake", "nightly"]);
      const page = ok<{ items: Binding[]; nextCursor: string | null }>(
        await call(admin, "GET", "/v1/bindings?limit=1"),
      );
      expect(page).toMatchObject({ items: [{ name: "intake" }], nextCursor: "intake" });
      const next = ok<{ items: Binding[] }>(
        await call(admin, "GET", "/v1/bindings?limit=1&cursor=intake"),
      );
      expect(next.items.map((b) => b.name)).toEqual(["nightly"]);
      const ofOther = ok<{ items: Binding[] }>(
        await call(admin, "GET", "/v1/bindings?workflow=other"),
      );
      expect(ofOther.items.map((b) => b.name)).toEqual(["nightly"]);
      problem(await call(admin, "GET", "/v1/bindings?workflow=nothing"), 404, "not_found");

      expect(ok<Binding>(await call(admin, "GET", "/v1/bindings/intake"))).toEqual(created);
      expect(ok<Binding>(await call(admin, "GET", `/v1/bindings/${created.id}`)).name).toBe(
        "intake",
      );
      problem(await call(admin, "GET", "/v1/bindings/nothing"), 404, "not_found");

      const updated = ok<Binding>(
        await call(admin, "PATCH", "/v1/bindings/intake", { selector: 1, event: null }),
      );
      expect(updated).toMatchObject({ selector: 1, event: null, resolvedVersion: 1 });
      const moved = ok<Binding>(
        await call(admin, "PATCH", "/v1/bindings/nightly", {
          workflow: "loan",
          selector: "latest",
          cron: null,
          timezone: null,
        }),
      );
      expect(moved).toMatchObject({
        workflowKey: "loan",
        cron: null,
        nextFireAt: null,
        resolvedVersion: 2,
      });
      problem(
        await call(admin, "PATCH", "/v1/bindings/nothing", { selector: 1 }),
        404,
        "not_found",
      );
      problem(
        await call(admin, "PATCH", "/v1/bindings/intake", { name: "x" }),
        400,
        "validation_failed",
      );

      const deleted = await call(admin, "DELETE", "/v1/bindings/intake");
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe("");
      problem(await call(admin, "GET", "/v1/bindings/intake"), 404, "not_found");
      problem(await call(admin, "DELETE", "/v1/bindings/intake"), 404, "not_found");
    });

    it("starts runs through a binding, idempotently, and refuses through a broken one", async () => {
      await versions("loan", ["a", "b"]);
      await services.bindings.create(ctx, { name: "pinned", workflow: "loan", selector: 1 });
      const run = (name: string, body: unknown, key?: string) =>
        call(
          admin,
          "POST",
          `/v1/bindings/${name}/runs`,
          body,
          key === undefined ? {} : { "idempotency-key": key },
        );
      const first = ok<Run>(await run("pinned", { input: {}, routingKey: "c-1" }, "k-1"), 201);
      expect(first).toMatchObject({
        versionNumber: 1,
        status: "completed",
        output: { tag: "a" },
        routingKey: "c-1",
        route: { selector: "1", binding: "pinned" },
      });
      expect(ok<Run>(await run("pinned", { input: {}, routingKey: "c-1" }, "k-1"), 201).id).toBe(
        first.id,
      );
      problem(await run("pinned", { input: { other: 1 } }, "k-1"), 422, "idempotency_key_reused");
      problem(await run("nothing", { input: {} }), 404, "not_found");
      problem(await run("pinned", {}), 400, "validation_failed");

      await services.versions.retire(ctx, "loan", 1);
      const shown = ok<Binding>(await call(admin, "GET", "/v1/bindings/pinned"));
      expect(shown).toMatchObject({ status: "broken", problem: { code: "version_retired" } });
      expect(problem(await run("pinned", { input: {} }), 409, "version_retired")).toMatch(
        /binding pinned is broken/,
      );
      await services.workflows.deactivate(ctx, "loan");
      problem(await run("pinned", { input: {} }), 409, "workflow_deactivated");

      await services.workflows.create(ctx, { key: "strict", definition: needsAmount });
      await services.publisher.publish(ctx, "strict");
      await services.bindings.create(ctx, { name: "strict", workflow: "strict" });
      problem(await run("strict", { input: {} }), 422, "input_invalid");
    });
  });

  it("publishes events to subscribed bindings, listing runs and refusals", async () => {
    await versions("loan", ["a", "b"]);
    await services.bindings.create(ctx, {
      name: "live",
      workflow: "loan",
      event: "loan.submitted",
    });
    await services.bindings.create(ctx, {
      name: "old",
      workflow: "loan",
      selector: 1,
      event: "loan.submitted",
    });
    await services.bindings.create(ctx, { name: "quiet", workflow: "loan" });
    await services.versions.retire(ctx, "loan", 1);
    const published = ok<PublishedEvent>(
      await call(admin, "POST", "/v1/events", {
        type: "loan.submitted",
        data: { n: 1 },
        key: "c-1",
      }),
    );
    expect(published.type).toBe("loan.submitted");
    expect(published.runs).toEqual([
      {
        binding: "live",
        runId: expect.stringMatching(/^run_/) as unknown,
        versionNumber: 2,
        status: "completed",
      },
    ]);
    expect(published.refused).toEqual([
      {
        binding: "old",
        code: "version_retired",
        message: expect.stringMatching(/binding old is broken/) as unknown,
      },
    ]);
    const runId = published.runs[0]?.runId ?? "";
    expect(ok<Run>(await call(admin, "GET", `/v1/runs/${runId}`))).toMatchObject({
      input: { n: 1 },
      routingKey: "c-1",
      route: { binding: "live" },
    });
    expect(
      ok<PublishedEvent>(
        await call(admin, "POST", "/v1/events", { type: "nobody.listens", data: {} }),
      ),
    ).toEqual({ type: "nobody.listens", runs: [], refused: [] });
    problem(
      await call(admin, "POST", "/v1/events", { type: "Bad Type", data: {} }),
      400,
      "validation_failed",
    );
    problem(await call(admin, "POST", "/v1/events", { type: "x" }), 400, "validation_failed");
  });

  it("keeps each route to its role: viewer reads, operator runs, publisher routes, admin binds", async () => {
    await versions("loan", ["a", "b"], false);
    await services.bindings.create(ctx, { name: "intake", workflow: "loan", event: "e.x" });
    const viewer = await tokenFor("viewer");
    const operator = await tokenFor("operator");
    const editor = await tokenFor("editor");
    const publisher = await tokenFor("publisher");
    // viewer routes: any token, but a token.
    problem(await call(null, "GET", "/v1/workflows/loan/route"), 401, "unauthorized");
    ok(await call(viewer, "GET", "/v1/workflows/loan/route"));
    ok(await call(viewer, "GET", "/v1/bindings/intake"));
    // operator routes.
    problem(await call(viewer, "POST", "/v1/events", { type: "e.x", data: {} }), 403, "forbidden");
    problem(
      await call(viewer, "POST", "/v1/bindings/intake/runs", { input: {} }),
      403,
      "forbidden",
    );
    ok(await call(operator, "POST", "/v1/bindings/intake/runs", { input: {} }), 201);
    // publisher routes.
    const start = { to: 2, percent: 10 };
    problem(await call(editor, "POST", "/v1/workflows/loan/rollout", start), 403, "forbidden");
    problem(
      await call(operator, "POST", "/v1/workflows/loan/rollback", { to: 1 }),
      403,
      "forbidden",
    );
    ok(await call(publisher, "POST", "/v1/workflows/loan/rollout", start), 201);
    // admin routes.
    const binding = { name: "second", workflow: "loan" };
    problem(await call(publisher, "POST", "/v1/bindings", binding), 403, "forbidden");
    problem(await call(publisher, "DELETE", "/v1/bindings/intake"), 403, "forbidden");
    ok(await call(admin, "POST", "/v1/bindings", binding), 201);
    // Another tenant's admin sees none of it.
    const strangerCtx = { tenantId: uniqueTenant(), actor: "setup" };
    const stranger = (await services.tokens.create(strangerCtx, { role: "admin" })).token;
    problem(await call(stranger, "GET", "/v1/bindings/intake"), 404, "not_found");
    problem(await call(stranger, "GET", "/v1/workflows/loan/rollout"), 404, "not_found");
    expect(ok<{ items: unknown[] }>(await call(stranger, "GET", "/v1/bindings")).items).toEqual([]);
  });

  it("documents the routing routes in /openapi.json with their roles and error codes", async () => {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json<{
      paths: Record<string, Record<string, { description: string }>>;
    }>();
    expect(doc.paths["/v1/workflows/{wf}/rollout"]?.post?.description).toMatch(
      /publisher.*rollout_in_progress/s,
    );
    expect(doc.paths["/v1/workflows/{wf}/draft/publish"]?.post?.description).toMatch(
      /rollout_in_progress, no_live_version/,
    );
    expect(doc.paths["/v1/bindings/{name}/runs"]?.post?.description).toMatch(
      /operator.*version_retired/s,
    );
    expect(doc.paths["/v1/bindings"]?.post?.description).toMatch(/admin.*binding_exists/s);
  });
});
