/**
 * What the CLI commands talk to. Commands see only {@link StrataBackend}, never the store, so a
 * remote mode (`--server URL --token T`, `$STRATA_SERVER`/`$STRATA_TOKEN`) can later return an
 * HTTP client of the same shape from {@link openBackend} without touching any command.
 *
 * `strata worker` is the exception: it runs the engine itself, so it always needs the local
 * {@link Strata} (see {@link openLocalEngine}); a remote mode has no worker to offer.
 */
import { Strata } from "../index.js";

/** The operations the CLI needs: the library facade's groups (`drafts` includes `run`). */
export type StrataBackend = Pick<
  Strata,
  "workflows" | "drafts" | "versions" | "audit" | "runs" | "tokens"
>;

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

/** What `strata worker` adds to the backend options. */
export interface LocalEngineOptions extends BackendOptions {
  /** Hosts the built-in `http` task may call (`host` or `host:port`); empty: none. */
  allowedHosts: readonly string[];
}

/**
 * Opens the embedded engine itself, for the caller to start its worker loop on
 * (`strata.startWorker`). Only the built-in `http` handler is registered: handlers an
 * application registers in code exist only in that application's process.
 */
export async function openLocalEngine(options: LocalEngineOptions): Promise<Strata> {
  return Strata.open({
    database: options.database,
    tenant: options.tenant,
    actor: options.actor,
    http: { allowedHosts: options.allowedHosts },
  });
}
