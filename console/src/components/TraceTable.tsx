/** A run's trace as a table: each step, its node and type, its time, and what it decided. */
import type { TraceEntry } from "../../../src/core/interpreter/trace-entry";
import { describeStep } from "../run-view";
import { When } from "./When";

interface TraceTableProps {
  trace: readonly TraceEntry[];
  /** The definition the steps ran, to name a switch's conditions and a task's handler. */
  definition?: unknown;
}

/** The trace table of a run. */
export function TraceTable({ trace, definition }: TraceTableProps) {
  if (trace.length === 0) return <p className="empty">No steps yet.</p>;
  return (
    <table className="trace">
      <thead>
        <tr>
          <th>Step</th>
          <th>Node</th>
          <th>Type</th>
          <th>Time</th>
          <th>What was decided</th>
        </tr>
      </thead>
      <tbody>
        {trace.map((entry) => (
          <tr key={entry.seq} data-step={entry.seq} data-node={entry.node}>
            <td>{entry.seq}</td>
            <td>
              <code>{entry.node}</code>
            </td>
            <td>
              {entry.type}
              {entry.event !== undefined && entry.event !== "start" && (
                <span className="muted"> · {entry.event}</span>
              )}
            </td>
            <td>
              <When at={entry.at} seconds />
            </td>
            <td className="decided">{describeStep(entry, definition)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
