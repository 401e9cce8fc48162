/**
 * The audit export (DESIGN.md §6) on both databases: a realistic history exported as a bundle
 * holds every event, the head, each definition the database still has and the hashes it no
 * longer has; the bundle verifies offline, and each kind of tampering fails it with its reason.
 * Also the export over HTTP, and the store's snapshot read it relies on.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import {
  AUDIT_BUNDLE_FORMAT,
  hashDefinition,
  parseAuditBundle,
  Strata,
  verifyAuditBundle,
} from "../src/index.js";
import type { AuditBundle, BundleVerdict } from "../src/index.js";
import { readAuditHead } from "../src/store/audit-rows.js";
import { openStore } from "../src/store/open-store.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** A valid one-step definition, told apart by its description. */
function flow(label: string): object {
  return {
    description: label,
    start: "done",
    nodes: { done: { type: "end", output: { label: `'${label}'` } } },
  };
}
const hash = (label: string): string => hashDefinition(flow(label));

/** The JSON round trip of a file, giving a copy to tamper with. */
function copy(bundle: AuditBundle): AuditBundle {
  return JSON.parse(JSON.stringify(bundle)) as AuditBundle;
}

/** Verifies a bundle as an auditor would: from its JSON text. */
function verify(bundle: AuditBundle): BundleVerdict {
  return verifyAuditBundle(parseAuditBundle(JSON.parse(JSON.stringify(bundle)) as unknown));
}

/**
 * Two workflows' worth of history. `loan`: created with a, saved as b then c, published (v1),
 * a draft saved as d and published (v2), v1 retired, a token made, and a draft e left open.
 * `offer`: x published, y published, x retired and deleted. Kept: c, d, e, y. Gone: a and b
 * (saved over), x (deleted).
 */
async function realisticHistory(strata: Strata): Promise<void> {
  await strata.workflows.create({ key: "loan", definition: flow("a") });
  await strata.drafts.save("loan", { definition: flow("b"), revision: 1 });
  await strata.drafts.save("loan", { definition: flow("c"), revision: 2 });
  await strata.drafts.publish("loan", { description: "first" });
  await strata.drafts.open("loan");
  await strata.drafts.save("loan", { definition: flow("d"), revision: 1 });
  await strata.drafts.publish("loan", { description: "second" });
  await strata.versions.retire("loan", 1);
  await strata.tokens.create({ role: "viewer", name: "auditor" });
  await strata.drafts.open("loan");
  await strata.drafts.save("loan", { definition: flow("e"), revision: 1 });
  await strata.workflows.create({ key: "offer", definition: flow("x") });
  await strata.drafts.publish("offer");
  await strata.drafts.open("offer");
  await strata.drafts.save("offer", { definition: flow("y"), revision: 1 });
  await strata.drafts.publish("offer");
  await strata.versions.retire("offer", 1);
  await strata.versions.delete("offer", 1);
}

describe.each(DIALECTS)("audit export on %s", (dialect) => {
  let store: Store;
  let database: TestDatabase;
  let close: () => Promise<void>;
  let strata: Strata;
  let bundle: AuditBundle;

  beforeAll(async () => {
    ({ store, database, close } = await openTestStore(dialect));
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "alice" });
    await realisticHistory(strata);
    bundle = await strata.audit.export();
  });
  afterAll(() => close());

  it("holds every event up to the head, as the audit list gives them", async () => {
    const listed = await strata.audit.list({ limit: 1000 });
    expect(listed.nextCursor).toBeNull();
    expect(bundle.events).toEqual(listed.items);
    expect(bundle.events.map((event) => event.action)).toContain("token.created");
    const verdict = await strata.audit.verify();
    expect(verdict.ok && { seq: verdict.headSeq, hash: verdict.headHash }).toEqual(bundle.head);
    expect(bundle).toMatchObject({
      format: AUDIT_BUNDLE_FORMAT,
      tenantId: strata.context.tenantId,
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it("includes the definitions still stored and lists the others as missing", () => {
    expect(Object.keys(bundle.definitions).sort()).toEqual(
      [hash("c"), hash("d"), hash("e"), hash("y")].sort(),
    );
    expect(bundle.definitions[hash("d")]).toEqual(flow("d"));
    // In order of first mention: created with a, saved as b, x deleted.
    expect(bundle.missing).toEqual([hash("a"), hash("b"), hash("x")]);
  });

  it("verifies offline, reporting what it could not check", () => {
    expect(verify(bundle)).toEqual({
      ok: true,
      tenantId: strata.context.tenantId,
      exportedAt: bundle.exportedAt,
      events: bundle.events.length,
      headSeq: bundle.head?.seq,
      headHash: bundle.head?.hash,
      definitions: 4,
      missing: [hash("a"), hash("b"), hash("x")],
    });
  });

  it("fails an edited event, naming it", () => {
    const tampered = copy(bundle);
    const third = tampered.events[2];
    if (third === undefined) throw new Error("too few events");
    third.actor = "mallory";
    expect(verify(tampered)).toMatchObject({
      ok: false,
      seq: 3,
      eventId: third.id,
      reason: "event #3 was edited: its content no longer matches its hash",
    });
  });

  it("fails an edit whose event hash was recomputed, at the event after it", () => {
    const tampered = copy(bundle);
    const [, second] = tampered.events;
    if (second === undefined) throw new Error("too few events");
    second.after = { revision: 2, hash: hash("forged") };
    expect(verify(tampered)).toMatchObject({ ok: false, seq: 2 });
  });

  it("fails a dropped event in the middle", () => {
    const tampered = copy(bundle);
    tampered.events.splice(3, 1);
    expect(verify(tampered)).toMatchObject({
      ok: false,
      seq: 5,
      reason: "expected event #4 but found #5: events were removed",
    });
  });

  it("fails a dropped tail against the head", () => {
    const tampered = copy(bundle);
    tampered.events.pop();
    const last = bundle.events.length;
    expect(verify(tampered)).toMatchObject({
      ok: false,
      seq: last,
      eventId: null,
      reason: `the chain ends at #${last - 1} but its head records #${last}: events at the end were removed`,
    });
  });

  it("fails a changed head", () => {
    const tampered = copy(bundle);
    if (tampered.head === null) throw new Error("no head");
    tampered.head.hash = `sha256:${"f".repeat(64)}`;
    expect(verify(tampered)).toMatchObject({ ok: false, eventId: null });
  });

  it("fails a changed definition, naming its hash and the event that first names it", () => {
    const tampered = copy(bundle);
    const d = tampered.definitions[hash("d")] as { description: string };
    d.description = "d, quietly changed";
    const naming = bundle.events.find(
      (event) => (event.after as { hash?: string } | null)?.hash === hash("d"),
    );
    expect(verify(tampered)).toMatchObject({
      ok: false,
      seq: naming?.seq,
      eventId: naming?.id,
      definition: hash("d"),
      reason: `definition ${hash("d")}, named by event #${naming?.seq} (draft.saved), was altered: its content hashes to ${hashDefinition({ ...flow("d"), description: "d, quietly changed" })}`,
    });
  });

  it("fails a definition removed without being listed as missing", () => {
    const tampered = copy(bundle);
    delete tampered.definitions[hash("y")];
    expect(verify(tampered)).toMatchObject({
      ok: false,
      definition: hash("y"),
      reason: expect.stringMatching(
        /is neither included nor listed as missing: it was removed from the bundle$/,
      ) as unknown,
    });
  });

  it("shows a definition moved to missing as not checked, never as checked", () => {
    const tampered = copy(bundle);
    delete tampered.definitions[hash("y")];
    tampered.missing.push(hash("y"));
    expect(verify(tampered)).toMatchObject({
      ok: true,
      definitions: 3,
      missing: [hash("a"), hash("b"), hash("x"), hash("y")],
    });
  });

  it("carries reviews and named actors with their tokens, and fails an edited actorTokenId", async () => {
    // A reviewed publish in a tenant of its own, its people speaking with tokens (issue 18).
    const services = strata.serviceLayer;
    const tenantId = uniqueTenant();
    const ann = { tenantId, actor: "ann", actorTokenId: "tok_ann" };
    const rita = { tenantId, actor: "rita", actorTokenId: "tok_rita" };
    await services.workflows.create(ann, { key: "loan", definition: flow("r1") });
    await services.workflows.setPolicy(ann, "loan", { review: { required: true } });
    await services.reviews.add(rita, "loan", { decision: "approve", revision: 1, note: "ok" });
    await services.publisher.publish(ann, "loan", { revision: 1 });
    const reviewed = await services.audit.export(ann);
    const published = reviewed.events.find((event) => event.action === "version.published");
    expect(published).toMatchObject({
      actor: "ann",
      actorTokenId: "tok_ann",
      after: { approvedBy: [{ actor: "rita", note: "ok" }] },
    });
    expect(reviewed.events.find((e) => e.action === "review.approved")).toMatchObject({
      actor: "rita",
      actorTokenId: "tok_rita",
    });
    expect(verify(reviewed)).toMatchObject({ ok: true });
    const tampered = copy(reviewed);
    const event = tampered.events.find((e) => e.action === "review.approved");
    if (event !== undefined) event.actorTokenId = "tok_ann";
    expect(verify(tampered)).toMatchObject({ ok: false });
  });

  it("exports over HTTP for a viewer of the tenant, and nothing of another tenant", async () => {
    const app: FastifyInstance = await createApp({ services: strata.serviceLayer, rateLimit: 0 });
    try {
      const viewer = (await strata.tokens.create({ role: "viewer" })).token;
      const expected = await strata.audit.export();
      const response = await app.inject({
        method: "GET",
        url: "/v1/audit/export",
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect(response.statusCode, response.body).toBe(200);
      const served = response.json<AuditBundle>();
      expect({ ...served, exportedAt: expected.exportedAt }).toEqual(expected);
      expect(verify(served)).toMatchObject({ ok: true, definitions: 4 });

      const stranger = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "eve" });
      const strangerToken = (await stranger.tokens.create({ role: "admin" })).token;
      const theirs = await app.inject({
        method: "GET",
        url: "/v1/audit/export",
        headers: { authorization: `Bearer ${strangerToken}` },
      });
      expect(theirs.json<AuditBundle>()).toMatchObject({
        tenantId: stranger.context.tenantId,
        events: [{ seq: 1, action: "token.created" }],
        definitions: {},
        missing: [],
      });
    } finally {
      await app.close();
    }
  });

  it("reads from one snapshot: a commit made meanwhile elsewhere is not seen", async () => {
    // Another connection to the same database stands for another process or request.
    const other = await openStore(database.location);
    try {
      const tenantId = strata.context.tenantId;
      const writer = Strata.fromStore(other, { tenant: tenantId, actor: "bob" });
      const [before, during] = await store.readSnapshot(async (db) => {
        const first = await readAuditHead(db, tenantId);
        await writer.tokens.create({ role: "viewer" });
        return [first, await readAuditHead(db, tenantId)];
      });
      expect(during).toEqual(before);
      expect((await readAuditHead(store.db, tenantId))?.seq).toBe((before?.seq ?? 0) + 1);
    } finally {
      await other.close();
    }
  });
});
