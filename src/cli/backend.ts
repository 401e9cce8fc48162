/**
 * What the CLI commands talk to. Commands see only {@link StrataBackend}, never the store, so a
 * remote mode (`--server URL --token T`, `$STRATA_SERVER`/`$STRATA_TOKEN`) can later return an
 * HTTP client of the same shape from {@link openBackend} without touching any command.
 */
import { Strata } from "../index.js";

/** The operations the CLI needs: the library facade's four groups. */
export type StrataBackend = Pick<Strata, "workflows" | "drafts" | "versions" | "audit">;

/** A backend the caller must close when the command is done, success or failure. */
export type OpenedBackend = StrataBackend & {
  /** Releases the database connection (or, later, the HTTP agent). */
  close(): Promise<void>;
};

/**
 * Where and as whom to work. Local mode only for now; remote mode will add `server` and
 * `token` here and branch in {@link openBackend}.
 */
export interface BackendOptions {
  /** A SQLite file path (already resolved) or a `postgres://` URL. */
  database: string;
  tenant: string;
  actor: string;
}

/** Opens the backend the options name: today always the embedded engine on `database`. */
export async function openBackend(options: BackendOptions): Promise<OpenedBackend> {
  return Strata.open({ database: options.database, tenant: options.tenant, actor: options.actor });
}
