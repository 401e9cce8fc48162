/**
 * Graph checks of DESIGN.md §4: every edge names an existing node, every node is reachable
 * from `start`, and from every node some path reaches an `end` or a `fail`. Loops are allowed
 * as long as they have a way out. The checks run on whatever part of the graph is well-formed,
 * so one broken node does not hide the problems of the others.
 */
import { TERMINAL_NODE_TYPES } from "./definition.js";
import { problemAt } from "./definition-problem.js";
import type { DefinitionProblem } from "./definition-problem.js";
import { isMalformedNode, listNodeEdges, nodeTypeOf } from "./node-edges.js";

type Nodes = Record<string, unknown>;

/** Every graph problem of `def`: unknown targets, a missing start, unreachable and dead-end nodes. */
export function graphProblems(def: unknown): DefinitionProblem[] {
  if (def === null || typeof def !== "object") return [];
  const { nodes, start } = def as { nodes?: unknown; start?: unknown };
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) return [];
  const graph = nodes as Nodes;
  const problems = unknownTargetProblems(graph);
  if (typeof start === "string") {
    if (Object.hasOwn(graph, start)) problems.push(...unreachableProblems(graph, start));
    else {
      const message = `start names node '${start}', which does not exist`;
      problems.push(problemAt(["start"], "missing_start", message));
    }
  }
  problems.push(...deadEndProblems(graph));
  return problems;
}

function unknownTargetProblems(nodes: Nodes): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const [id, node] of Object.entries(nodes)) {
    for (const edge of listNodeEdges(node)) {
      if (Object.hasOwn(nodes, edge.target)) continue;
      const field = edge.field.filter((segment) => typeof segment === "string").join(".");
      const message = `'${field}' names node '${edge.target}', which does not exist`;
      problems.push(problemAt(["nodes", id, ...edge.field], "unknown_node", message));
    }
  }
  return problems;
}

function unreachableProblems(nodes: Nodes, start: string): DefinitionProblem[] {
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const { target } of listNodeEdges(nodes[id])) {
      if (Object.hasOwn(nodes, target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return Object.keys(nodes)
    .filter((id) => !reached.has(id))
    .map((id) =>
      problemAt(
        ["nodes", id],
        "unreachable",
        `node '${id}' cannot be reached from start '${start}'`,
      ),
    );
}

/**
 * Nodes from which no path reaches an exit. Exits are `end` and `fail` nodes, plus, to avoid
 * blaming the nodes before them, malformed nodes and nodes with an edge to a missing node
 * (those get their own problem).
 */
function deadEndProblems(nodes: Nodes): DefinitionProblem[] {
  const predecessors = new Map<string, string[]>();
  const escaped = new Set<string>();
  for (const [id, node] of Object.entries(nodes)) {
    const edges = listNodeEdges(node);
    const type = nodeTypeOf(node);
    const dangling = edges.some((edge) => !Object.hasOwn(nodes, edge.target));
    if ((type !== undefined && TERMINAL_NODE_TYPES.includes(type)) || dangling) escaped.add(id);
    if (isMalformedNode(node)) escaped.add(id);
    for (const { target } of edges) {
      const list = predecessors.get(target);
      if (list === undefined) predecessors.set(target, [id]);
      else list.push(id);
    }
  }
  const queue = [...escaped];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const before of predecessors.get(id) ?? []) {
      if (!escaped.has(before)) {
        escaped.add(before);
        queue.push(before);
      }
    }
  }
  return Object.keys(nodes)
    .filter((id) => !escaped.has(id))
    .map((id) =>
      problemAt(
        ["nodes", id],
        "no_terminal_path",
        `no path from node '${id}' reaches an end or fail node (a loop without a way out?)`,
      ),
    );
}
