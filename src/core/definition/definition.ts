/**
 * The workflow definition format of DESIGN.md §4 as TypeScript types. The JSON Schema in
 * `schema/definition.schema.json` is the authority: these types describe a definition that
 * {@link validateDefinition} accepted, and must change together with the schema.
 */

/** A JSONata expression, evaluated against the run's state. */
export type Expression = string;

/** The id of a node, a key of {@link Definition.nodes}. */
export type NodeId = string;

/** An ISO-8601 duration of fixed length, such as `PT30S` or `P1D` (see `parseDuration`). */
export type Duration = string;

/** State keys mapped to the expressions that compute them. */
export type ExpressionMap = Record<string, Expression>;

/** A complete workflow definition. */
export interface Definition {
  name?: string;
  description?: string;
  /** JSON Schema (draft 2020-12) a run's input must match. */
  inputSchema?: Record<string, unknown>;
  /** Expression over the input giving the sticky rollout key. */
  routingKey?: Expression;
  /** The node a run starts at. */
  start: NodeId;
  nodes: Record<NodeId, NodeDef>;
}

/** Fields every node may have. */
export interface NodeBase {
  description?: string;
}

/** Writes state keys, then moves on. */
export interface SetNode extends NodeBase {
  type: "set";
  assign: ExpressionMap;
  next: NodeId;
}

/** One branch of a {@link SwitchNode}: taken when `when` is truthy. */
export interface SwitchCase {
  when: Expression;
  next: NodeId;
}

/** Takes the first case whose condition holds, else `default`. */
export interface SwitchNode extends NodeBase {
  type: "switch";
  cases: SwitchCase[];
  default: NodeId;
}

/** How a failed task is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1–100). */
  maxAttempts: number;
  initialInterval?: Duration;
  /** Each interval is the previous one times this (≥ 1). */
  backoffCoefficient?: number;
  maximumInterval?: Duration;
}

/** Calls a handler; `assign` may read the handler's result as `$result`. */
export interface TaskNode extends NodeBase {
  type: "task";
  handler: string;
  input?: Expression | ExpressionMap;
  assign?: ExpressionMap;
  retry?: RetryPolicy;
  timeout?: Duration;
  next: NodeId;
  /** Taken when every attempt failed; without it the run fails. */
  onError?: NodeId;
}

/** Waits for a named signal and/or a timer; `assign` may read the payload as `$signal`. */
export interface WaitNode extends NodeBase {
  type: "wait";
  signal?: string;
  timeout?: Duration;
  /** Taken when the timeout elapses first; only allowed with `timeout`. */
  onTimeout?: NodeId;
  assign?: ExpressionMap;
  next: NodeId;
}

/** Completes the run with an optional output. */
export interface EndNode extends NodeBase {
  type: "end";
  output?: Expression | ExpressionMap;
}

/** Fails the run with an optional literal code and a message expression. */
export interface FailNode extends NodeBase {
  type: "fail";
  code?: string;
  message?: Expression;
}

/** Any node, discriminated by `type`. */
export type NodeDef = SetNode | SwitchNode | TaskNode | WaitNode | EndNode | FailNode;

/** The `type` of a node. */
export type NodeType = NodeDef["type"];

/** Every node type, in the order messages list them. */
export const NODE_TYPES: readonly NodeType[] = ["set", "switch", "task", "wait", "end", "fail"];

/** Node types that finish a run. */
export const TERMINAL_NODE_TYPES: readonly NodeType[] = ["end", "fail"];

/** Task handlers built into the engine, known whatever handlers the host registers. */
export const BUILTIN_HANDLERS: readonly string[] = ["http"];
