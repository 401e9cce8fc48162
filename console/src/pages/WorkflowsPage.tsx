import type { Workflow } from "../../../src/core/model";
import { allPages } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { useApi } from "../use-api";
import { versionOrNone } from "../version-name";

/** Every workflow of the token's tenant, with its live version, LATEST and draft. */
export function WorkflowsPage() {
  const { data: workflows, error } = useApi("workflows", () => allPages<Workflow>("/v1/workflows"));
  return (
    <section>
      <h1>Workflows</h1>
      <ErrorNote error={error} />
      {workflows !== undefined && workflows.length === 0 && (
        <p className="empty">
          No workflows yet. Create one with <code>strata workflow create &lt;key&gt;</code> or{" "}
          <code>strata apply -f flows/</code>.
        </p>
      )}
      {workflows !== undefined && workflows.length > 0 && (
        <table className="workflows">
          <thead>
            <tr>
              <th>Key</th>
              <th>Name</th>
              <th>Status</th>
              <th>Live</th>
              <th>LATEST</th>
              <th>Draft</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((workflow) => (
              <tr key={workflow.id}>
                <td>
                  <a href={hrefOf({ page: "workflow", key: workflow.key, version: null })}>
                    {workflow.key}
                  </a>
                </td>
                <td>{workflow.name}</td>
                <td>
                  <span className={`badge ${workflow.status}`}>{workflow.status}</span>
                </td>
                <td>{versionOrNone(workflow.liveVersion)}</td>
                <td>{versionOrNone(workflow.latestVersion)}</td>
                <td>
                  {workflow.draftRevision === null ? "—" : `revision ${workflow.draftRevision}`}
                </td>
                <td>
                  <When at={workflow.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
