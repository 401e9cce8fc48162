/**
 * Inserts a finished run row directly, for lifecycle tests that only need a version to have
 * runs (L10) without executing anything.
 */
import type { Version } from "../../src/core/model.js";
import type { Store } from "../../src/store/store.js";

/** Adds a completed run of `version` and returns its id. */
export async function insertFinishedRun(
  store: Store,
  tenantId: string,
  version: Version,
  kind: "production" | "test" = "test",
): Promise<string> {
  const id = `run_${Math.random().toString(36).slice(2)}`;
  const now = new Date().toISOString();
  await store.db
    .insertInto("runs")
    .values({
      tenant_id: tenantId,
      id,
      workflow_id: version.workflowId,
      version_id: version.number === null ? null : version.id,
      draft_id: version.number === null ? version.id : null,
      version_number: version.number,
      kind,
      status: "completed",
      input: "{}",
      output: "{}",
      error: null,
      route: '{"selector":"test"}',
      routing_key: null,
      definition_hash: version.hash,
      draft_definition: version.number === null ? JSON.stringify(version.definition) : null,
      snapshot: "{}",
      trace: "[]",
      wait_signal: null,
      due_at: null,
      lease_owner: null,
      lease_until: null,
      idempotency_key: null,
      request_hash: null,
      created_by: "test",
      created_at: now,
      updated_at: now,
      ended_at: now,
    })
    .execute();
  return id;
}
