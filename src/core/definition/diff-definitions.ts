/**
 * The structural diff of two definitions (DESIGN.md §6): top-level fields, nodes added,
 * removed and changed (per field, down to the leaf that changed: `cases[0].when`,
 * `retry.maxAttempts`), edges rewired, and input-schema changes with what each breaks. The
 * stored one-line summary (summarize-changes.ts) names what changed; this says how.
 * Definitions may be drafts, so every field is read defensively.
 */
import { jsonChanges } from "./json-equal.js";
import type { FieldChange } from "./json-equal.js";
import { listNodeEdges, nodeTypeOf } from "./node-edges.js";
import { compareInputSchemas } from "./schema-compat.js";
import type { SchemaChange } from "./schema-compat.js";

export type { FieldChange } from "./json-equal.js";

/** An edge whose target changed, appeared or went away. */
export interface EdgeChange {
  /** The node the edge leaves. */
  from: string;
  /** Where the edge is written in that node: `next`, `cases[1].next`, `onError`… */
  field: string;
  before: string | null;
  after: string | null;
}

/** Everything that differs between two definitions. */
export interface DefinitionDiff {
  identical: boolean;
  /** Top-level fields other than `nodes` and `inputSchema`: `start`, `name`, `routingKey`… */
  fields: FieldChange[];
  nodes: {
    added: Array<{ id: string; type: string | null }>;
    removed: Array<{ id: string; type: string | null }>;
    changed: Array<{ id: string; type: string | null; fields: FieldChange[] }>;
  };
  edges: EdgeChange[];
  inputSchema: SchemaChange[];
}

type Fields = Record<string, unknown>;

/** The diff from `before` to `after`. */
export function diffDefinitions(before: unknown, after: unknown): DefinitionDiff {
  const a = asFields(before);
  const b = asFields(after);
  const fields = jsonChanges(omit(a, ["nodes", "inputSchema"]), omit(b, ["nodes", "inputSchema"]));
  const beforeNodes = asFields(a.nodes);
  const afterNodes = asFields(b.nodes);
  const ids = [...new Set([...Object.keys(beforeNodes), ...Object.keys(afterNodes)])].sort();
  const nodes: DefinitionDiff["nodes"] = { added: [], removed: [], changed: [] };
  const edges: EdgeChange[] = [];
  for (const id of ids) {
    const had = Object.hasOwn(beforeNodes, id);
    const has = Object.hasOwn(afterNodes, id);
    const oldNode = beforeNodes[id];
    const newNode = afterNodes[id];
    if (!had) nodes.added.push({ id, type: nodeTypeOf(newNode) ?? null });
    else if (!has) nodes.removed.push({ id, type: nodeTypeOf(oldNode) ?? null });
    else {
      const changed = jsonChanges(asFields(oldNode), asFields(newNode));
      if (changed.length > 0) {
        nodes.changed.push({
          id,
          type: nodeTypeOf(newNode) ?? nodeTypeOf(oldNode) ?? null,
          fields: changed,
        });
      }
    }
    edges.push(...edgeChanges(id, had ? oldNode : undefined, has ? newNode : undefined));
  }
  const inputSchema = compareInputSchemas(a.inputSchema, b.inputSchema);
  return {
    identical:
      fields.length === 0 &&
      nodes.added.length === 0 &&
      nodes.removed.length === 0 &&
      nodes.changed.length === 0 &&
      inputSchema.length === 0 &&
      JSON.stringify(a.inputSchema ?? null) === JSON.stringify(b.inputSchema ?? null),
    fields,
    nodes,
    edges,
    inputSchema,
  };
}

/** Edges of one node, before and after, matched by where they are written. */
function edgeChanges(id: string, before: unknown, after: unknown): EdgeChange[] {
  const index = (node: unknown) =>
    new Map(listNodeEdges(node).map((edge) => [fieldPath(edge.field), edge.target]));
  const old = index(before);
  const next = index(after);
  const changes: EdgeChange[] = [];
  for (const field of new Set([...old.keys(), ...next.keys()])) {
    const was = old.get(field) ?? null;
    const is = next.get(field) ?? null;
    if (was !== is) changes.push({ from: id, field, before: was, after: is });
  }
  return changes;
}

function fieldPath(segments: ReadonlyArray<string | number>): string {
  return segments
    .map((segment, i) =>
      typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join("");
}

function omit(fields: Fields, keys: readonly string[]): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !keys.includes(key)));
}

function isPlainObject(value: unknown): value is Fields {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function asFields(value: unknown): Fields {
  return isPlainObject(value) ? value : {};
}
