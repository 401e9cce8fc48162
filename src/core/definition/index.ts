/**
 * Workflow definitions (DESIGN.md §4): the format's types, parsing, validation, the canonical
 * hash and the change summary.
 */
export type {
  Definition,
  Duration,
  EndNode,
  Expression,
  ExpressionMap,
  FailNode,
  NodeBase,
  NodeDef,
  NodeId,
  NodeType,
  RetryPolicy,
  SetNode,
  SwitchCase,
  SwitchNode,
  TaskNode,
  WaitNode,
} from "./definition.js";
export { BUILTIN_HANDLERS, NODE_TYPES, TERMINAL_NODE_TYPES } from "./definition.js";
export type { DefinitionProblem, PathSegment, ProblemCode } from "./definition-problem.js";
export { formatPath } from "./definition-problem.js";
export { DURATION_PATTERN, isDuration, parseDuration } from "./duration.js";
export type { DefinitionFormat, SyntaxProblem } from "./parse-definition.js";
export { loadDefinitionFile, parseDefinitionText } from "./parse-definition.js";
export type { ValidateDefinitionOptions } from "./validate-definition.js";
export { assertValidDefinition, validateDefinition } from "./validate-definition.js";
export { compileInputSchema } from "./input-schema.js";
export type { ExpressionSite } from "./expression-problems.js";
export { expressionError, listExpressions } from "./expression-problems.js";
export type { NodeEdge } from "./node-edges.js";
export { listNodeEdges, nodeTypeOf } from "./node-edges.js";
export { loadDefinitionSchema } from "./schema-problems.js";
export { canonicalJson, hashDefinition } from "./canonical.js";
export { summarizeChanges } from "./summarize-changes.js";
