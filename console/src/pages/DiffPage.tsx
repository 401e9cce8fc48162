/**
 * The diff view (DESIGN.md §6, §7): what changed between two versions of a workflow (numbers
 * or the draft), as text — one line per change, input-schema changes with the breaking ones
 * flagged — and as two graphs side by side: the `from` graph marks the nodes removed and
 * changed, the `to` graph the nodes added and changed.
 */
import type { Draft, Version } from "../../../src/core/model";
import { call, segment } from "../api";
import { DefinitionGraph } from "../components/DefinitionGraph";
import { DiffSummary, SchemaChanges } from "../components/DiffChanges";
import type { VersionDiff } from "../components/DiffChanges";
import { ErrorNote } from "../components/ErrorNote";
import { hrefOf } from "../route";
import type { DiffChoice } from "../route";
import { useApi } from "../use-api";
import { versionName } from "../version-name";
import "./diff.css";

interface Props {
  workflowKey: string;
  /** The sides the URL names; a missing one is chosen from the versions (see `resolveSides`). */
  from: DiffChoice;
  to: DiffChoice;
}

type Side = number | "draft";

/**
 * The two sides to compare. `to` defaults to the draft, else the live version, else the newest;
 * `from` to the live version when `to` is the draft, else the newest version below `to`.
 */
function resolveSides(
  versions: ReadonlyArray<Version | Draft>,
  from: DiffChoice,
  to: DiffChoice,
): { from: Side | null; to: Side | null } {
  const numbers = versions
    .map((version) => version.number)
    .filter((number): number is number => number !== null)
    .sort((a, b) => b - a);
  const live = versions.find((version) => version.live)?.number ?? null;
  const hasDraft = versions.some((version) => version.number === null);
  const target: Side | null = to ?? (hasDraft ? "draft" : (live ?? numbers[0] ?? null));
  const source: Side | null =
    from ??
    (target === "draft"
      ? (live ?? numbers[0] ?? null)
      : target === null
        ? null
        : (numbers.find((number) => number < target) ?? null));
  return { from: source, to: target };
}

/** The nodes to mark on each side's graph. */
function marksOf(diff: VersionDiff): { from: Record<string, string>; to: Record<string, string> } {
  const from: Record<string, string> = {};
  const to: Record<string, string> = {};
  for (const node of diff.nodes.removed) from[node.id] = "removed";
  for (const node of diff.nodes.added) to[node.id] = "added";
  for (const node of diff.nodes.changed) {
    from[node.id] = "changed";
    to[node.id] = "changed";
  }
  return { from, to };
}

export function DiffPage({ workflowKey, from, to }: Props) {
  const base = `/v1/workflows/${segment(workflowKey)}`;
  const versions = useApi(`diff-versions:${workflowKey}:${from ?? ""}:${to ?? ""}`, () =>
    call<Array<Version | Draft>>("GET", `${base}/versions`),
  );
  const sides = versions.data === undefined ? null : resolveSides(versions.data, from, to);
  const pair =
    sides === null || sides.from === null || sides.to === null
      ? null
      : { from: sides.from, to: sides.to };
  const diff = useApi(`diff:${workflowKey}:${pair?.from ?? ""}:${pair?.to ?? ""}`, async () => {
    if (pair === null) return null;
    const query = new URLSearchParams({ from: String(pair.from), to: String(pair.to) });
    return call<VersionDiff>("GET", `${base}/diff?${query.toString()}`);
  });

  const workflowLink = (
    <a href={hrefOf({ page: "workflow", key: workflowKey, version: null })}>{workflowKey}</a>
  );
  const title = pair === null ? "Diff" : `Diff ${versionName(pair.from)} → ${versionName(pair.to)}`;
  if (versions.data === undefined || sides === null) {
    return (
      <section className="diff-page">
        <h1>
          {workflowLink}: {title}
        </h1>
        <ErrorNote error={versions.error} />
      </section>
    );
  }
  const definitionOf = (side: Side): unknown =>
    versions.data?.find((version) => (version.number ?? "draft") === side)?.definition;
  const shown = diff.data ?? null;
  // The answer may be for the sides asked before; draw only one that matches the sides asked.
  const current =
    shown !== null &&
    pair !== null &&
    shown.from.label === versionName(pair.from) &&
    shown.to.label === versionName(pair.to)
      ? shown
      : null;
  const marks = current === null ? null : marksOf(current);
  return (
    <section className="diff-page">
      <h1>
        {workflowLink}: {title}
      </h1>
      <SidePicker
        workflowKey={workflowKey}
        versions={versions.data}
        from={sides.from}
        to={sides.to}
      />
      <ErrorNote error={diff.error} />
      {pair === null && <p className="hint">Pick two versions to compare.</p>}
      {current !== null && pair !== null && marks !== null && (
        <>
          <div className="card">
            <h2>Changes</h2>
            <DiffSummary diff={current} />
          </div>
          <div className="card">
            <h2>Input schema</h2>
            <SchemaChanges diff={current} />
          </div>
          <div className="diff-graphs">
            <div className="card" data-testid="diff-from">
              <h2>{versionName(pair.from)}</h2>
              <DefinitionGraph definition={definitionOf(pair.from)} marks={marks.from} />
            </div>
            <div className="card" data-testid="diff-to">
              <h2>{versionName(pair.to)}</h2>
              <DefinitionGraph definition={definitionOf(pair.to)} marks={marks.to} />
            </div>
          </div>
          <p className="hint diff-legend">
            <span className="legend-added">added</span> ·{" "}
            <span className="legend-changed">changed</span> ·{" "}
            <span className="legend-removed">removed</span>
          </p>
        </>
      )}
    </section>
  );
}

/** Two selects naming the sides; picking one goes to that diff's address. */
function SidePicker({
  workflowKey,
  versions,
  from,
  to,
}: {
  workflowKey: string;
  versions: ReadonlyArray<Version | Draft>;
  from: Side | null;
  to: Side | null;
}) {
  const options = versions.map((version) => {
    const side: Side = version.number ?? "draft";
    const notes = [version.live ? "live" : null, version.state === "retired" ? "retired" : null]
      .filter((note) => note !== null)
      .join(", ");
    return {
      value: String(side),
      label: `${versionName(side)}${notes === "" ? "" : ` (${notes})`}`,
    };
  });
  const parse = (value: string): Side => (value === "draft" ? "draft" : Number(value));
  const go = (next: { from: Side | null; to: Side | null }): void => {
    window.location.hash = hrefOf({ page: "diff", key: workflowKey, ...next });
  };
  const select = (name: "from" | "to", value: Side | null) => (
    <>
      <label htmlFor={`diff-${name}-side`}>{name === "from" ? "From" : "To"}</label>{" "}
      <select
        id={`diff-${name}-side`}
        value={value === null ? "" : String(value)}
        onChange={(event) =>
          go({ from, to, [name]: event.target.value === "" ? null : parse(event.target.value) })
        }
      >
        {value === null && <option value="">pick a version</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </>
  );
  return (
    <div className="card diff-picker">
      {select("from", from)} → {select("to", to)}{" "}
      <button type="button" onClick={() => go({ from: to, to: from })}>
        Swap
      </button>
    </div>
  );
}
