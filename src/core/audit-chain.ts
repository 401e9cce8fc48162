/**
 * The audit log's hash chain (DESIGN.md L14, §6). Each event's hash covers the previous
 * event's hash and the event's own canonical content, so editing, inserting or removing any
 * event breaks every hash after it; the tenant's head (last seq and hash) catches a removed tail.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./definition/canonical.js";
import type { AuditEvent } from "./model.js";

/** The `prevHash` of a tenant's first event. */
export const GENESIS_HASH = `sha256:${"0".repeat(64)}`;

/** The content of an event that its hash covers (everything but the hashes). */
export type AuditEventContent = Omit<AuditEvent, "prevHash" | "hash">;

/** The hash of an event chained to the one before it. */
export function chainHash(prevHash: string, content: AuditEventContent): string {
  const body = canonicalJson({
    id: content.id,
    seq: content.seq,
    at: content.at,
    actor: content.actor,
    // Only where set (issue 18): an event written before tokens had names hashes as it did.
    ...(content.actorTokenId === null || content.actorTokenId === undefined
      ? {}
      : { actorTokenId: content.actorTokenId }),
    action: content.action,
    workflowId: content.workflowId,
    subjectId: content.subjectId,
    before: content.before ?? null,
    after: content.after ?? null,
  });
  return `sha256:${createHash("sha256").update(prevHash).update("\n").update(body).digest("hex")}`;
}

/** The outcome of verifying a chain: the first bad event is named. */
export type ChainVerdict =
  | { ok: true; events: number; headSeq: number; headHash: string }
  | { ok: false; events: number; seq: number; eventId: string | null; reason: string };

/** The last event's position and hash, kept beside the chain. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Checks a tenant's events, in `seq` order, against each other and against the head.
 * Reports the first event that is missing, edited or out of place.
 */
export function verifyChain(events: readonly AuditEvent[], head: ChainHead | null): ChainVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    const bad = (reason: string): ChainVerdict => ({
      ok: false,
      events: events.length,
      seq: event.seq,
      eventId: event.id,
      reason,
    });
    if (event.seq !== expectedSeq) {
      return bad(`expected event #${expectedSeq} but found #${event.seq}: events were removed`);
    }
    if (event.prevHash !== prevHash) {
      return bad(`event #${event.seq} does not follow the event before it (prevHash differs)`);
    }
    if (chainHash(prevHash, event) !== event.hash) {
      return bad(`event #${event.seq} was edited: its content no longer matches its hash`);
    }
    prevHash = event.hash;
    expectedSeq += 1;
  }
  const lastSeq = expectedSeq - 1;
  if (head !== null && (head.seq !== lastSeq || head.hash !== prevHash)) {
    return {
      ok: false,
      events: events.length,
      seq: lastSeq + 1,
      eventId: null,
      reason: `the chain ends at #${lastSeq} but its head records #${head.seq}: events at the end were removed`,
    };
  }
  if (head === null && lastSeq > 0) {
    return {
      ok: false,
      events: events.length,
      seq: lastSeq,
      eventId: null,
      reason: "the chain's head record is missing",
    };
  }
  return { ok: true, events: events.length, headSeq: lastSeq, headHash: prevHash };
}
