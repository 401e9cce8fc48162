/**
 * The runs list (DESIGN.md §7): `GET /v1/runs` with its filters kept in the hash, so a link
 * reproduces the view, and cursor pagination. Test runs are for editors and up: asking for them
 * with a lesser role shows the API's refusal (`forbidden`) in place of the table.
 */
import { useState } from "react";
import type { Run, Workflow } from "../../../src/core/model";
import { ApiError, allPages, call } from "../api";
import type { Page } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { hrefOf } from "../route";
import { describeRoute } from "../run-view";
import { RUN_STATUSES, runFiltersQuery } from "../runs-route";
import type { RunFilters } from "../runs-route";
import { useApi } from "../use-api";
import { versionName } from "../version-name";
import "./runs.css";

/** Page sizes offered (the API's default is 50). */
const PAGE_SIZES = [20, 50, 100, 200];

/** Shows the runs list for `filters` (from the hash). */
export function RunsPage({ filters }: { filters: RunFilters }) {
  const { data: workflows, error } = useApi("workflows", () => allPages<Workflow>("/v1/workflows"));
  const keys = new Map((workflows ?? []).map((workflow) => [workflow.id, workflow.key]));
  const query = runFiltersQuery(filters);
  return (
    <section className="runs-page">
      <h1>Runs</h1>
      <ErrorNote error={error} />
      <RunFilterBar filters={filters} workflows={workflows ?? []} />
      <RunsTable key={query} filters={filters} workflowKeys={keys} />
    </section>
  );
}

/** Shows the runs `next` selects (the hash changes; the page follows it). */
function show(next: RunFilters): void {
  window.location.hash = hrefOf({ page: "runs", filters: next });
}

/** `filters` with `field` set to `value`, or left out when `value` is undefined. */
function withFilter<K extends keyof RunFilters>(
  filters: RunFilters,
  field: K,
  value: RunFilters[K] | undefined,
): RunFilters {
  const next = { ...filters };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next;
}

/**
 * The version filter: typed freely, applied on Enter or when the field is left, so typing
 * "12" neither lists version 1 first nor leaves a history entry per key.
 */
function VersionFilter({ filters }: { filters: RunFilters }) {
  // The bar keys this on the applied version: a new one from the hash starts the text afresh.
  const [text, setText] = useState(filters.version === undefined ? "" : String(filters.version));
  const apply = (): void => {
    const value = Number(text);
    const version = text !== "" && Number.isInteger(value) && value > 0 ? value : undefined;
    if (version === filters.version) return;
    show(withFilter(filters, "version", version));
  };
  return (
    <label>
      Version
      <input
        type="number"
        min={1}
        step={1}
        placeholder="any"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter") apply();
        }}
        onBlur={apply}
      />
    </label>
  );
}

/**
 * The filter controls; each change applied is a new hash (and so a new history entry), the
 * version's once it is entered.
 */
function RunFilterBar({ filters, workflows }: { filters: RunFilters; workflows: Workflow[] }) {
  const known = workflows.map((workflow) => workflow.key);
  // A workflow named in the hash but not listed (an id, or a key that does not exist) stays
  // selectable, so the select shows what the list was asked for and the API answers for it.
  if (filters.workflow !== undefined && !known.includes(filters.workflow)) {
    known.push(filters.workflow);
  }
  const limit = filters.limit ?? 50;
  const sizes = PAGE_SIZES.includes(limit)
    ? PAGE_SIZES
    : [...PAGE_SIZES, limit].sort((a, b) => a - b);
  return (
    <form className="run-filters" onSubmit={(event) => event.preventDefault()}>
      <label>
        Workflow
        <select
          value={filters.workflow ?? ""}
          onChange={(event) => {
            const value = event.target.value;
            // A version number belongs to one workflow: changing the workflow drops it.
            show(
              withFilter(withFilter(filters, "version", undefined), "workflow", value || undefined),
            );
          }}
        >
          <option value="">any</option>
          {known.map((key) => (
            <option key={key} value={key}>
              {key}
            </option>
          ))}
        </select>
      </label>
      <VersionFilter key={filters.version ?? ""} filters={filters} />
      <label>
        Kind
        <select
          value={filters.kind ?? "production"}
          onChange={(event) => {
            const value = event.target.value as NonNullable<RunFilters["kind"]>;
            show(withFilter(filters, "kind", value === "production" ? undefined : value));
          }}
        >
          <option value="production">production</option>
          <option value="test">test</option>
          <option value="all">all</option>
        </select>
      </label>
      <label>
        Status
        <select
          value={filters.status ?? ""}
          onChange={(event) => {
            const value = event.target.value as NonNullable<RunFilters["status"]> | "";
            show(withFilter(filters, "status", value === "" ? undefined : value));
          }}
        >
          <option value="">any</option>
          {RUN_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        Per page
        <select
          value={limit}
          onChange={(event) => {
            const value = Number(event.target.value);
            show(withFilter(filters, "limit", value === 50 ? undefined : value));
          }}
        >
          {sizes.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
      {runFiltersQuery(filters) !== "" && (
        <a className="button" href={hrefOf({ page: "runs", filters: {} })}>
          Clear filters
        </a>
      )}
    </form>
  );
}

/** The runs of one set of filters: the first page, then each page "More" fetched. */
function RunsTable({
  filters,
  workflowKeys,
}: {
  filters: RunFilters;
  workflowKeys: ReadonlyMap<string, string>;
}) {
  const path = (cursor?: string): string => `/v1/runs?${runFiltersQuery(filters, cursor)}`;
  const first = useApi(runFiltersQuery(filters), () => call<Page<Run>>("GET", path()));
  const [later, setLater] = useState<Array<Page<Run>>>([]);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (first.data === undefined) return <ErrorNote error={first.error} />;
  const pages = [first.data, ...later];
  const runs = pages.flatMap((page) => page.items);
  const cursor = pages.at(-1)?.nextCursor ?? null;

  const more = (next: string): void => {
    setBusy(true);
    setMoreError(null);
    call<Page<Run>>("GET", path(next)).then(
      (page) => {
        setBusy(false);
        setLater((earlier) => [...earlier, page]);
      },
      (thrown: unknown) => {
        setBusy(false);
        setMoreError(
          thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)),
        );
      },
    );
  };

  if (runs.length === 0) {
    return <p className="empty">No runs match these filters.</p>;
  }
  return (
    <>
      <table className="runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Workflow</th>
            <th>Version</th>
            <th>Kind</th>
            <th>Status</th>
            <th>Created</th>
            <th>Route</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-run={run.id}>
              <td>
                <a href={hrefOf({ page: "run", id: run.id, replay: null })}>
                  <code>{run.id}</code>
                </a>
              </td>
              <td>{workflowKeys.get(run.workflowId) ?? run.workflowId}</td>
              <td>{versionName(run.versionNumber)}</td>
              <td>{run.kind}</td>
              <td>
                <span className={`badge ${run.status}`}>{run.status}</span>
              </td>
              <td>
                <When at={run.createdAt} />
              </td>
              <td>{describeRoute(run.route)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="runs-more">
        <span className="muted">
          {runs.length} run{runs.length === 1 ? "" : "s"} shown
          {cursor === null ? ", no more." : "."}
        </span>{" "}
        {cursor !== null && (
          <button type="button" disabled={busy} onClick={() => more(cursor)}>
            More
          </button>
        )}
      </p>
      <ErrorNote error={moreError} />
    </>
  );
}
