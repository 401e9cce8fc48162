/**
 * What can be done to a run in flight: send a signal to a waiting run, cancel a running or
 * waiting one. Both go through the API as the signed-in token, so an operator may and a viewer
 * gets `forbidden`; a run that moved on meanwhile gets `run_not_waiting` or `run_finished`.
 */
import { useState } from "react";
import type { Run } from "../../../src/core/model";
import { ApiError, call, segment } from "../api";
import { ErrorNote } from "./ErrorNote";
import { Form } from "./Form";

interface RunActionsProps {
  run: Run;
  /** Called after every action, refused or not, so the page shows the run as it now is. */
  onChanged: () => void;
}

/** The actions card of a run: signal and cancel while in flight, with the API's answers. */
export function RunActions({ run, onChanged }: RunActionsProps) {
  const awaited = run.waitingFor?.signal ?? "";
  const [signal, setSignal] = useState(awaited);
  // The run, loaded again, may wait for another signal now: the field follows it (React's
  // "adjusting state when a prop changes"), else it would offer the one already sent.
  const [awaitedBefore, setAwaitedBefore] = useState(awaited);
  if (awaited !== awaitedBefore) {
    setAwaitedBefore(awaited);
    setSignal(awaited);
  }
  const [payload, setPayload] = useState("{}");
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/v1/runs/${segment(run.id)}`;

  /** Runs one action; its answer (or refusal) is shown, then the run is loaded again. */
  const act = (work: () => Promise<string | null>): void => {
    setBusy(true);
    setError(null);
    setNotice(null);
    work().then(
      (done) => {
        setBusy(false);
        // Null: the user cancelled a confirmation, nothing changed.
        if (done === null) return;
        setNotice(done);
        onChanged();
      },
      (thrown: unknown) => {
        setBusy(false);
        setError(thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)));
        onChanged();
      },
    );
  };

  const send = (): void => {
    let body: unknown;
    try {
      body = payload.trim() === "" ? undefined : (JSON.parse(payload) as unknown);
    } catch (thrown) {
      setPayloadError(`The payload is not JSON: ${String(thrown)}`);
      return;
    }
    setPayloadError(null);
    act(async () => {
      const answer = await call<Run>("POST", `${path}/signals/${segment(signal)}`, body);
      return `Sent signal ${signal}: the run is ${answer.status}.`;
    });
  };

  const cancel = (): void =>
    act(async () => {
      if (!window.confirm(`Cancel run ${run.id}? It stops where it stands.`)) return null;
      const answer = await call<Run>("POST", `${path}/cancel`);
      return `The run is ${answer.status}.`;
    });

  const inFlight = run.status === "waiting" || run.status === "running";
  return (
    <div className="card run-actions">
      <h2>Actions</h2>
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={error} />
      {!inFlight && <p className="muted">The run has ended: there is nothing left to do.</p>}
      {run.status === "waiting" && (
        <Form className="signal-form" onSubmit={send}>
          <label>
            Signal
            <input value={signal} onChange={(event) => setSignal(event.target.value)} required />
          </label>
          <label>
            <span>
              Payload (JSON, bound as <code>$signal</code>)
            </span>
            <textarea
              rows={3}
              value={payload}
              onChange={(event) => setPayload(event.target.value)}
              spellCheck={false}
            />
          </label>
          {payloadError !== null && (
            <p className="error" role="alert">
              {payloadError}
            </p>
          )}
          <div>
            <button type="submit" disabled={busy || signal === ""}>
              Send signal
            </button>
          </div>
        </Form>
      )}
      {inFlight && (
        <p>
          <button type="button" className="danger" disabled={busy} onClick={cancel}>
            Cancel run
          </button>
          <button type="button" disabled={busy} onClick={onChanged} title="Load the run again">
            Reload
          </button>
        </p>
      )}
    </div>
  );
}
