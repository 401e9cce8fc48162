/**
 * The audit bundle (DESIGN.md §6, ADR 0004): what `strata audit export` writes so that an
 * auditor can check a tenant's audit log away from the database. It holds the events, the
 * chain's head as it was when they were read, and the definitions the events name by hash.
 * Checking one needs nothing but the bundle: {@link verifyAuditBundle} recomputes the chain
 * against the head, hashes every definition, and checks that each hash the events name is
 * either included or openly listed as `missing`.
 */
import { verifyChain } from "./audit-chain.js";
import type { ChainHead } from "./audit-chain.js";
import { hashDefinition } from "./definition/canonical.js";
import type { AuditEvent } from "./model.js";

/** The bundle's format marker: what the file is, and which layout of it. */
export const AUDIT_BUNDLE_FORMAT = "strata-audit-bundle/1";

/** A tenant's audit log with the definitions its events name. */
export interface AuditBundle {
  format: typeof AUDIT_BUNDLE_FORMAT;
  /** The tenant exported. Not covered by the chain: it labels the bundle, it proves nothing. */
  tenantId: string;
  /** When the export read the log (ISO-8601 UTC). Not covered by the chain either. */
  exportedAt: string;
  /** The chain's head when the export read it; `null` for a tenant without events. */
  head: ChainHead | null;
  /** Every event up to the head, in `seq` order, in the shape `GET /v1/audit` gives. */
  events: AuditEvent[];
  /** Definitions by hash: each one the events name that the database still held. */
  definitions: Record<string, unknown>;
  /**
   * The hashes the events name whose definitions the database no longer held (a draft saved
   * over, a draft discarded, a version deleted), in order of first mention: the auditor sees
   * exactly which definitions could not be checked.
   */
  missing: string[];
}

/** The outcome of verifying a bundle; a failure names the first problem found. */
export type BundleVerdict =
  | {
      ok: true;
      tenantId: string;
      exportedAt: string;
      events: number;
      headSeq: number;
      headHash: string;
      /** How many definitions were included, each matching its hash. */
      definitions: number;
      /** The hashes that could not be checked, as the bundle lists them. */
      missing: string[];
    }
  | {
      ok: false;
      events: number;
      /** The event at fault, or the first event naming the definition at fault; else null. */
      seq: number | null;
      eventId: string | null;
      /** The definition hash at fault, when the problem is a definition's. */
      definition: string | null;
      reason: string;
    };

/** A definition hash as {@link hashDefinition} writes it. */
const DEFINITION_HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * The definitions a tenant's events name, each with the first event that names it, in order
 * of first mention. An event names a definition by a `hash` field of its `before` or `after`
 * (ADR 0004: `workflow.created`, `draft.*`, `version.published`, `version.deleted`).
 */
export function definitionMentions(events: readonly AuditEvent[]): Map<string, AuditEvent> {
  const mentions = new Map<string, AuditEvent>();
  for (const event of events) {
    for (const side of [event.before, event.after]) {
      const hash = (side as { hash?: unknown } | null)?.hash;
      if (typeof hash === "string" && DEFINITION_HASH.test(hash) && !mentions.has(hash)) {
        mentions.set(hash, event);
      }
    }
  }
  return mentions;
}

/**
 * Checks a bundle offline: the chain of its events against its head (as `audit verify` does
 * on the database), that every included definition hashes to its key, and that the included
 * and the `missing` hashes together are exactly the hashes the events name, none twice.
 */
export function verifyAuditBundle(bundle: AuditBundle): BundleVerdict {
  const events = bundle.events.length;
  // Typed as the marker, but a bundle built in code (or cast from JSON) may still differ.
  const format: string = bundle.format;
  if (format !== AUDIT_BUNDLE_FORMAT) {
    return broken(bundle, null, null, `the format is ${format}, not ${AUDIT_BUNDLE_FORMAT}`);
  }
  const chain = verifyChain(bundle.events, bundle.head);
  if (!chain.ok) {
    const { seq, eventId, reason } = chain;
    return { ok: false, events, seq, eventId, definition: null, reason };
  }
  const problem = definitionProblem(bundle);
  if (problem !== null) return problem;
  return {
    ok: true,
    tenantId: bundle.tenantId,
    exportedAt: bundle.exportedAt,
    events,
    headSeq: chain.headSeq,
    headHash: chain.headHash,
    definitions: Object.keys(bundle.definitions).length,
    missing: bundle.missing,
  };
}

/** The first definition that is altered, unaccounted for, or accounted for twice. */
function definitionProblem(bundle: AuditBundle): BundleVerdict | null {
  const mentions = definitionMentions(bundle.events);
  const missing = new Set<string>();
  for (const hash of bundle.missing) {
    if (missing.has(hash)) return broken(bundle, hash, null, `${hash} is listed twice as missing`);
    missing.add(hash);
  }
  for (const [hash, event] of mentions) {
    const named = `definition ${hash}, named by event #${event.seq} (${event.action}),`;
    const included = Object.hasOwn(bundle.definitions, hash);
    if (included && missing.has(hash)) {
      return broken(bundle, hash, event, `${named} is both included and listed as missing`);
    }
    if (!included && !missing.has(hash)) {
      return broken(
        bundle,
        hash,
        event,
        `${named} is neither included nor listed as missing: it was removed from the bundle`,
      );
    }
    if (included) {
      const actual = hashOf(bundle.definitions[hash]);
      if (actual !== hash) {
        return broken(bundle, hash, event, `${named} was altered: its content hashes to ${actual}`);
      }
    }
  }
  for (const hash of [...Object.keys(bundle.definitions), ...missing]) {
    if (!mentions.has(hash)) {
      const where = missing.has(hash) ? "listed as missing" : "included";
      return broken(bundle, hash, null, `${hash} is ${where}, but no event names it`);
    }
  }
  return null;
}

/** A definition's hash, or why it has none (only a value JSON cannot hold has none). */
function hashOf(definition: unknown): string {
  try {
    return hashDefinition(definition);
  } catch (thrown) {
    return `nothing: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
  }
}

function broken(
  bundle: AuditBundle,
  definition: string | null,
  event: AuditEvent | null,
  reason: string,
): BundleVerdict {
  return {
    ok: false,
    events: bundle.events.length,
    seq: event?.seq ?? null,
    eventId: event?.id ?? null,
    definition,
    reason,
  };
}
