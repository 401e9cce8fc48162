/** The tenant's audit log, oldest first, and a check of its hash chain. */
import { useState } from "react";
import type { AuditEvent } from "../../../src/core/model";
import { allPages, call } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { When } from "../components/When";
import { useAction } from "../use-action";
import { useApi } from "../use-api";

/** The fields of `GET /v1/audit/verify`'s answer the page shows (see src/core/audit-chain.ts). */
type ChainVerdict =
  { ok: true; events: number; headSeq: number } | { ok: false; seq: number; reason: string };

export function AuditPage() {
  const { data: events, error } = useApi("audit", () => allPages<AuditEvent>("/v1/audit", 1000));
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
      <ErrorNote error={error} />
      {events !== undefined && (
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
      )}
    </section>
  );
}
