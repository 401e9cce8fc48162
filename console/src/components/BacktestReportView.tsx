/**
 * A backtest's report as tables: the counts, the switch
 * decisions and statuses that would change, how outputs move, where paths first diverge, what
 * could not be replayed, and a sample of the runs that would change. Values are shown as text.
 */
import type { Backtest, BacktestReport } from "../backtests";
import { hrefOf } from "../route";
import { versionName } from "../version-name";

interface Props {
  report: BacktestReport;
  /** A cancelled job's report covers the runs replayed before it stopped. */
  partial: boolean;
  /** What the runs were replayed against. */
  target: Backtest["target"];
}

/** A value of an output field, as JSON text. */
const shown = (value: unknown): string => JSON.stringify(value ?? null);

export function BacktestReportView({ report, partial, target }: Props) {
  const share = (count: number): string =>
    report.total === 0 ? "" : `${Math.round((1000 * count) / report.total) / 10}%`;
  const counts: Array<[key: string, label: string, count: number]> = [
    ["total", "Runs replayed", report.total],
    ["changed", `Would change on ${versionName(target)}`, report.changed],
    ["unchanged", "Unchanged", report.unchanged],
    ["unresolved", "Unresolved (an effect with no recorded outcome)", report.unresolved],
    ["schemaDrift", "Schema drift (input does not fit)", report.schemaDrift],
  ];
  return (
    <div className="card backtest-report">
      <h2>Report{partial && " (partial: the runs replayed before it stopped)"}</h2>
      <table className="backtest-counts">
        <tbody>
          {counts.map(([key, label, count]) => (
            <tr key={key} data-count={key}>
              <th>{label}</th>
              <td className="num count">{count}</td>
              <td className="num muted">{key === "total" ? "" : share(count)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Decisions that would change</h3>
      {report.switchChanges.length === 0 ? (
        <p className="muted">No switch would route differently.</p>
      ) : (
        <table className="switch-changes">
          <thead>
            <tr>
              <th>Switch</th>
              <th>Took</th>
              <th>Would take</th>
              <th>Runs</th>
            </tr>
          </thead>
          <tbody>
            {report.switchChanges.map((change) => (
              <tr key={`${change.node} ${change.from} ${change.to}`}>
                <td>
                  <code>{change.node}</code>
                </td>
                <td>{change.from}</td>
                <td>{change.to}</td>
                <td className="num">{change.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {report.statusChanges.length > 0 && (
        <>
          <h3>Statuses that would change</h3>
          <table className="status-changes">
            <tbody>
              {report.statusChanges.map((change) => (
                <tr key={`${change.from} ${change.to}`}>
                  <td>
                    {change.from} → {change.to}
                  </td>
                  <td className="num">{change.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {report.outputMoves.length > 0 && (
        <>
          <h3>How outputs would move</h3>
          <table className="output-moves">
            <thead>
              <tr>
                <th>Field</th>
                <th>Was</th>
                <th>Would be</th>
                <th>Runs</th>
              </tr>
            </thead>
            <tbody>
              {report.outputMoves.map((move) => (
                <tr key={`${move.field} ${shown(move.before)} ${shown(move.after)}`}>
                  <td>
                    <code>{move.field}</code>
                  </td>
                  <td>
                    <code>{shown(move.before)}</code>
                  </td>
                  <td>
                    <code>{shown(move.after)}</code>
                  </td>
                  <td className="num">{move.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <CountsByNode title="Where paths first diverge" counts={report.divergenceByNode} />
      <CountsByNode title="Unresolved, by node" counts={report.unresolvedByNode} />

      {report.schemaDriftSamples.length > 0 && (
        <>
          <h3>Schema drift (first runs)</h3>
          <table className="schema-drift">
            <tbody>
              {report.schemaDriftSamples.map((sample) => (
                <tr key={sample.runId}>
                  <td>
                    <code>{sample.runId}</code>
                  </td>
                  <td>
                    <code>{sample.path}</code>
                  </td>
                  <td>{sample.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {report.changedSamples.length > 0 && (
        <>
          <h3>Runs that would change</h3>
          <p className="muted">
            {report.changedSamples.length < report.changed
              ? `The first ${report.changedSamples.length} of ${report.changed}. `
              : ""}
            Each opens its run replayed through {versionName(target)}, both paths side by side.
          </p>
          <ul className="changed-runs">
            {report.changedSamples.map((runId) => (
              <li key={runId}>
                <a href={hrefOf({ page: "run", id: runId, replay: { version: target } })}>
                  <code>{runId}</code>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** A count per node, when there is any. */
function CountsByNode({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts);
  if (entries.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <table className="by-node">
        <tbody>
          {entries.map(([node, count]) => (
            <tr key={node}>
              <td>
                <code>{node}</code>
              </td>
              <td className="num">{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
