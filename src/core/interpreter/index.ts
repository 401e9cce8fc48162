/**
 * The pure interpreter of DESIGN.md §4: compiling a definition, the run snapshot, events and
 * trace, and `advance`, which decides a run's next steps without clock, randomness or I/O.
 */
export type { CompiledDefinition, CompiledDefinitionCache } from "./compile-definition.js";
export { compileDefinition, compiledDefinitionCache } from "./compile-definition.js";
export type { ExpressionContext, ExpressionSite } from "./expressions.js";
export {
  ExpressionFailure,
  evaluateCondition,
  evaluateExpression,
  evaluateMap,
  evaluateShape,
  evaluateValue,
} from "./expressions.js";
export { advance, initialSnapshot, isWaitingFor, isWaitingForTimer } from "./interpreter.js";
export { toJsonValue } from "./json-value.js";
export { RETRY_DEFAULTS, maxAttempts, retryDelayMs } from "./retry-delay.js";
export type { RunEnv, RunEvent, RunInfo } from "./run-event.js";
export { DEFAULT_STEP_LIMIT } from "./run-event.js";
export type {
  HandledTaskError,
  Pending,
  PendingTask,
  PendingWait,
  RunFailure,
  RunSnapshot,
  SnapshotStatus,
  TaskError,
} from "./run-snapshot.js";
export { RUN_FAILURE_CODES } from "./run-snapshot.js";
export type { RandomSource } from "./seeded-random.js";
export { createRandomSource, randomAt, seedFromRunId } from "./seeded-random.js";
export { toBoolean } from "./to-boolean.js";
export type { Advance, TraceEntry } from "./trace-entry.js";
