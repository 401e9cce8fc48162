/**
 * A run replayed through another version, side by side with the original (DESIGN.md §5):
 * `POST /v1/workflows/{wf}/replay?version=` with the run's id. The replay's choice lives in the
 * hash (`?replay=2`), so a link shows the same comparison. Replay only reads: viewers may.
 */
import { useState } from "react";
import type { Draft, Run, Version } from "../../../src/core/model";
import { ApiError, call, segment } from "../api";
import type { ReplayReport } from "../replay-report";
import { hrefOf } from "../route";
import { parseReplayVersion } from "../runs-route";
import type { ReplayChoice } from "../runs-route";
import { useApi } from "../use-api";
import { versionName } from "../version-name";
import { ErrorNote } from "./ErrorNote";
import { ReplaySideBySide } from "./ReplaySideBySide";
import { Form } from "./Form";

interface ReplayPanelProps {
  run: Run;
  /** The workflow's versions and draft (for the choice and the target's graph), once loaded. */
  versions: Array<Version | Draft> | undefined;
  /** The definition the run ran, for its graph and its switches' conditions. */
  runDefinition: unknown;
  /** The replay the hash asks for, if any. */
  choice: ReplayChoice | null;
}

/** The mocks of a choice as the API takes them, or the reason they are not an object. */
function parseMocks(text: string | undefined): {
  mocks?: Record<string, unknown>;
  problem?: string;
} {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return { mocks: value as Record<string, unknown> };
    }
    return { problem: "the mocks must be a JSON object, by node id" };
  } catch (thrown) {
    return { problem: `the mocks are not JSON: ${String(thrown)}` };
  }
}

/** The replay card: the choice of version (with adapter and mocks), then the comparison. */
export function ReplayPanel({ run, versions, runDefinition, choice }: ReplayPanelProps) {
  const [version, setVersion] = useState(String(choice?.version ?? "live"));
  const [adapter, setAdapter] = useState(choice?.adapter ?? "");
  const [mocks, setMocks] = useState(choice?.mocks ?? "");
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const {
    data: report,
    error,
    reload,
  } = useApi(
    choice === null ? "none" : JSON.stringify(choice),
    async (): Promise<ReplayReport | null> => {
      if (choice === null) return null;
      const parsed = parseMocks(choice.mocks);
      if (parsed.problem !== undefined) throw new ApiError(0, "invalid_mocks", parsed.problem);
      return call<ReplayReport>(
        "POST",
        `/v1/workflows/${segment(run.workflowId)}/replay?version=${segment(choice.version)}`,
        {
          runId: run.id,
          ...(choice.adapter === undefined ? {} : { adapter: choice.adapter }),
          ...(parsed.mocks === undefined ? {} : { mocks: parsed.mocks }),
        },
      );
    },
  );

  const submit = (): void => {
    const chosen = parseReplayVersion(version);
    if (chosen === undefined) return;
    const problem = parseMocks(mocks.trim() === "" ? undefined : mocks).problem;
    setFormProblem(problem ?? null);
    if (problem !== undefined) return;
    const next = hrefOf({
      page: "run",
      id: run.id,
      replay: {
        version: chosen,
        ...(adapter.trim() === "" ? {} : { adapter }),
        ...(mocks.trim() === "" ? {} : { mocks }),
      },
    });
    // The same replay again (a version like `live` may have moved): ask once more.
    if (window.location.hash === next) reload();
    else window.location.hash = next;
  };

  const numbered = (versions ?? []).filter((entry) => entry.number !== null);
  const hasDraft = (versions ?? []).some((entry) => entry.number === null);
  return (
    <div className="card replay">
      <h2>Replay</h2>
      <p className="hint">
        Runs this run&apos;s input through another version, taking task results and signals from
        this run; nothing is executed for real.
      </p>
      <Form className="replay-form" onSubmit={submit}>
        <label>
          Through
          <select value={version} onChange={(event) => setVersion(event.target.value)}>
            <option value="live">live</option>
            <option value="latest">LATEST</option>
            {numbered.map((entry) => (
              <option key={entry.id} value={String(entry.number)}>
                {versionName(entry.number)} ({entry.state})
              </option>
            ))}
            {(hasDraft || version === "draft") && <option value="draft">draft</option>}
            {versions === undefined && /^[0-9]+$/.test(version) && (
              <option value={version}>v{version}</option>
            )}
          </select>
        </label>
        <label>
          Input adapter (JSONata, optional)
          <input
            value={adapter}
            onChange={(event) => setAdapter(event.target.value)}
            placeholder="$merge([$, {'channel': 'web'}])"
            spellCheck={false}
          />
        </label>
        <label>
          Mocks by node (JSON, optional)
          <textarea
            rows={2}
            value={mocks}
            onChange={(event) => setMocks(event.target.value)}
            placeholder='{"review": {"by": "ann"}}'
            spellCheck={false}
          />
        </label>
        <div>
          <button type="submit">Replay</button>
        </div>
      </Form>
      {formProblem !== null && (
        <p className="error" role="alert">
          {formProblem}
        </p>
      )}
      <ErrorNote error={error} />
      {error === null && report !== undefined && report !== null && (
        <ReplaySideBySide
          run={run}
          report={report}
          runDefinition={runDefinition}
          targetDefinition={
            versions?.find((entry) => entry.number === report.target.versionNumber)?.definition
          }
        />
      )}
    </div>
  );
}
