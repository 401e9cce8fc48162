/**
 * The one-line-per-change summary stored with each published version (DESIGN.md §6). It is a
 * plain reading aid, not the full diff: it names what changed, not how. Definitions may be
 * malformed (drafts are allowed to be), so every field is read defensively.
 */

import { jsonEqual } from "./json-equal.js";

type Fields = Record<string, unknown>;

/** Top-level fields other than `nodes`, with the line each change gets, in summary order. */
const TOP_LEVEL_LINES: readonly [string, (before: unknown, after: unknown) => string][] = [
  ["start", (before, after) => `start changed: ${describe(before)} → ${describe(after)}`],
  ["inputSchema", () => "input schema changed"],
  ["routingKey", () => "routing key changed"],
  ["name", () => "name changed"],
  ["description", () => "description changed"],
];

/**
 * The changes from `previous` to `next`, one short line each: `"first version"` when there is
 * no previous version, then top-level changes, then node changes by sorted node id. Identical
 * definitions give `[]`.
 */
export function summarizeChanges(previous: unknown, next: unknown): string[] {
  if (previous === null || previous === undefined) return ["first version"];
  const before = asFields(previous);
  const after = asFields(next);
  const lines: string[] = [];
  for (const [field, line] of TOP_LEVEL_LINES) {
    if (!jsonEqual(before[field], after[field])) lines.push(line(before[field], after[field]));
  }
  lines.push(...nodeLines(asFields(before.nodes), asFields(after.nodes)));
  return lines;
}

function nodeLines(before: Fields, after: Fields): string[] {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines: string[] = [];
  for (const id of ids) {
    const had = Object.hasOwn(before, id);
    const has = Object.hasOwn(after, id);
    if (!had) lines.push(`node added: ${id}${typeSuffix(after[id])}`);
    else if (!has) lines.push(`node removed: ${id}`);
    else {
      const fields = changedFields(asFields(before[id]), asFields(after[id]));
      if (fields.length > 0) lines.push(`node changed: ${id} (${fields.join(", ")})`);
    }
  }
  return lines;
}

/** The top-level fields of a node that differ, `type` first, then sorted. */
function changedFields(before: Fields, after: Fields): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = keys.filter((key) => !jsonEqual(before[key], after[key]));
  return changed.includes("type") ? ["type", ...changed.filter((key) => key !== "type")] : changed;
}

function typeSuffix(node: unknown): string {
  const type = asFields(node).type;
  return typeof type === "string" ? ` (${type})` : "";
}

function describe(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "(none)" : JSON.stringify(value);
}

/** The members of a plain object, or none for anything else. */
function asFields(value: unknown): Fields {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Fields)
    : {};
}
