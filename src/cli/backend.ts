/**
 * What the CLI commands talk to. Commands see only {@link StrataBackend}, never the store: in
 * local mode it is the embedded engine on a database, in remote mode (`--server URL --token T`,
 * or `$STRATA_SERVER`/`$STRATA_TOKEN`) an HTTP client of the same shape, so every command works
 * both ways unchanged.
 *
 * `strata worker` and `strata serve` are the exceptions: they run the engine itself, so they
 * always need the local {@link Strata} (see {@link openLocalEngine}).
 */
import { StrataError } from "../core/errors.js";
import { Strata, StrataClient } from "../index.js";
import type { StrataApi, StrataOptions } from "../index.js";
import type { ProcessSettings } from "./process-settings.js";

/** The operations the CLI needs: the library facade's groups (`drafts` includes `run`). */
export type StrataBackend = StrataApi;

/** A backend the caller must close when the command is done, success or failure. */
export type OpenedBackend = StrataBackend & {
  /** Releases the database connection (nothing, for the HTTP client). */
  close(): Promise<void>;
};

/** Local mode: a database, and whom changes are attributed to in which tenant. */
export interface LocalBackendOptions {
  mode: "local";
  /** A SQLite file path (already resolved) or a `postgres://` URL. */
  database: string;
  tenant: string;
  actor: string;
}

/** Remote mode: a server and a token, which names the tenant, the role and the actor. */
export interface RemoteBackendOptions {
  mode: "remote";
  server: string;
  token: string;
}

/** Where and as whom to work. */
export type BackendOptions = LocalBackendOptions | RemoteBackendOptions;

/** Opens the backend the options name: the embedded engine, or a client of a server. */
export async function openBackend(options: BackendOptions): Promise<OpenedBackend> {
  if (options.mode === "remote") return new StrataClient(options);
  return Strata.open({ database: options.database, tenant: options.tenant, actor: options.actor });
}

/**
 * Opens the embedded engine itself, for the caller to start its worker loop on
 * (`strata.startWorker`). Only the built-in `http` handler is registered: handlers an
 * application registers in code exist only in that application's process.
 */
export async function openLocalEngine(
  options: BackendOptions,
  engine: {
    allowedHosts: readonly string[];
    maxDefinitionBytes?: number;
    /** The process's operational settings (`./process-settings.ts`). */
    settings?: ProcessSettings;
  },
  command: string,
): Promise<Strata> {
  if (options.mode === "remote") {
    throw new StrataError(
      "validation_failed",
      `strata ${command} runs the engine on a database itself: give it --db (or $STRATA_DB), not --server`,
    );
  }
  return Strata.open({
    database: options.database,
    tenant: options.tenant,
    actor: options.actor,
    http: { allowedHosts: engine.allowedHosts },
    ...(engine.maxDefinitionBytes === undefined
      ? {}
      : { maxDefinitionBytes: engine.maxDefinitionBytes }),
    ...(engine.settings === undefined ? {} : engineSettings(engine.settings)),
  });
}

/** How long `serve` and `worker` wait at start for an unreachable database. */
export const STARTUP_RETRY_MS = 60_000;

/** The library options a process's settings stand for. */
function engineSettings(settings: ProcessSettings): Partial<StrataOptions> {
  return {
    leaseMs: settings.leaseMs,
    ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
    ...(settings.retention === undefined ? {} : { retention: settings.retention }),
    store: {
      maxConnections: settings.poolSize,
      statementTimeoutMs: settings.statementTimeoutMs,
      // A long-running process started during a database restart waits for it.
      startupRetryMs: STARTUP_RETRY_MS,
    },
  };
}
