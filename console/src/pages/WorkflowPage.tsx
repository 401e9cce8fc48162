/**
 * One workflow: its versions (the Versions card of DESIGN.md §7) with their actions, and the
 * selected version's graph. Every action goes through the API as the signed-in token, so a
 * role that may not do something gets the server's refusal (`forbidden`) shown in place.
 */
import type { Draft, RunCounts, Version, VersionImpact, Workflow } from "../../../src/core/model";
import { ApiError, call, segment } from "../api";
import { DefinitionGraph } from "../components/DefinitionGraph";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { hrefOf } from "../route";
import type { VersionChoice } from "../route";
import { useAction } from "../use-action";
import { useApi } from "../use-api";
import { versionName, versionOrNone } from "../version-name";

interface Props {
  workflowKey: string;
  /** The version whose graph is shown (null: the live one, else the newest). */
  selected: VersionChoice;
}

/** What one workflow's page loads. */
interface WorkflowData {
  workflow: Workflow;
  versions: Array<Version | Draft>;
}

export function WorkflowPage({ workflowKey, selected }: Props) {
  const base = `/v1/workflows/${segment(workflowKey)}`;
  const { data, error, reload } = useApi(workflowKey, async (): Promise<WorkflowData> => {
    const [workflow, versions] = await Promise.all([
      call<Workflow>("GET", base),
      call<Array<Version | Draft>>("GET", `${base}/versions`),
    ]);
    return { workflow, versions };
  });
  const { busy, error: actionError, notice, run: act } = useAction(reload);

  /** A button that runs one action of the Versions card (`danger`: one that deletes). */
  const action = (label: string, work: () => Promise<string | null>, danger = false) => (
    <button
      type="button"
      className={danger ? "danger" : undefined}
      disabled={busy}
      onClick={() => act(label, work)}
    >
      {label}
    </button>
  );

  if (data === undefined) {
    return (
      <section>
        <h1>{workflowKey}</h1>
        <ErrorNote error={error} />
      </section>
    );
  }
  const { workflow, versions } = data;
  const numbered = versions.filter((version) => version.number !== null);
  const shown =
    (selected === null
      ? undefined
      : versions.find((version) => (version.number ?? "draft") === selected)) ??
    versions.find((version) => version.live) ??
    numbered[0] ??
    versions[0];
  const versionPath = (number: number): string => `${base}/versions/${number}`;

  /** Asks the server what retiring or deleting would do, and asks the user to confirm it. */
  const confirmImpact = async (action: "retire" | "delete", number: number): Promise<boolean> => {
    const impact = await call<VersionImpact>("GET", `${versionPath(number)}/impact`);
    const verdict = impact[action];
    if (!verdict.allowed && verdict.refusal !== null) {
      throw new ApiError(409, verdict.refusal.code, verdict.refusal.message);
    }
    const consequences = [
      ...impact.bindings.map((binding) =>
        binding.effect === "breaks"
          ? `binding ${binding.name} (pinned to v${String(binding.selector)}) will refuse runs`
          : `binding ${binding.name} (LATEST) moves to v${binding.movesTo ?? "?"}`,
      ),
      ...(impact.openRuns > 0 ? [`${impact.openRuns} run(s) in flight finish on v${number}`] : []),
    ];
    return window.confirm(
      `${action === "retire" ? "Retire" : "Delete"} v${number} of ${workflow.key}?` +
        (consequences.length > 0 ? `\n\n${consequences.join("\n")}` : ""),
    );
  };

  return (
    <section>
      <h1>
        {workflow.key} <span className={`badge ${workflow.status}`}>{workflow.status}</span>
      </h1>
      <p className="subtitle">
        {workflow.name} · live {versionOrNone(workflow.liveVersion)} · LATEST{" "}
        {versionOrNone(workflow.latestVersion)} · policy {workflow.policy.compatibility}
        {" · "}
        <a href={hrefOf({ page: "runs", filters: { workflow: workflow.key } })}>Runs</a>
        {" · "}
        <a href={hrefOf({ page: "rollout", key: workflow.key })}>Rollout</a>
        {" · "}
        <a href={hrefOf({ page: "backtests", key: workflow.key })}>Backtests</a>
      </p>
      <ErrorNote error={error} />
      <div className="card">
        <h2>Versions</h2>
        <ErrorNote error={actionError} />
        {notice !== null && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <table className="versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>State</th>
              <th>Author</th>
              <th>Created</th>
              <th>Published</th>
              <th>Retired</th>
              <th>Runs</th>
              <th>Description</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => {
              const number = version.number;
              const name = versionName(number);
              return (
                <tr
                  key={version.id}
                  data-version={name}
                  className={version === shown ? "selected" : ""}
                >
                  <td>
                    {name}
                    {version.live && <span className="badge live">live</span>}
                  </td>
                  <td>
                    <span className={`badge ${version.state}`}>{version.state}</span>
                  </td>
                  <td>
                    {version.createdBy}
                    {version.lastEditedBy !== version.createdBy && (
                      <span className="muted"> (edited by {version.lastEditedBy})</span>
                    )}
                  </td>
                  <td>
                    <When at={version.createdAt} />
                  </td>
                  <td>
                    <When at={version.publishedAt} />
                  </td>
                  <td>
                    <When at={version.retiredAt} />
                  </td>
                  <td>
                    <RunCountsCell counts={version.runCounts} />
                  </td>
                  <td>
                    {version.description ?? ""}
                    {version.summary !== null && <div className="muted">{version.summary}</div>}
                  </td>
                  <td className="actions">
                    <a
                      href={hrefOf({
                        page: "workflow",
                        key: workflow.key,
                        version: number ?? "draft",
                      })}
                      className="button"
                    >
                      View
                    </a>
                    {number === null && (
                      <a href={hrefOf({ page: "draft", key: workflow.key })} className="button">
                        Edit
                      </a>
                    )}
                    <a
                      href={hrefOf({
                        page: "diff",
                        key: workflow.key,
                        // Against the live version; the live one against the version before it.
                        from: number === workflow.liveVersion ? null : workflow.liveVersion,
                        to: number ?? "draft",
                      })}
                      className="button"
                      title={
                        number === workflow.liveVersion
                          ? `What ${name} changed against the version before it`
                          : `What ${name} changes against the live version`
                      }
                    >
                      Diff
                    </a>
                    {number !== null &&
                      action("Use as draft", async () => {
                        await call("POST", `${base}/draft`, { from: number });
                        return `Opened a draft from v${number}.`;
                      })}
                    {number !== null &&
                      version.state === "published" &&
                      !version.live &&
                      action("Rollback", async () => {
                        if (!window.confirm(`Make v${number} live again at once?`)) return null;
                        await call("POST", `${base}/rollback`, { to: number });
                        return `v${number} is live.`;
                      })}
                    {number !== null &&
                      version.state === "published" &&
                      action("Retire", async () => {
                        if (!(await confirmImpact("retire", number))) return null;
                        await call("POST", `${versionPath(number)}/retire`);
                        return `Retired v${number}.`;
                      })}
                    {number !== null &&
                      version.state === "retired" &&
                      action("Restore", async () => {
                        await call("POST", `${versionPath(number)}/restore`);
                        return `Restored v${number}.`;
                      })}
                    {number !== null &&
                      version.state === "retired" &&
                      action(
                        "Delete",
                        async () => {
                          if (!(await confirmImpact("delete", number))) return null;
                          await call("DELETE", versionPath(number));
                          return `Deleted v${number}.`;
                        },
                        true,
                      )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown !== undefined && (
        <div className="card">
          <h2>{shown.number === null ? "Draft" : versionName(shown.number)} graph</h2>
          <DefinitionGraph definition={shown.definition} />
          <details>
            <summary>Definition</summary>
            <pre>{JSON.stringify(shown.definition, null, 2)}</pre>
          </details>
        </div>
      )}
    </section>
  );
}

/** A version's production runs by status; test runs apart (only editors and up see them). */
function RunCountsCell({ counts }: { counts: RunCounts }) {
  const text = (byStatus: RunCounts["production"]): string =>
    Object.entries(byStatus)
      .map(([status, count]) => `${count} ${status}`)
      .join(", ");
  const production = text(counts.production);
  const test = text(counts.test);
  return (
    <>
      {production === "" ? "none" : production}
      {test !== "" && <div className="muted">tests: {test}</div>}
    </>
  );
}
