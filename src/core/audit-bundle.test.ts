/**
 * The offline check of an audit bundle on hand-built bundles: the shape checks of
 * parseAuditBundle and the accounting of definitions that real exports never get wrong
 * (test/audit-export.test.ts tampers with real exports on both databases).
 */
import { describe, expect, it } from "vitest";
import { AUDIT_BUNDLE_FORMAT, definitionMentions, verifyAuditBundle } from "./audit-bundle.js";
import type { AuditBundle } from "./audit-bundle.js";
import { chainHash, GENESIS_HASH } from "./audit-chain.js";
import { hashDefinition } from "./definition/canonical.js";
import { isStrataError } from "./errors.js";
import type { AuditEvent } from "./model.js";
import { parseAuditBundle } from "./parse-audit-bundle.js";

const first = { start: "done", nodes: { done: { type: "end", output: {} } } };
const second = { ...first, description: "second" };
const h1 = hashDefinition(first);
const h2 = hashDefinition(second);

/** A chained log: a workflow created with `first`, its draft saved as `second`, a token. */
function events(): AuditEvent[] {
  const contents = [
    { action: "workflow.created", before: null, after: { key: "loan", hash: h1 } },
    { action: "draft.saved", before: { revision: 1, hash: h1 }, after: { revision: 2, hash: h2 } },
    { action: "token.created", before: null, after: { id: "tok_1", role: "viewer" } },
  ];
  let prevHash = GENESIS_HASH;
  return contents.map((content, index) => {
    const event = {
      id: `evt_${index + 1}`,
      seq: index + 1,
      at: "2025-01-01T00:00:00.000Z",
      actor: "ann",
      actorTokenId: index === 2 ? "tok_0" : null,
      workflowId: "wfl_1",
      subjectId: "wfl_1",
      ...content,
    };
    const hash = chainHash(prevHash, event);
    const chained = { ...event, prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

/** A bundle whose draft save was overwritten: `first` is missing, `second` included. */
function bundle(): AuditBundle {
  const log = events();
  const last = log[log.length - 1];
  return {
    format: AUDIT_BUNDLE_FORMAT,
    tenantId: "default",
    exportedAt: "2025-01-02T00:00:00.000Z",
    head: last === undefined ? null : { seq: last.seq, hash: last.hash },
    events: log,
    definitions: { [h2]: second },
    missing: [h1],
  };
}

/** The JSON round trip a file makes. */
function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

describe("definitionMentions", () => {
  it("finds the hashes in before and after, in order of first mention, with that event", () => {
    const mentions = definitionMentions(events());
    expect([...mentions.keys()]).toEqual([h1, h2]);
    expect(mentions.get(h1)?.seq).toBe(1);
    expect(mentions.get(h2)?.seq).toBe(2);
  });

  it("ignores hash fields that are not definition hashes", () => {
    const [event] = events();
    if (event === undefined) throw new Error("no event");
    expect(definitionMentions([{ ...event, after: { hash: "abc" } }]).size).toBe(0);
  });
});

describe("verifyAuditBundle", () => {
  it("passes an intact bundle and reports what it could not check", () => {
    expect(verifyAuditBundle(parseAuditBundle(roundTrip(bundle())))).toEqual({
      ok: true,
      tenantId: "default",
      exportedAt: "2025-01-02T00:00:00.000Z",
      events: 3,
      headSeq: 3,
      headHash: bundle().head?.hash,
      definitions: 1,
      missing: [h1],
    });
  });

  it("passes the bundle of a tenant without events", () => {
    const empty = { ...bundle(), head: null, events: [], definitions: {}, missing: [] };
    expect(verifyAuditBundle(parseAuditBundle(empty))).toMatchObject({
      ok: true,
      events: 0,
      headSeq: 0,
    });
  });

  it("fails a hash that is both included and listed as missing", () => {
    const both = { ...bundle(), definitions: { [h1]: first, [h2]: second } };
    expect(verifyAuditBundle(both)).toMatchObject({
      ok: false,
      seq: 1,
      definition: h1,
      reason: expect.stringMatching(/both included and listed as missing/) as unknown,
    });
  });

  it("fails a hash listed twice as missing", () => {
    expect(verifyAuditBundle({ ...bundle(), missing: [h1, h1] })).toMatchObject({
      ok: false,
      definition: h1,
      reason: expect.stringMatching(/listed twice/) as unknown,
    });
  });

  it("fails a definition or a missing hash that no event names", () => {
    const extra = { ...first, description: "never saved" };
    const stray = hashDefinition(extra);
    expect(
      verifyAuditBundle({ ...bundle(), definitions: { [h2]: second, [stray]: extra } }),
    ).toMatchObject({
      ok: false,
      seq: null,
      definition: stray,
      reason: `${stray} is included, but no event names it`,
    });
    expect(verifyAuditBundle({ ...bundle(), missing: [h1, stray] })).toMatchObject({
      ok: false,
      definition: stray,
      reason: `${stray} is listed as missing, but no event names it`,
    });
  });

  it("fails a bundle whose format marker differs", () => {
    const other = { ...bundle(), format: "strata-audit-bundle/0" } as unknown as AuditBundle;
    expect(verifyAuditBundle(other)).toMatchObject({
      ok: false,
      reason: `the format is strata-audit-bundle/0, not ${AUDIT_BUNDLE_FORMAT}`,
    });
  });
});

describe("parseAuditBundle", () => {
  it("reads a bundle from before tokens had names (no actorTokenId), and does not change it", () => {
    const old = roundTrip(bundle()) as { events: Array<Record<string, unknown>> };
    // Events without a token hash as before; drop the field as an older export had no such field.
    for (const event of old.events) if (event.actorTokenId === null) delete event.actorTokenId;
    const frozen = JSON.parse(JSON.stringify(old), (_key, value: unknown) =>
      typeof value === "object" && value !== null ? Object.freeze(value) : value,
    ) as unknown;
    const parsed = parseAuditBundle(frozen);
    expect(verifyAuditBundle(parsed)).toMatchObject({ ok: true });
  });

  /** The `validation_failed` error parsing `value` throws, as `{path, message}`. */
  function problem(value: unknown): { path: string; message: string } {
    try {
      parseAuditBundle(value);
    } catch (thrown) {
      if (!isStrataError(thrown, "validation_failed")) throw thrown;
      expect(thrown.message).toMatch(/^not a valid audit bundle: /);
      return (
        (thrown.details as Array<{ path: string; message: string }>)[0] ?? {
          path: "?",
          message: "?",
        }
      );
    }
    throw new Error("expected validation_failed");
  }

  it("refuses what is not a bundle of this format, saying what it is instead", () => {
    expect(problem([])).toEqual({ path: "", message: "an audit bundle is a JSON object" });
    expect(problem({ start: "a", nodes: {} })).toMatchObject({
      path: "format",
      message: expect.stringMatching(/not a Strata audit bundle .*strata audit export/) as unknown,
    });
    expect(problem({ ...bundle(), format: "strata-audit-bundle/2" })).toMatchObject({
      path: "format",
      message: expect.stringMatching(/strata-audit-bundle\/2, which this version/) as unknown,
    });
  });

  it("names the first field of the wrong type, and refuses unknown fields", () => {
    const b = roundTrip(bundle()) as { events: Array<Record<string, unknown>> };
    const withBadSeq = { ...b, events: b.events.map((e, i) => (i === 1 ? { ...e, seq: "2" } : e)) };
    expect(problem(withBadSeq)).toEqual({
      path: "events[1].seq",
      message: "must be a whole number, 0 or more",
    });
    const withoutActor = { ...b, events: b.events.map(({ actor: _actor, ...e }) => e) };
    expect(problem(withoutActor)).toEqual({ path: "events[0].actor", message: "is required" });
    expect(problem({ ...b, signature: "trust me" })).toEqual({
      path: "signature",
      message: "is not a field of the bundle format",
    });
    expect(problem({ ...b, events: b.events.map((e) => ({ ...e, note: "x" })) })).toMatchObject({
      path: "events[0].note",
    });
    expect(problem({ ...b, head: { seq: 3 } })).toMatchObject({ path: "head.hash" });
    expect(problem({ ...b, definitions: [] })).toMatchObject({ path: "definitions" });
    expect(problem({ ...b, missing: [1] })).toMatchObject({ path: "missing[0]" });
  });
});
