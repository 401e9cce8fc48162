import type { ApiError } from "../api";

/** An API refusal as the console shows it: the stable code, then what to do. */
export function ErrorNote({ error }: { error: ApiError | null }) {
  if (error === null) return null;
  return (
    <p className="error" role="alert">
      <code>{error.code}</code> {error.message}
    </p>
  );
}
