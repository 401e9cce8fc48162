/**
 * Which PostgreSQL errors mean "the database is not there right now" rather than "this
 * request is wrong": what a restart, a failover, an administrator terminating backends, a
 * proxy's idle timeout or an exhausted server looks like from pg. Mirrors
 * `../sqlite/sqlite-faults.ts`.
 */
import type { StrataError } from "../../core/errors.js";
import { storeUnavailable, transactionConflict } from "../store-faults.js";

/**
 * SQLSTATE classes and codes of an unreachable server (PostgreSQL's appendix A): class 08
 * (connection exception), 57P01–57P03 (admin or crash shutdown, cannot connect now), 53300
 * (too many connections), 57014 (the statement timeout: a server too busy to answer), and
 * 25006 (a read-only transaction: the URL reached a standby, as after a failover that has not
 * moved the address yet). Not 08P01, a protocol violation: that is a bug to see, not retry.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "57014", "25006"]);

/**
 * A transaction the server ended to break a deadlock (40P01) or a serialization conflict
 * (40001): rolled back whole, so retrying it is safe. The engine retries its own batches
 * (starts, outcomes) at once; anything else sees `store_unavailable`, which says to retry.
 */
const CONFLICT_SQLSTATES = new Set(["40P01", "40001"]);

/** In class 08 but the client's fault, not the server's absence (a malformed message). */
const CLIENT_FAULTS = new Set(["08P01"]);

/** Socket-level failures Node reports while connecting or talking to the server. */
const UNAVAILABLE_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * pg's own messages for a connection that died under it; it sets no code on these, so the
 * message is all there is (the driver's, not the server's: stable across server versions).
 */
const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "connection error and is not queryable",
  "timeout exceeded when trying to connect",
  "Client was closed and is not queryable",
  // pg's own `query_timeout`: no answer in time from a server that may be gone.
  "Query read timeout",
];

/** `store_unavailable` when `error` says the server cannot be reached; otherwise undefined. */
export function classifyPostgresFault(error: unknown): StrataError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if ((code.startsWith("08") && !CLIENT_FAULTS.has(code)) || UNAVAILABLE_SQLSTATES.has(code)) {
      return storeUnavailable(
        code === "57014" ? "a statement ran past the statement timeout" : `PostgreSQL ${code}`,
        error,
      );
    }
    if (UNAVAILABLE_ERRNOS.has(code)) return storeUnavailable(`${code} from PostgreSQL`, error);
    if (CONFLICT_SQLSTATES.has(code)) return transactionConflict(code, error);
  }
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((m) => message.includes(m)))
    return storeUnavailable("the connection to PostgreSQL was lost", error);
  return undefined;
}
