/**
 * A definition's nodes and edges drawn as a graph (@xyflow/react). The edges come from the
 * same `listNodeEdges` that validation and the interpreter walk, so the picture cannot disagree
 * with what runs. Nodes are laid out in columns, each after every node that leads to it (loops
 * aside), so edges run left to right.
 */
import { Background, Controls, MarkerType, Position, ReactFlow } from "@xyflow/react";
import type { Edge, Node } from "@xyflow/react";
import { listNodeEdges, nodeTypeOf } from "../../../src/core/definition/node-edges";
import type { NodeEdge } from "../../../src/core/definition/node-edges";

const COLUMN = 260;
const ROW = 90;

/** Flow nodes and edges for a definition (tolerating a half-written draft). */
export function graphOf(
  definition: unknown,
  marks: Readonly<Record<string, string>> = {},
): { nodes: Node[]; edges: Edge[] } {
  const { start, nodes: byId } = (definition ?? {}) as { start?: unknown; nodes?: unknown };
  const entries =
    byId !== null && typeof byId === "object"
      ? Object.entries(byId as Record<string, unknown>)
      : [];
  const known = new Set(entries.map(([id]) => id));
  const outgoing = new Map(entries.map(([id, node]) => [id, listNodeEdges(node)]));
  const column = columnsFrom(typeof start === "string" ? start : undefined, known, outgoing);
  const last = Math.max(-1, ...column.values()) + 1;
  const rows = new Map<number, number>();
  const nodes: Node[] = entries.map(([id, node]) => {
    const x = column.get(id) ?? last;
    const y = rows.get(x) ?? 0;
    rows.set(x, y + 1);
    return {
      id,
      position: { x: x * COLUMN, y: y * ROW },
      // Columns run left to right, so edges leave on the right and arrive on the left.
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: { label: `${id} · ${nodeTypeOf(node) ?? "?"}` },
      className: [
        `node-${nodeTypeOf(node) ?? "unknown"}`,
        ...(id === start ? ["node-start"] : []),
        ...(marks[id] === undefined ? [] : [`mark-${marks[id]}`]),
      ].join(" "),
    };
  });
  const edges: Edge[] = entries.flatMap(([id, node]) =>
    (outgoing.get(id) ?? [])
      .filter((edge) => known.has(edge.target))
      .map((edge) => ({
        id: `${id}:${edge.field.join(".")}`,
        source: id,
        target: edge.target,
        label: edgeLabel(node, edge.field),
        markerEnd: { type: MarkerType.ArrowClosed },
      })),
  );
  return { nodes, edges };
}

/**
 * Each node's column: the longest path to it from `start` once the edges that close a loop are
 * set aside (found by a depth-first walk), so a node sits right of every node leading to it.
 * Nodes `start` never reaches get no column.
 */
function columnsFrom(
  start: string | undefined,
  known: ReadonlySet<string>,
  outgoing: ReadonlyMap<string, readonly NodeEdge[]>,
): Map<string, number> {
  const column = new Map<string, number>();
  if (start === undefined || !known.has(start)) return column;
  const forward = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const walk = (id: string): void => {
    state.set(id, "open");
    const targets: string[] = [];
    for (const { target } of outgoing.get(id) ?? []) {
      if (!known.has(target) || state.get(target) === "open") continue; // a loop's way back
      targets.push(target);
      if (!state.has(target)) walk(target);
    }
    forward.set(id, targets);
    state.set(id, "done");
  };
  walk(start);
  const incoming = new Map<string, number>();
  for (const targets of forward.values()) {
    for (const target of targets) incoming.set(target, (incoming.get(target) ?? 0) + 1);
  }
  const ready = [start];
  column.set(start, 0);
  for (let head = 0; head < ready.length; head++) {
    const id = ready[head] as string;
    for (const target of forward.get(id) ?? []) {
      column.set(target, Math.max(column.get(target) ?? 0, (column.get(id) ?? 0) + 1));
      const left = (incoming.get(target) ?? 0) - 1;
      incoming.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  return column;
}

/** A switch case shows its condition; other edges their field (`next` shows nothing). */
function edgeLabel(node: unknown, field: readonly (string | number)[]): string | undefined {
  if (field[0] === "cases" && typeof field[1] === "number") {
    const cases = (node as { cases?: Array<{ when?: unknown }> }).cases;
    const when = cases?.[field[1]]?.when;
    if (typeof when === "string") return when.length > 40 ? `${when.slice(0, 39)}…` : when;
  }
  return field[0] === "next" ? undefined : String(field[0]);
}

/** What a graph shows: the definition, and optionally a mark per node id. */
interface GraphProps {
  definition: unknown;
  /**
   * A word per node id, drawn as the node's class `mark-<word>` (styles.css): `visited` for a
   * run's trace, `added`, `changed` or `removed` for a diff, `current` for where a run stands.
   */
  marks?: Readonly<Record<string, string>>;
}

export function DefinitionGraph({ definition, marks }: GraphProps) {
  const { nodes, edges } = graphOf(definition, marks);
  return (
    <div className="graph" data-testid="graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        minZoom={0.2}
        nodesConnectable={false}
        nodesDraggable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
