import { useState } from "react";
import type { FormEvent } from "react";
import { ApiError, call } from "../api";
import { ErrorNote } from "../components/ErrorNote";

/**
 * Asks for an API token (`strata token create`, or the admin token the first `strata serve`
 * printed) and checks it against the server before keeping it for this tab.
 */
export function SignIn({
  onSignedIn,
  notice = null,
}: {
  onSignedIn: (token: string) => void;
  /** Why the tab was signed out, if the API refused its token. */
  notice?: string | null;
}) {
  const [token, setToken] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(false);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const value = token.trim();
    setChecking(true);
    setSubmitted(true);
    // Checked with its own header: the tab keeps it (onSignedIn) only once the API accepts it.
    call("GET", "/v1/workflows?limit=1", undefined, { authorization: `Bearer ${value}` }).then(
      () => onSignedIn(value),
      (thrown: unknown) => {
        setChecking(false);
        setError(thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)));
      },
    );
  };
  return (
    <main className="sign-in">
      <h1>Strata</h1>
      {notice !== null && !submitted && (
        <p className="error" role="alert" data-testid="signed-out">
          {notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="tok_…"
        />
        <button type="submit" disabled={checking || token.trim() === ""}>
          Sign in
        </button>
        <p className="hint">
          Create one with <code>strata token create --role viewer</code>; the first{" "}
          <code>strata serve</code> printed an admin token. It is kept for this tab only.
        </p>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}
