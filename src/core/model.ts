/**
 * The objects of DESIGN.md §1 as the library, the API and the CLI show them. Field names are
 * part of the public contract (DESIGN.md §7): scripts and other tools rely on them.
 */

/** A version's state, computed from `publishedAt` and `retiredAt`, never stored. */
export type VersionState = "draft" | "published" | "retired";

/** Whether a workflow accepts new production runs. */
export type WorkflowStatus = "active" | "deactivated";

/** Whether a run counts as production or is a test (DESIGN.md L13). */
export type RunKind = "production" | "test";

/** Where a run is in its life. `running` and `waiting` are in flight. */
export type RunStatus = "running" | "waiting" | "completed" | "failed" | "cancelled";

/** The statuses of a run still in flight. */
export const OPEN_RUN_STATUSES: readonly RunStatus[] = ["running", "waiting"];

/** Who does something, in which tenant. Every change is attributed to an actor. */
export interface Actor {
  tenantId: string;
  /** A user name, `token:<id>`, or a system component such as `guard`. */
  actor: string;
}

/** A named, tenant-owned workflow. */
export interface Workflow {
  id: string;
  key: string;
  name: string;
  status: WorkflowStatus;
  /** The number of the version on the live route, or null when the route is empty. */
  liveVersion: number | null;
  /** LATEST: the highest published, non-retired version number, computed on read. */
  latestVersion: number | null;
  /** The revision of the open draft, or null when there is none. */
  draftRevision: number | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** Run counts of one version, by kind and then by status (only non-zero statuses appear). */
export type RunCounts = Record<RunKind, Partial<Record<RunStatus, number>>>;

/** One snapshot of a workflow's definition. */
export interface Version {
  id: string;
  workflowId: string;
  /** Null while the version is a draft: numbers are assigned at publish. */
  number: number | null;
  state: VersionState;
  /** Whether new production runs are routed to this version. */
  live: boolean;
  definition: unknown;
  /** `sha256:` of the canonical definition. */
  hash: string;
  description: string | null;
  summary: string | null;
  /** The number of the version this one was opened from ("restored from vK"), if any. */
  baseVersion: number | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  lastEditedBy: string;
  publishedAt: string | null;
  retiredAt: string | null;
  runCounts: RunCounts;
  /** Runs still in flight on this version. */
  openRuns: number;
  /** True when no run is in flight: a retired, drained version can go without harm. */
  drained: boolean;
}

/** A validation problem, reported with its node and field. */
export interface DefinitionProblemView {
  path: string;
  node?: string;
  field?: string;
  code: string;
  message: string;
}

/** The workflow's one draft: a version without a number, plus editing metadata. */
export interface Draft extends Version {
  /** Bumped by every save; a save or publish must name the revision it edits. */
  revision: number;
  /** The number the draft will get when published. */
  nextNumber: number;
  /** Validation problems; a draft may be invalid while it is edited (L5). */
  problems: DefinitionProblemView[];
}

/** How a run was routed to its version (DESIGN.md §3, L12). */
export interface RunRoute {
  /** What the start asked for: `live`, `latest`, a number as text, or `draft`. */
  selector: string;
  rolloutId?: string;
  bucket?: number;
  binding?: string;
}

/** Why a run failed or was cancelled: data, not an exception. */
export interface RunError {
  code: string;
  message: string;
  node?: string;
  details?: unknown;
}

/** One execution of one version, bound to it for life. */
export interface Run {
  id: string;
  workflowId: string;
  versionId: string;
  /** Null for a run of the draft. */
  versionNumber: number | null;
  kind: RunKind;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: RunError | null;
  route: RunRoute;
  routingKey: string | null;
  /** What a waiting run waits for; null otherwise. */
  waitingFor: { signal?: string; deadline?: string } | null;
  /** A running run's next task, with its attempt; null otherwise. */
  pendingTask: { node: string; handler: string; attempt: number; notBefore?: string } | null;
  /** Every step, in order (see the interpreter's TraceEntry). */
  trace: unknown[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

/** One append-only, hash-chained record of a change. */
export interface AuditEvent {
  id: string;
  /** Position in the tenant's chain: 1, 2, 3… */
  seq: number;
  at: string;
  actor: string;
  /** What happened, as `object.verb`, for example `version.published`. */
  action: string;
  workflowId: string | null;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}
