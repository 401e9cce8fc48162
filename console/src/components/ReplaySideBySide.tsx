/**
 * A replay's answer side by side with the original run: whether the outcome changes, where the
 * paths part, each switch that decided differently (with its conditions in both versions), the
 * output's changes, and both graphs with their paths marked.
 */
import type { Run } from "../../../src/core/model";
import type { ReplayReport, SwitchDecision } from "../replay-report";
import { briefJson, caseText, currentNodeOf, marksOf } from "../run-view";
import { DefinitionGraph } from "./DefinitionGraph";
import { versionName } from "../version-name";

interface ComparisonProps {
  run: Run;
  report: ReplayReport;
  runDefinition: unknown;
  targetDefinition: unknown;
}

/** The original and its replay side by side, with what changed between them. */
export function ReplaySideBySide({
  run,
  report,
  runDefinition,
  targetDefinition,
}: ComparisonProps) {
  const { comparison, replay, original, target } = report;
  const switched = comparison.switches.map((change) => change.node);
  const replayStop =
    replay.unresolved?.node ??
    (replay.status === "waiting" || replay.status === "running"
      ? (replay.path.at(-1) ?? null)
      : null);
  const decision = (definition: unknown, node: string, side: SwitchDecision | null): string =>
    side === null
      ? "not reached"
      : `${caseText(definition, node, side.caseIndex)} → ${side.branch ?? "?"}`;
  return (
    <div className="replay-result" data-testid="replay-result">
      <p className={comparison.changed ? "replay-verdict changed" : "replay-verdict"}>
        {comparison.changed
          ? "The outcome changes."
          : "Same outcome: status and output are unchanged."}{" "}
        <span className="muted">
          {versionName(original.versionNumber)} → {versionName(target.versionNumber)} (asked for{" "}
          {target.selector}); input adapter: {report.adapter}.
        </span>
      </p>
      {comparison.divergence !== null && (
        <p className="divergence">
          The paths part at step {comparison.divergence.step}: the original went to{" "}
          <code>{comparison.divergence.original ?? "(nothing)"}</code>, the replay to{" "}
          <code>{comparison.divergence.replay ?? "(nothing)"}</code>.
        </p>
      )}
      {comparison.statusChange !== null && (
        <p>
          Status: {comparison.statusChange.original} → {comparison.statusChange.replay}.
        </p>
      )}
      {replay.unresolved !== null && (
        <p className="replay-stop">
          The replay stopped at <code>{replay.unresolved.node}</code>: {replay.unresolved.reason}.
        </p>
      )}
      {comparison.switches.length > 0 && (
        <table className="switch-changes">
          <caption>Decisions that changed</caption>
          <thead>
            <tr>
              <th>Switch</th>
              <th>Visit</th>
              <th>Original</th>
              <th>Replay</th>
            </tr>
          </thead>
          <tbody>
            {comparison.switches.map((change) => (
              <tr key={`${change.node}:${change.visit}`} data-switch={change.node}>
                <td>
                  <code>{change.node}</code>
                </td>
                <td>{change.visit}</td>
                <td>{decision(runDefinition, change.node, change.original)}</td>
                <td>{decision(targetDefinition, change.node, change.replay)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {comparison.outputChanges.length > 0 && (
        <table className="output-changes">
          <caption>Output changes</caption>
          <thead>
            <tr>
              <th>Field</th>
              <th>Original</th>
              <th>Replay</th>
            </tr>
          </thead>
          <tbody>
            {comparison.outputChanges.map((change) => (
              <tr key={change.field}>
                <td>
                  <code>{change.field === "" ? "(the output)" : change.field}</code>
                </td>
                <td>{briefJson(change.before)}</td>
                <td>{briefJson(change.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="legend">
        <span className="mark-visited">visited</span>
        <span className="mark-changed">decided differently</span>
        <span className="mark-current">where it stands or stopped</span>
      </p>
      <div className="side-by-side">
        <ReplaySide
          testId="replay-original"
          title={`Original · ${versionName(original.versionNumber)}`}
          status={original.status}
          output={original.status === "completed" ? original.output : null}
          path={comparison.originalPath}
          definition={runDefinition}
          marks={marksOf({
            visited: comparison.originalPath,
            changed: switched,
            current: currentNodeOf(run),
          })}
        />
        <ReplaySide
          testId="replay-target"
          title={`Replay · ${versionName(target.versionNumber)}`}
          status={replay.status}
          output={replay.output}
          path={replay.path}
          definition={targetDefinition}
          marks={marksOf({ visited: replay.path, changed: switched, current: replayStop })}
        />
      </div>
    </div>
  );
}

interface SideProps {
  testId: string;
  title: string;
  status: string;
  output: unknown;
  path: string[];
  definition: unknown;
  marks: Record<string, string>;
}

/** One side of the comparison: status, output, path, and the graph with the path marked. */
function ReplaySide({ testId, title, status, output, path, definition, marks }: SideProps) {
  return (
    <div className="replay-side" data-testid={testId}>
      <h3>
        {title} <span className={`badge ${status}`}>{status}</span>
      </h3>
      <p className="path">
        Path: <code>{path.join(" → ")}</code>
      </p>
      <pre className="output">{JSON.stringify(output, null, 2)}</pre>
      {definition === undefined ? (
        <p className="muted">That version&apos;s definition is not at hand to draw.</p>
      ) : (
        <DefinitionGraph definition={definition} marks={marks} />
      )}
    </div>
  );
}
