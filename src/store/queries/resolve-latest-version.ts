/**
 * LATEST (DESIGN.md §3): the highest-numbered published, non-retired version, computed at
 * request time and never stored, so a publish or a retire takes effect for the very next
 * request. The UNIQUE (tenant_id, workflow_id, number) index serves it: the database walks the
 * workflow's numbers from the top and stops at the first published, non-retired one, so the
 * cost does not grow with the number of versions unless the newest ones are all retired.
 */
import type { Executor } from "../workflow-rows.js";
import type { VersionRow } from "../version-rows.js";

/** The LATEST version of a workflow, or undefined when none is published and not retired. */
export async function resolveLatestVersion(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<VersionRow | undefined> {
  return q
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("number", "is not", null)
    .where("published_at", "is not", null)
    .where("retired_at", "is", null)
    .orderBy("number", "desc")
    .limit(1)
    .executeTakeFirst();
}
