/**
 * Four-eyes review before publish and named actors (issue 18, DESIGN.md §10, ADR 0015), over
 * the REST API in-process on both databases: the policy, requests, approvals and rejections of
 * one revision, what makes them stale or drops them, the publish gate's codes, the approvals a
 * published version records, and actors shown by their token's name with its id beside.
 */
import type { LightMyRequestResponse } from "fastify";
import { beforeEach, describe, expect, it } from "vitest";
import type { Actor, AuditEvent, Draft, Review, Version, Workflow } from "../src/index.js";
import { GENESIS_HASH, chainHash } from "../src/core/audit-chain.js";
import { createServices } from "../src/services/strata-services.js";
import { useInProcessApi } from "./support/in-process-api.js";
import { ManualClock } from "./support/manual-clock.js";
import { openAfterOlderStrata } from "./support/older-database.js";
import { DIALECTS, createTestDatabase, uniqueTenant } from "./support/test-stores.js";

const tagged = (tag: string) => ({
  start: "done",
  nodes: { done: { type: "end", output: { tag: `'${tag}'` } } },
});

describe.each(DIALECTS)("reviews on %s", (dialect) => {
  const api = useInProcessApi(dialect);
  let ctx: Actor;
  /** Tokens by name: each is a person with a role. */
  let people: Record<"admin" | "ed" | "erin" | "rita" | "rob" | "pat", string>;

  beforeEach(async () => {
    ctx = { tenantId: uniqueTenant(), actor: "setup" };
    const token = async (role: string, name: string) =>
      (await api.services.tokens.create(ctx, { role, name })).token;
    people = {
      admin: await token("admin", "admin"),
      ed: await token("editor", "ed"),
      erin: await token("editor", "erin"),
      rita: await token("reviewer", "rita"),
      rob: await token("reviewer", "rob"),
      pat: await token("publisher", "pat"),
    };
  });

  function call(
    who: keyof typeof people,
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${people[who]}`, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  function ok<T>(response: LightMyRequestResponse, status = 200): T {
    expect(response.statusCode, response.body).toBe(status);
    return response.json<T>();
  }

  function problem(response: LightMyRequestResponse, status: number, code: string) {
    expect(response.statusCode, response.body).toBe(status);
    const body = response.json<{ code: string; detail: string; details?: unknown }>();
    expect(body.code).toBe(code);
    return { message: body.detail, details: body.details };
  }

  /** A workflow `key` with v1 live, a draft saved by `ed` (rev 2), and the policy given. */
  async function prepare(key: string, review?: { required: boolean; approvals?: number }) {
    ok(await call("ed", "POST", "/v1/workflows", { key, definition: tagged("one") }), 201);
    ok(await call("pat", "POST", `/v1/workflows/${key}/draft/publish`, { revision: 1 }), 201);
    if (review !== undefined)
      ok<Workflow>(await call("admin", "PUT", `/v1/workflows/${key}/policy`, { review }));
    ok(await call("ed", "POST", `/v1/workflows/${key}/draft`), 201);
    return ok<Draft>(
      await call(
        "ed",
        "PUT",
        `/v1/workflows/${key}/draft`,
        { definition: tagged("two") },
        {
          "if-match": '"1"',
        },
      ),
    );
  }

  const review = (
    who: keyof typeof people,
    key: string,
    body: { decision: string; revision: number; note?: string },
  ) => call(who, "POST", `/v1/workflows/${key}/draft/reviews`, body);
  const publish = (who: keyof typeof people, key: string, revision: number) =>
    call(who, "POST", `/v1/workflows/${key}/draft/publish`, { revision });
  const draftOf = async (key: string) =>
    ok<Draft>(await call("ed", "GET", `/v1/workflows/${key}/draft`));

  it("sets and shows the review policy (admin only), and checks its approvals", async () => {
    await prepare("policy");
    const set = ok<Workflow>(
      await call("admin", "PUT", "/v1/workflows/policy/policy", {
        review: { required: true, approvals: 2 },
      }),
    );
    expect(set.policy).toEqual({
      compatibility: "backward",
      review: { required: true, approvals: 2 },
    });
    problem(
      await call("pat", "PUT", "/v1/workflows/policy/policy", { review: { required: false } }),
      403,
      "forbidden",
    );
    problem(
      await call("admin", "PUT", "/v1/workflows/policy/policy", {
        review: { required: true, approvals: 6 },
      }),
      400,
      "validation_failed",
    );
    // Changing the compatibility mode keeps the review setting.
    const kept = ok<Workflow>(
      await call("admin", "PUT", "/v1/workflows/policy/policy", { compatibility: "none" }),
    );
    expect(kept.policy.review).toEqual({ required: true, approvals: 2 });
    const events = ok<{ items: AuditEvent[] }>(await call("admin", "GET", "/v1/audit")).items;
    expect(events.find((e) => e.action === "workflow.policy_changed")).toMatchObject({
      actor: "admin",
      actorTokenId: expect.stringMatching(/^tok_/) as unknown,
    });
  });

  it("blocks a publish until a reviewer who did not edit approves exactly that revision", async () => {
    const draft = await prepare("gate", { required: true });
    expect(draft.review).toMatchObject({
      required: true,
      approvals: 1,
      revision: 2,
      approvedBy: [],
      editors: ["ed"],
      publishable: false,
      blocked: { code: "approval_required" },
    });
    const blocked = problem(await publish("pat", "gate", 2), 409, "approval_required");
    expect(blocked.message).toContain("other than ed (who edited this draft)");
    expect(blocked.message).toContain("strata review approve gate --revision 2");

    ok<Review>(
      await review("ed", "gate", { decision: "request", revision: 2, note: "please" }),
      201,
    );
    // An editor may ask but not decide; the author may not approve even with the role.
    problem(await review("erin", "gate", { decision: "approve", revision: 2 }), 403, "forbidden");
    ok(await call("ed", "POST", "/v1/workflows", { key: "mine", definition: tagged("x") }), 201);
    problem(
      await review("rita", "gate", { decision: "approve", revision: 1 }),
      412,
      "revision_mismatch",
    );
    const approval = ok<Review>(
      await review("rita", "gate", { decision: "approve", revision: 2, note: "looks right" }),
      201,
    );
    expect(approval).toMatchObject({
      decision: "approve",
      revision: 2,
      actor: "rita",
      actorTokenId: expect.stringMatching(/^tok_/) as unknown,
      note: "looks right",
      stale: false,
    });
    expect((await draftOf("gate")).review).toMatchObject({ publishable: true, blocked: null });

    const published = ok<Version>(await publish("pat", "gate", 2), 201);
    expect(published.approvedBy).toEqual([{ actor: "rita", at: approval.at, note: "looks right" }]);
    expect(published.lastEditedBy).toBe("pat");
    const shown = ok<Version>(await call("ed", "GET", "/v1/workflows/gate/versions/2"));
    expect(shown.approvedBy).toEqual(published.approvedBy);
    const audit = ok<{ items: AuditEvent[] }>(await call("admin", "GET", "/v1/audit")).items;
    const actions = audit.map((event) => `${event.action} ${event.actor}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "review.requested ed",
        "review.approved rita",
        "version.published pat",
      ]),
    );
    const publishedEvent = audit.find(
      (event) => event.action === "version.published" && event.subjectId === published.id,
    );
    expect(publishedEvent?.after).toMatchObject({ approvedBy: published.approvedBy });
    expect(ok<{ ok: boolean }>(await call("admin", "GET", "/v1/audit/verify")).ok).toBe(true);
  });

  it("refuses an approval from anyone who edited the draft, even a publisher", async () => {
    await prepare("self", { required: true });
    ok(
      await call(
        "pat",
        "PUT",
        "/v1/workflows/self/draft",
        { definition: tagged("three") },
        {
          "if-match": '"2"',
        },
      ),
    );
    const refused = problem(
      await review("pat", "self", { decision: "approve", revision: 3 }),
      403,
      "self_approval",
    );
    expect(refused.details).toEqual({ actor: "pat", editors: ["ed", "pat"] });
    ok(await review("admin", "self", { decision: "approve", revision: 3 }), 201);
  });

  it("counts the draft's opener among its editors", async () => {
    ok(
      await call("ed", "POST", "/v1/workflows", { key: "opener", definition: tagged("one") }),
      201,
    );
    ok(await call("pat", "POST", "/v1/workflows/opener/draft/publish", { revision: 1 }), 201);
    const opened = ok<Draft>(await call("rob", "POST", "/v1/workflows/opener/draft"), 201);
    expect(opened.review.editors).toEqual(["rob"]);
    problem(
      await review("rob", "opener", { decision: "approve", revision: opened.revision }),
      403,
      "self_approval",
    );
    ok(await review("rita", "opener", { decision: "approve", revision: opened.revision }), 201);
  });

  it("makes approvals stale when the draft is saved again, and needs as many as the policy says", async () => {
    await prepare("stale", { required: true, approvals: 2 });
    ok(await review("rita", "stale", { decision: "approve", revision: 2 }), 201);
    ok(
      await call(
        "erin",
        "PUT",
        "/v1/workflows/stale/draft",
        { definition: tagged("2b") },
        {
          "if-match": '"2"',
        },
      ),
    );
    const stale = problem(await publish("pat", "stale", 3), 409, "approval_stale");
    expect(stale.message).toContain("needs 2 approvals of revision 3");
    const reviews = ok<Review[]>(await call("ed", "GET", "/v1/workflows/stale/draft/reviews"));
    expect(reviews.map((r) => [r.actor, r.revision, r.stale])).toEqual([["rita", 2, true]]);
    ok(await review("rita", "stale", { decision: "approve", revision: 3 }), 201);
    // Two approvals means two people: the same reviewer twice counts once.
    ok(await review("rita", "stale", { decision: "approve", revision: 3 }), 201);
    problem(await publish("pat", "stale", 3), 409, "approval_stale");
    ok(await review("rob", "stale", { decision: "approve", revision: 3 }), 201);
    const published = ok<Version>(await publish("pat", "stale", 3), 201);
    expect(published.approvedBy.map((a) => a.actor).sort()).toEqual(["rita", "rob"]);
  });

  it("lets a rejection of the current revision block the publish until a new revision", async () => {
    await prepare("reject", { required: true });
    problem(
      await review("rita", "reject", { decision: "reject", revision: 2 }),
      400,
      "validation_failed",
    );
    ok(await review("rob", "reject", { decision: "approve", revision: 2 }), 201);
    ok(
      await review("rita", "reject", { decision: "reject", revision: 2, note: "tag is wrong" }),
      201,
    );
    const blocked = problem(await publish("pat", "reject", 2), 409, "approval_required");
    expect(blocked.message).toContain('rejected by rita ("tag is wrong")');
    // Changing one's mind: the latest decision of a person counts.
    ok(await review("rita", "reject", { decision: "approve", revision: 2 }), 201);
    ok(await publish("pat", "reject", 2), 201);
  });

  it("counts a person's last decision by the order given, not by the clocks", async () => {
    await prepare("clocks", { required: true });
    // Two processes whose clocks disagree: the rejection is given last, stamped earlier.
    const clock = new ManualClock(Date.parse("2030-01-01T00:00:00.000Z"));
    const behind = createServices(api.store, { clock });
    const rob = { ...ctx, actor: "rob", actorTokenId: null };
    await behind.reviews.add(rob, "clocks", { decision: "approve", revision: 2 });
    clock.advance(-3_600_000);
    await behind.reviews.add(rob, "clocks", { decision: "reject", revision: 2, note: "no" });
    const state = (await draftOf("clocks")).review;
    expect(state.rejectedBy.map((r) => r.actor)).toEqual(["rob"]);
    expect(state.approvedBy).toEqual([]);
    problem(await publish("pat", "clocks", 2), 409, "approval_required");
  });

  it("drops the draft's reviews when it is reverted or discarded", async () => {
    await prepare("drop", { required: true });
    ok(await review("rita", "drop", { decision: "approve", revision: 2 }), 201);
    const reverted = ok<Draft>(await call("ed", "POST", "/v1/workflows/drop/draft/revert"));
    expect(reverted.review.approvedBy).toEqual([]);
    expect(ok<Review[]>(await call("ed", "GET", "/v1/workflows/drop/draft/reviews"))).toEqual([]);
    ok(await review("rob", "drop", { decision: "request", revision: reverted.revision }), 201);
    expect((await call("ed", "DELETE", "/v1/workflows/drop/draft")).statusCode).toBe(204);
    const count = await api.store.db
      .selectFrom("reviews")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("tenant_id", "=", ctx.tenantId)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    const audit = ok<{ items: AuditEvent[] }>(await call("admin", "GET", "/v1/audit")).items;
    expect(audit.find((e) => e.action === "draft.reverted")?.after).toMatchObject({
      reviewsDropped: 1,
    });
    expect(audit.find((e) => e.action === "draft.discarded")?.before).toMatchObject({
      reviewsDropped: 1,
    });
  });

  it("records approvals on a publish that did not need them, and publishes freely without a policy", async () => {
    await prepare("free");
    ok(await review("rob", "free", { decision: "approve", revision: 2 }), 201);
    const published = ok<Version>(await publish("pat", "free", 2), 201);
    expect(published.approvedBy.map((a) => a.actor)).toEqual(["rob"]);
    ok(await call("ed", "POST", "/v1/workflows/free/draft"), 201);
    ok(
      await call(
        "ed",
        "PUT",
        "/v1/workflows/free/draft",
        { definition: tagged("three") },
        { "if-match": '"1"' },
      ),
    );
    expect(ok<Version>(await publish("pat", "free", 2), 201).approvedBy).toEqual([]);
  });

  it("shows actors by their token's name, with the token's id beside it in the audit log", async () => {
    const draft = await prepare("names");
    expect(draft.createdBy).toBe("ed");
    expect(draft.lastEditedBy).toBe("ed");
    const unnamed = (await api.services.tokens.create(ctx, { role: "editor" })).token;
    const response = await api.app.inject({
      method: "PUT",
      url: "/v1/workflows/names/draft",
      headers: { authorization: `Bearer ${unnamed}`, "if-match": '"2"' },
      payload: { definition: tagged("three") },
    });
    const saved = ok<Draft>(response);
    expect(saved.lastEditedBy).toMatch(/^token:tok_/);
    const audit = ok<{ items: AuditEvent[] }>(await call("admin", "GET", "/v1/audit")).items;
    const saves = audit.filter((e) => e.action === "draft.saved");
    expect(saves.map((e) => e.actor)).toEqual(expect.arrayContaining(["ed", saved.lastEditedBy]));
    for (const event of saves) expect(event.actorTokenId).toMatch(/^tok_/);
    // Local (library) actors have no token.
    const created = audit.find((e) => e.action === "token.created");
    expect(created).toMatchObject({ actor: "setup", actorTokenId: null });
    problem(
      await call("admin", "POST", "/v1/tokens", { role: "editor", name: "token:tok_x" }),
      400,
      "validation_failed",
    );
    expect(ok<{ ok: boolean }>(await call("admin", "GET", "/v1/audit/verify")).ok).toBe(true);
  });
});

describe.each(DIALECTS)("migration 0011 on %s", (dialect) => {
  it("keeps tokens, the audit chain and open drafts, and takes the reviewer role", async () => {
    const database = await createTestDatabase(dialect);
    // An event as an older Strata chained it: no actorTokenId in its hash.
    const event = {
      id: "evt_1",
      seq: 1,
      at: "2026-01-01T00:00:00.000Z",
      actor: "token:tok_a",
      actorTokenId: null,
      action: "draft.saved",
      workflowId: "wf",
      subjectId: "d1",
      before: null,
      after: { revision: 2 },
    };
    const hash = chainHash(GENESIS_HASH, event);
    const store = await openAfterOlderStrata(dialect, database.location, 11, [
      `INSERT INTO workflows (tenant_id, id, key, name, status, created_at, created_by, updated_at)
       VALUES ('t', 'wf', 'flow', 'flow', 'active', '2026-01-01', 'a', '2026-01-01')`,
      `INSERT INTO versions (tenant_id, id, workflow_id, number, definition, hash, revision,
         created_at, created_by, updated_at, last_edited_by)
       VALUES ('t', 'd1', 'wf', NULL, '{"start":"done","nodes":{"done":{"type":"end"}}}', 'h1', 2, '2026-01-01',
         'ann', '2026-01-01', 'bob')`,
      `INSERT INTO tokens (tenant_id, id, role, name, secret_hash, created_at, created_by)
       VALUES ('t', 'tok_a', 'editor', NULL, 'x', '2026-01-01', 'a')`,
      // Edited before the upgrade by alice's token, which was recorded by its id then.
      `INSERT INTO workflows (tenant_id, id, key, name, status, created_at, created_by, updated_at)
       VALUES ('t', 'wf2', 'older', 'older', 'active', '2026-01-01', 'a', '2026-01-01')`,
      `INSERT INTO versions (tenant_id, id, workflow_id, number, definition, hash, revision,
         created_at, created_by, updated_at, last_edited_by)
       VALUES ('t', 'd2', 'wf2', NULL, '{"start":"done","nodes":{"done":{"type":"end"}}}', 'h2', 3,
         '2026-01-01', 'token:tok_b', '2026-01-01', 'token:tok_b')`,
      `INSERT INTO tokens (tenant_id, id, role, name, secret_hash, created_at, created_by)
       VALUES ('t', 'tok_b', 'publisher', 'alice', 'y', '2026-01-01', 'a')`,
      `INSERT INTO audit_events (tenant_id, seq, id, at, actor, action, workflow_id, subject_id,
         before, after, prev_hash, hash)
       VALUES ('t', 1, 'evt_1', '${event.at}', 'token:tok_a', 'draft.saved', 'wf', 'd1', 'null',
         '{"revision":2}', '${GENESIS_HASH}', '${hash}')`,
      `INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ('t', 1, '${hash}')`,
    ]);
    try {
      const services = createServices(store);
      const ctx = { tenantId: "t", actor: "root" };
      expect((await services.tokens.list(ctx)).map((t) => [t.id, t.role])).toEqual([
        ["tok_a", "editor"],
        ["tok_b", "publisher"],
      ]);
      // alice, now recorded by name, is still the token that edited it: no self-approval.
      await expect(
        services.reviews.add({ ...ctx, actor: "alice", actorTokenId: "tok_b" }, "older", {
          decision: "approve",
          revision: 3,
        }),
      ).rejects.toMatchObject({ code: "self_approval" });
      expect((await services.tokens.create(ctx, { role: "reviewer", name: "rita" })).role).toBe(
        "reviewer",
      );
      expect(await services.audit.verify(ctx)).toMatchObject({ ok: true, events: 2 });
      // A draft from before keeps its creator and last editor as its editors.
      const draft = await services.drafts.show(ctx, "flow");
      expect(draft.review.editors).toEqual(["ann", "bob"]);
      await expect(
        services.reviews.add({ ...ctx, actor: "bob" }, "flow", {
          decision: "approve",
          revision: 2,
        }),
      ).rejects.toMatchObject({ code: "self_approval" });
    } finally {
      await store.close();
      await database.cleanup();
    }
  });
});
