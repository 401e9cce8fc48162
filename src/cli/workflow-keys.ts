/** Workflow keys for tables that hold workflow ids (audit events, runs): people read keys. */
import type { StrataBackend } from "./backend.js";

/**
 * The keys of the workflows `ids` name, each looked up once; an id that cannot be found
 * (deleted, or another tenant's) is left out, so the table shows the id instead.
 */
export async function workflowKeys(
  backend: StrataBackend,
  ids: Iterable<string | null>,
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (id === null) continue;
    const workflow = await backend.workflows.show(id).catch(() => undefined);
    if (workflow !== undefined) keys.set(id, workflow.key);
  }
  return keys;
}
