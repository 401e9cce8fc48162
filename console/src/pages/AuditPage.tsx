/**
 * The tenant's audit log, oldest first as the API lists it, a page at a time ("More" follows
 * the cursor), and a check of its hash chain.
 */
import { useState } from "react";
import type { AuditEvent } from "../../../src/core/model";
import { ApiError, call } from "../api";
import type { Page } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { useAction } from "../use-action";
import { useApi } from "../use-api";

/** The fields of `GET /v1/audit/verify`'s answer the page shows (see src/core/audit-chain.ts). */
type ChainVerdict =
  { ok: true; events: number; headSeq: number } | { ok: false; seq: number; reason: string };

/** Events per page. */
const PAGE_SIZE = 100;

/** `GET /v1/audit`'s page after `cursor` (the first without one). */
const auditPath = (cursor?: string): string => {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor !== undefined) query.set("cursor", cursor);
  return `/v1/audit?${query.toString()}`;
};

export function AuditPage() {
  const first = useApi("audit", () => call<Page<AuditEvent>>("GET", auditPath()));
  const [later, setLater] = useState<Array<Page<AuditEvent>>>([]);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [verdict, setVerdict] = useState<ChainVerdict | null>(null);
  const check = useAction();
  const verify = (): void =>
    check.run("Verify the chain", async () => {
      // A verdict from an earlier check must not stand beside this one's refusal.
      setVerdict(null);
      setVerdict(await call<ChainVerdict>("GET", "/v1/audit/verify"));
      return null;
    });
  return (
    <section>
      <h1>Audit log</h1>
      <p>
        <button type="button" disabled={check.busy} onClick={verify}>
          Verify the chain
        </button>{" "}
        {verdict !== null &&
          (verdict.ok ? (
            <span className="notice" role="status">
              Intact: {verdict.events} events, head #{verdict.headSeq}.
            </span>
          ) : (
            <span className="error" role="alert">
              Broken at #{verdict.seq}: {verdict.reason}
            </span>
          ))}
      </p>
      <ErrorNote error={check.error} />
      <ErrorNote error={first.error} />
      {first.data !== undefined && (
        <AuditTable
          pages={[first.data, ...later]}
          busy={loadingMore}
          onMore={(cursor) => {
            setLoadingMore(true);
            setMoreError(null);
            call<Page<AuditEvent>>("GET", auditPath(cursor)).then(
              (page) => {
                setLoadingMore(false);
                setLater((earlier) => [...earlier, page]);
              },
              (thrown: unknown) => {
                setLoadingMore(false);
                setMoreError(
                  thrown instanceof ApiError ? thrown : new ApiError(0, "internal", String(thrown)),
                );
              },
            );
          }}
        />
      )}
      <ErrorNote error={moreError} />
    </section>
  );
}

/** The events of the pages loaded so far, and "More" while the API has more. */
function AuditTable({
  pages,
  busy,
  onMore,
}: {
  pages: Array<Page<AuditEvent>>;
  busy: boolean;
  onMore: (cursor: string) => void;
}) {
  const events = pages.flatMap((page) => page.items);
  const cursor = pages.at(-1)?.nextCursor ?? null;
  return (
    <>
      <table className="audit">
        <thead>
          <tr>
            <th>#</th>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Change</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>{event.seq}</td>
              <td>
                <When at={event.at} />
              </td>
              <td>{event.actor}</td>
              <td>
                <code>{event.action}</code>
              </td>
              <td className="change">
                <code>{JSON.stringify(event.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="audit-more">
        <span className="muted">
          {events.length} event{events.length === 1 ? "" : "s"} shown
          {cursor === null ? ", no more." : "."}
        </span>{" "}
        {cursor !== null && (
          <button type="button" disabled={busy} onClick={() => onMore(cursor)}>
            More
          </button>
        )}
      </p>
    </>
  );
}
