/**
 * The edges of the node graph: which fields of a node name another node. Validation, the
 * diff ("edges rewired") and the interpreter all walk the graph through this one place.
 */
import type { NodeType } from "./definition.js";
import { NODE_TYPES } from "./definition.js";
import type { PathSegment } from "./definition-problem.js";

/** One edge out of a node: where it is written within the node, and the node it names. */
export interface NodeEdge {
  /** The path within the node, for example `["next"]` or `["cases", 1, "next"]`. */
  field: PathSegment[];
  target: string;
}

/** The field each node type must have to leave the node (terminal types have none). */
const REQUIRED_EDGE: Partial<Record<NodeType, string>> = {
  set: "next",
  switch: "default",
  task: "next",
  wait: "next",
};

/** The known type of a node, or undefined when `node` is not an object of a known type. */
export function nodeTypeOf(node: unknown): NodeType | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const type = (node as { type?: unknown }).type;
  return NODE_TYPES.find((known) => known === type);
}

/**
 * The edges out of `node`, in field order. Tolerates malformed nodes: only fields the node's
 * type defines and that hold a string count, so a half-written node still shows its edges.
 */
export function listNodeEdges(node: unknown): NodeEdge[] {
  const type = nodeTypeOf(node);
  if (type === undefined) return [];
  const fields = node as Record<string, unknown>;
  const edges: NodeEdge[] = [];
  const add = (field: PathSegment[], target: unknown): void => {
    if (typeof target === "string") edges.push({ field, target });
  };
  if (type === "switch") {
    const cases = Array.isArray(fields.cases) ? (fields.cases as unknown[]) : [];
    cases.forEach((entry, index) => {
      if (entry !== null && typeof entry === "object") {
        add(["cases", index, "next"], (entry as Record<string, unknown>).next);
      }
    });
    add(["default"], fields.default);
  }
  if (type === "set" || type === "task" || type === "wait") add(["next"], fields.next);
  if (type === "task") add(["onError"], fields.onError);
  if (type === "wait") add(["onTimeout"], fields.onTimeout);
  return edges;
}

/**
 * Whether a node's way out is unknown because the node is malformed (not an object, an unknown
 * type, or its required edge missing). Graph checks give such a node the benefit of the doubt.
 */
export function isMalformedNode(node: unknown): boolean {
  const type = nodeTypeOf(node);
  if (type === undefined) return true;
  const required = REQUIRED_EDGE[type];
  return required !== undefined && typeof (node as Record<string, unknown>)[required] !== "string";
}
