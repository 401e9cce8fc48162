/**
 * A time from the API: readable in the page, exact (ISO-8601 UTC) on hover. `seconds` shows it
 * to the second, for the steps of one run, which are often within a minute of each other.
 */
export function When({ at, seconds = false }: { at: string | null; seconds?: boolean }) {
  if (at === null) return <>—</>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(
        undefined,
        seconds
          ? { dateStyle: "short", timeStyle: "medium" }
          : { dateStyle: "medium", timeStyle: "short" },
      )}
    </time>
  );
}
