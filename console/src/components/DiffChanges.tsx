/**
 * A diff as text (DESIGN.md §6): one line per change — top-level fields, nodes added, removed
 * and changed (one line per changed field, down to the leaf), edges rewired — and the
 * input-schema changes, those the workflow's compatibility mode forbids flagged as breaking.
 */
import type { DefinitionDiff } from "../../../src/core/definition/diff-definitions";
import type { CompatibilityMode, SchemaChange } from "../../../src/core/definition/schema-compat";

/**
 * `GET /{wf}/diff?from=&to=`: the definitions' diff, which sides were compared, and the
 * input-schema changes the workflow's mode would refuse at publish (the server's `VersionDiff`;
 * the console may use core's types only, so its extra fields are spelled out here).
 */
export interface VersionDiff extends DefinitionDiff {
  workflowId: string;
  from: { label: string; number: number | null };
  to: { label: string; number: number | null };
  compatibility: { mode: CompatibilityMode; breaking: SchemaChange[] };
}

/** One line of the summary, with its kind (for its sign and colour). */
export interface ChangeLine {
  kind: "added" | "removed" | "changed";
  text: string;
}

const SIGN: Record<ChangeLine["kind"], string> = { added: "+", removed: "−", changed: "~" };

/** A value as the summary writes it: JSON, or `(none)` when absent. */
function shown(value: unknown): string {
  return value === null || value === undefined ? "(none)" : JSON.stringify(value);
}

const typed = (id: string, type: string | null): string => (type === null ? id : `${id} (${type})`);

/** The diff's changes, one line each, in the order fields, nodes, edges. */
export function changeLines(diff: VersionDiff): ChangeLine[] {
  const lines: ChangeLine[] = diff.fields.map((field) => ({
    kind: "changed",
    text: `${field.field}: ${shown(field.before)} → ${shown(field.after)}`,
  }));
  for (const node of diff.nodes.added) {
    lines.push({ kind: "added", text: `node ${typed(node.id, node.type)} added` });
  }
  for (const node of diff.nodes.removed) {
    lines.push({ kind: "removed", text: `node ${typed(node.id, node.type)} removed` });
  }
  for (const node of diff.nodes.changed) {
    for (const field of node.fields) {
      lines.push({
        kind: "changed",
        text: `node ${node.id} ${field.field === "" ? "" : `${field.field}: `}${shown(field.before)} → ${shown(field.after)}`,
      });
    }
  }
  for (const edge of diff.edges) {
    lines.push({
      kind: edge.before === null ? "added" : edge.after === null ? "removed" : "changed",
      text: `edge ${edge.from}.${edge.field}: ${edge.before ?? "(none)"} → ${edge.after ?? "(none)"}`,
    });
  }
  return lines;
}

export function DiffSummary({ diff }: { diff: VersionDiff }) {
  if (diff.identical) {
    return <p data-testid="diff-identical">No changes: the two definitions are the same.</p>;
  }
  const lines = changeLines(diff);
  return (
    <ul className="diff-lines" data-testid="diff-summary">
      {lines.map((line, index) => (
        <li key={index} className={`diff-${line.kind}`}>
          <span className="sign">{SIGN[line.kind]}</span> <code>{line.text}</code>
        </li>
      ))}
    </ul>
  );
}

/** The same change, whichever copy of it the JSON holds. */
const sameChange = (a: SchemaChange, b: SchemaChange): boolean =>
  a.path === b.path && a.kind === b.kind && a.description === b.description;

/** Who a schema change breaks: callers' old inputs (backward), the old version (forward). */
function breaksOf(change: SchemaChange): string {
  const breaks = [
    ...(change.breaksBackward ? ["some old inputs now fail"] : []),
    ...(change.breaksForward ? ["the old version refuses some new inputs"] : []),
  ];
  return breaks.length === 0 ? "nothing" : breaks.join("; ");
}

export function SchemaChanges({ diff }: { diff: VersionDiff }) {
  const { mode, breaking } = diff.compatibility;
  if (diff.inputSchema.length === 0) {
    return <p className="muted">No input-schema changes.</p>;
  }
  return (
    <table className="schema-changes" data-testid="schema-changes">
      <thead>
        <tr>
          <th>Input</th>
          <th>Change</th>
          <th>Breaks</th>
          <th>Under mode {mode}</th>
        </tr>
      </thead>
      <tbody>
        {diff.inputSchema.map((change, index) => {
          const breaks = breaking.some((other) => sameChange(other, change));
          return (
            <tr key={index} className={breaks ? "breaking" : undefined}>
              <td>
                <code>{change.path}</code>
              </td>
              <td>{change.description}</td>
              <td>{breaksOf(change)}</td>
              <td>
                {breaks ? (
                  <span className="badge breaking">breaking</span>
                ) : (
                  <span className="badge compatible">compatible</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
