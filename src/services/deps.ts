/** What every service needs, and the one way services write. */
import type { Clock } from "../core/clock.js";
import { StrataError } from "../core/errors.js";
import type { Actor } from "../core/model.js";
import type { Store, StoreTransaction } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";

/** The services' dependencies: the store, the clock and the size limit of definitions. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  /** The largest definition stored, as canonical JSON bytes (default 256 KiB). */
  maxDefinitionBytes?: number;
}

/** Who is asking: every call names its tenant and actor. */
export type CallContext = Actor;

/**
 * Runs one change in one transaction (DESIGN.md: one transaction per change, nothing
 * half-written) and turns the database's own refusals into the codes the code would have
 * given: the constraints and triggers are a second line behind the checks in the services.
 */
export async function runChange<T>(
  deps: ServiceDeps,
  work: (trx: StoreTransaction, now: string) => Promise<T>,
): Promise<T> {
  const now = deps.clock.now().toISOString();
  try {
    return await deps.store.transaction((trx) => work(trx, now));
  } catch (error) {
    throw mapDatabaseError(error);
  }
}

/** Maps constraint and trigger failures to Strata errors; anything else passes through. */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof StrataError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("version_immutable")) {
    return new StrataError(
      "version_immutable",
      "a published version cannot be changed; open a draft from it instead",
      { cause: error },
    );
  }
  if (isUniqueViolation(error)) {
    if (
      /versions_one_draft|versions\.tenant_id, versions\.workflow_id$/.test(message) ||
      constraintOf(error) === "versions_one_draft"
    ) {
      return new StrataError(
        "draft_exists",
        "the workflow already has a draft; edit it, or discard it first",
        { cause: error },
      );
    }
    if (
      /workflows\.tenant_id, workflows\.key/.test(message) ||
      constraintOf(error) === "workflows_tenant_id_key_key"
    ) {
      return new StrataError(
        "workflow_exists",
        "a workflow with this key already exists; pick another key",
        { cause: error },
      );
    }
  }
  return error;
}

function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown }).constraint;
  return typeof constraint === "string" ? constraint : undefined;
}
