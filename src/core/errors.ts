/**
 * One small error taxonomy for all of Strata. Every failure a caller can act on is a
 * {@link StrataError} with a stable `code` (the API, the CLI and scripts rely on it), the HTTP
 * status it maps to, a message that says what to do next, optional structured `details`, and
 * the `cause` when it wraps another error.
 */

/** Every stable error code, with the HTTP status it maps to. */
export const ERROR_STATUS = {
  // generic
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  revision_mismatch: 412,
  internal: 500,
  // workflows
  workflow_exists: 409,
  workflow_deactivated: 409,
  no_live_version: 409,
  // drafts and versions (DESIGN.md §2)
  draft_exists: 409,
  version_immutable: 409,
  no_changes: 409,
  all_versions_retired: 409,
  version_live: 409,
  version_retired: 409,
  version_not_retired: 409,
  version_not_published: 409,
  version_has_runs: 409,
  definition_invalid: 422,
  schema_incompatible: 422,
  rollout_in_progress: 409,
  // review before publish (DESIGN.md §10, ADR 0015)
  approval_required: 409,
  approval_stale: 409,
  self_approval: 403,
  // routing (DESIGN.md §3)
  binding_exists: 409,
  // runs (DESIGN.md §4)
  input_invalid: 422,
  run_not_waiting: 409,
  run_finished: 409,
  run_event_unexpected: 409,
  idempotency_key_reused: 422,
  // replay, backtests and migrations (DESIGN.md §5)
  input_schema_drift: 422,
  adapter_failed: 422,
  // storage
  database_newer: 500,
  database_unavailable: 503,
  /** The database stopped answering while the process runs (a restart, a failover, a timeout). */
  store_unavailable: 503,
  // the CLI's remote mode and the HTTP client
  server_unreachable: 503,
  audit_broken: 500,
  /** `strata doctor`: run counters that differ from the runs. */
  run_counts_differ: 500,
} as const;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Options for {@link StrataError}. */
export interface StrataErrorOptions {
  /** Structured facts about the failure (for example every validation problem). */
  details?: unknown;
  /** The error this one wraps. */
  cause?: unknown;
}

/** A failure with a stable code, an HTTP status and a message that says what to do next. */
export class StrataError extends Error {
  override readonly name = "StrataError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
  }

  /** The serialisable form used by `--json` output and problem+json bodies. */
  toJSON(): { code: ErrorCode; status: number; message: string; details?: unknown } {
    return {
      code: this.code,
      status: this.status,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Whether `value` is a {@link StrataError}, optionally with the given code. */
export function isStrataError(value: unknown, code?: ErrorCode): value is StrataError {
  return value instanceof StrataError && (code === undefined || value.code === code);
}

/**
 * Normalises anything thrown into an `Error` once, at the catch site (the same idea as
 * graphile/worker's `coerceError`): strings and plain objects become messages, errors pass.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === "string") return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** Wraps an unexpected failure as `internal`, keeping the original as `cause`. */
export function toStrataError(thrown: unknown): StrataError {
  if (thrown instanceof StrataError) return thrown;
  const error = coerceError(thrown);
  return new StrataError("internal", `unexpected failure: ${error.message}`, { cause: error });
}
