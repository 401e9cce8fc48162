import { useState } from "react";
import type { FormEvent } from "react";
import { ApiError, call, storeToken } from "../api";
import { ErrorNote } from "../components/ErrorNote";

/**
 * Asks for an API token (`strata token create`, or the admin token the first `strata serve`
 * printed) and checks it against the server before keeping it for this tab.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(false);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const value = token.trim();
    setChecking(true);
    storeToken(value);
    call("GET", "/v1/workflows?limit=1").then(
      () => onSignedIn(value),
      (thrown: unknown) => {
        storeToken(null);
        setChecking(false);
        setError(thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)));
      },
    );
  };
  return (
    <main className="sign-in">
      <h1>Strata</h1>
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
