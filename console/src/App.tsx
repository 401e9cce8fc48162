/**
 * The console (DESIGN.md §7, ADR 0011): sign in with an API token, then the workflows, a
 * workflow's versions with their actions and graphs, its draft editor, diffs, rollout panel and
 * backtests, the runs with their traces and replays, and the audit log. Everything goes through
 * the REST API with the token, so the console can do exactly what the token's role allows.
 */
import { useEffect, useState } from "react";
import { onTokenRefused, storeToken, storedToken } from "./api";
import { AuditPage } from "./pages/AuditPage";
import { BacktestPage } from "./pages/BacktestPage";
import { BacktestsPage } from "./pages/BacktestsPage";
import { DiffPage } from "./pages/DiffPage";
import { DraftEditorPage } from "./pages/DraftEditorPage";
import { RolloutPage } from "./pages/RolloutPage";
import { RunPage } from "./pages/RunPage";
import { RunsPage } from "./pages/RunsPage";
import { SignIn } from "./pages/SignIn";
import { WorkflowPage } from "./pages/WorkflowPage";
import { WorkflowsPage } from "./pages/WorkflowsPage";
import { hrefOf, useRoute } from "./route";

export function App() {
  const [token, setToken] = useState(storedToken);
  /** Why the tab was signed out by the API (null: it was not, or the user signed out). */
  const [signedOut, setSignedOut] = useState<string | null>(null);
  const route = useRoute();
  // A 401 from any call means the token no longer works (revoked, expired): sign the tab out.
  useEffect(
    () =>
      onTokenRefused(() => {
        setToken(null);
        setSignedOut(
          "The server refused this tab's token (revoked or expired): sign in again with a valid one.",
        );
      }),
    [],
  );
  if (token === null) {
    return (
      <SignIn
        notice={signedOut}
        onSignedIn={(value) => {
          storeToken(value);
          setSignedOut(null);
          setToken(value);
        }}
      />
    );
  }
  return (
    <div className="shell">
      <header>
        <a className="brand" href={hrefOf({ page: "workflows" })}>
          Strata
        </a>
        <nav>
          <a
            href={hrefOf({ page: "workflows" })}
            aria-current={route.page !== "audit" && route.page !== "runs" && route.page !== "run"}
          >
            Workflows
          </a>
          <a
            href={hrefOf({ page: "runs", filters: {} })}
            aria-current={route.page === "runs" || route.page === "run"}
          >
            Runs
          </a>
          <a href={hrefOf({ page: "audit" })} aria-current={route.page === "audit"}>
            Audit log
          </a>
        </nav>
        <button
          type="button"
          className="link"
          onClick={() => {
            storeToken(null);
            setToken(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {route.page === "workflows" && <WorkflowsPage />}
        {route.page === "workflow" && (
          <WorkflowPage key={route.key} workflowKey={route.key} selected={route.version} />
        )}
        {route.page === "audit" && <AuditPage />}
        {route.page === "draft" && <DraftEditorPage key={route.key} workflowKey={route.key} />}
        {route.page === "diff" && (
          <DiffPage key={route.key} workflowKey={route.key} from={route.from} to={route.to} />
        )}
        {route.page === "rollout" && <RolloutPage key={route.key} workflowKey={route.key} />}
        {route.page === "backtests" && <BacktestsPage key={route.key} workflowKey={route.key} />}
        {route.page === "backtest" && <BacktestPage key={route.id} id={route.id} />}
        {route.page === "runs" && <RunsPage filters={route.filters} />}
        {route.page === "run" && <RunPage key={route.id} runId={route.id} replay={route.replay} />}
      </main>
    </div>
  );
}
