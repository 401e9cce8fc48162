/** A time from the API: readable in the page, exact (ISO-8601 UTC) on hover. */
export function When({ at }: { at: string | null }) {
  if (at === null) return <>—</>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
    </time>
  );
}
