/** Reading, verifying and exporting the audit log (DESIGN.md L14, §6). */
import { AUDIT_BUNDLE_FORMAT, definitionMentions } from "../core/audit-bundle.js";
import type { AuditBundle } from "../core/audit-bundle.js";
import { verifyChain } from "../core/audit-chain.js";
import type { ChainVerdict } from "../core/audit-chain.js";
import { StrataError } from "../core/errors.js";
import type { AuditEvent } from "../core/model.js";
import { listAuditRows, readAuditHead } from "../store/audit-rows.js";
import { findDefinitionsByHash } from "../store/version-rows.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { Page } from "./workflow-service.js";
import { workflowFilter } from "./workflow-service.js";

/** An audit cursor: the `seq` of the last event seen, a whole number an INTEGER column holds. */
function decodeSeq(cursor: string): number {
  const seq = Number(cursor);
  if (!/^\d{1,10}$/.test(cursor) || seq > 2_147_483_647) {
    throw new StrataError(
      "validation_failed",
      "invalid cursor; pass back the nextCursor of a previous page",
    );
  }
  return seq;
}

/** Audit operations. */
export class AuditService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Events in chain order, optionally of one workflow; the cursor is the last `seq` seen. */
  async list(
    ctx: CallContext,
    options: { workflow?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<AuditEvent>> {
    const db = this.deps.store.db;
    const workflowId = await workflowFilter(db, ctx.tenantId, options.workflow);
    const limit = options.limit ?? 100;
    const rows = await listAuditRows(db, ctx.tenantId, {
      limit: limit + 1,
      ...(workflowId === undefined ? {} : { workflowId }),
      ...(options.cursor === undefined ? {} : { afterSeq: decodeSeq(options.cursor) }),
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
    };
  }

  /** Recomputes the tenant's whole chain and names the first event that does not fit. */
  async verify(ctx: CallContext): Promise<ChainVerdict> {
    const db = this.deps.store.db;
    // The head first, then the events up to it: events appended meanwhile are not yet part
    // of the chain being checked, and would otherwise look like a removed tail.
    const head = await readAuditHead(db, ctx.tenantId);
    const events = await listAuditRows(db, ctx.tenantId, { uptoSeq: head?.seq ?? 0 });
    return verifyChain(events, head);
  }

  /**
   * The tenant's whole log as a bundle an auditor can verify offline (`verifyAuditBundle`):
   * the head, every event up to it, and the definitions the events name, with the hashes
   * whose definitions are no longer stored listed as `missing`. All of it is read from one
   * snapshot, so the definitions are those stored when the head was.
   */
  async export(ctx: CallContext): Promise<AuditBundle> {
    const exportedAt = this.deps.clock.now().toISOString();
    return this.deps.store.readSnapshot(async (db) => {
      // The head first, then the events up to it, as verify reads them.
      const head = await readAuditHead(db, ctx.tenantId);
      const events = await listAuditRows(db, ctx.tenantId, { uptoSeq: head?.seq ?? 0 });
      const hashes = [...definitionMentions(events).keys()];
      const stored = await findDefinitionsByHash(db, ctx.tenantId, hashes);
      const definitions: Record<string, unknown> = {};
      const missing: string[] = [];
      for (const hash of hashes) {
        const text = stored.get(hash);
        if (text === undefined) missing.push(hash);
        else definitions[hash] = JSON.parse(text) as unknown;
      }
      return {
        format: AUDIT_BUNDLE_FORMAT,
        tenantId: ctx.tenantId,
        exportedAt,
        head,
        events,
        definitions,
        missing,
      };
    });
  }
}
