/**
 * The PostgreSQL store: a pg pool behind Kysely. Mirrors `../sqlite/sqlite-store.ts`.
 */
import pg from "pg";
import { Kysely, PostgresDialect, sql } from "kysely";
import { applyMigrations, loadMigrations, schemaStatus } from "../migrate.js";
import type { MigrationSession } from "../migrate.js";
import type { StrataSchema } from "../schema.js";
import { redactUrl } from "../store.js";
import type { Store, StoreTransaction } from "../store.js";
import { withStoreFaults } from "../store-faults.js";
import { classifyPostgresFault } from "./postgres-faults.js";
import { DUE_CHANNEL, DueChannel } from "./due-channel.js";
import { PREPARED_MARK } from "../queries/prepared.js";
import { retryWhile } from "../../core/backoff.js";

/** An arbitrary constant naming Strata's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 7_301_462_019;

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** The most connections this process opens (default 10; `STRATA_POOL_SIZE`). */
  maxConnections?: number;
  /**
   * The longest one statement may run before the server cancels it, in ms (default 30,000;
   * 0: no limit). A cancelled statement is `store_unavailable`: a server too busy to answer.
   */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, from the pool or the server, in ms (default 5,000). */
  connectTimeoutMs?: number;
  /**
   * How long opening may keep retrying while the server is unreachable (a restart or a
   * failover under way), in ms; 0 (the default, for one-shot commands) fails at once.
   * `strata serve` and `strata worker` wait up to a minute.
   */
  startupRetryMs?: number;
}

/** The default statement timeout: far above any statement Strata makes, short of a hang. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * COUNT(*) and other int8 results arrive as strings by default; Strata's counters fit in a
 * double, so read them as numbers. Set per pool, not globally, to leave other users of pg be.
 */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as unknown)) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * A pg client that sends queries marked by `prepared()` (`../queries/prepared.ts`) as named
 * statements, prepared once per connection (and so run on a generic plan after a few).
 * The name is a hash of the text, so the same text always maps to the same statement.
 */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config, values] = args;
    if (
      args.length !== 2 ||
      typeof config !== "string" ||
      !config.startsWith(PREPARED_MARK) ||
      !Array.isArray(values)
    )
      return (super.query as (...a: unknown[]) => never)(...args);
    const name = statementName(config);
    const run = super.query.bind(this) as (q: object) => Promise<unknown>;
    return run({ name, text: config, values }).catch(async (error: unknown) => {
      await this.#forget(name, error);
      throw error;
    }) as never;
  }

  /**
   * A named statement the server no longer has (26000: a pooler reset the session) or whose
   * plan no longer fits the table (0A000 after a schema change) would fail on every call:
   * pg remembers it as prepared. Forget it (deallocating what the server kept), so the next
   * call prepares it afresh.
   */
  async #forget(name: string, error: unknown): Promise<void> {
    const code = (error as { code?: unknown }).code;
    if (code !== "26000" && code !== "0A000") return;
    const connection = (
      this as unknown as { connection: { parsedStatements: Record<string, string> } }
    ).connection;
    delete connection.parsedStatements[name];
    if (code === "0A000") await super.query(`DEALLOCATE ${name}`).catch(() => undefined);
  }
}

/** Names by statement text: the prepared texts are a fixed set (a few per process). */
const statementNames = new Map<string, string>();

/**
 * A statement's name: `strata_` and a 64-bit FNV-1a hash of its text, in hex (two 32-bit
 * halves with different offsets). Computed once per text: hashing a long text on every call
 * cost more than the claim it named.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name !== undefined) return name;
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(high ^ code, 0x01000193);
  }
  name = `strata_${(high >>> 0).toString(16).padStart(8, "0")}${(low >>> 0).toString(16).padStart(8, "0")}`;
  // Texts are few, but never let an unexpected stream of them grow the map without bound.
  if (statementNames.size >= 1000) statementNames.clear();
  statementNames.set(text, name);
  return name;
}

/** Connections of the pool for {@link Store.relaxedWrite}, besides `maxConnections`. */
const RELAXED_CONNECTIONS = 2;

/**
 * A pool of `max` connections to `url` with Strata's settings; `serverOptions` are passed to
 * each session as its startup `options` (`-c name=value`).
 */
function newPool(
  url: string,
  options: PostgresStoreOptions,
  max: number,
  serverOptions?: string,
): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: url,
    max,
    types,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // A server that vanished without a reset (a lost host, a partition) would leave a query
    // waiting for the kernel to give up on the socket, about 15 minutes: keep-alive probes
    // from 10 s find the dead connection, and the client gives up on an answer a little after
    // the server's own statement timeout would have.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(statementTimeout > 0
      ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + 5000 }
      : {}),
    ...(serverOptions === undefined ? {} : { options: serverOptions }),
  });
  // A connection can be closed by the server at any moment (restart, failover, an
  // administrator terminating backends, a proxy's timeout). pg reports it as an 'error' event:
  // on the pool for an idle client, on the client itself while it is checked out (pg-pool
  // removes its own listener then). Either one unhandled ends the process. The client is
  // useless afterwards: its next query fails (and becomes `store_unavailable` in the driver),
  // and the pool discards it when it is released; so the event itself needs no action.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/** Connects to a PostgreSQL database and migrates it. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const pool = newPool(url, options, options.maxConnections ?? 10);
  try {
    await migrateWhenReachable(pool, options.startupRetryMs ?? 0);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = new Kysely<StrataSchema>({
    dialect: withStoreFaults(new PostgresDialect({ pool }), classifyPostgresFault),
  });
  // Claims and lease renewals: single statements that may be lost in a crash (the run is
  // claimable again), on connections whose commits do not wait for the WAL flush. Each
  // statement commits by itself: one round trip, where BEGIN, SET LOCAL and COMMIT around it
  // made four. The pool opens its connections when first used (a server without a worker
  // never does).
  const relaxedPool = newPool(url, options, RELAXED_CONNECTIONS, "-c synchronous_commit=off");
  const relaxed = new Kysely<StrataSchema>({
    dialect: withStoreFaults(new PostgresDialect({ pool: relaxedPool }), classifyPostgresFault),
  });
  const due = new DueChannel(url);
  return {
    dialect: "postgres",
    location: redactUrl(url),
    db,
    transaction: <T>(work: (trx: StoreTransaction) => Promise<T>) => db.transaction().execute(work),
    relaxedWrite: <T>(work: (db: Kysely<StrataSchema>) => Promise<T>) => work(relaxed),
    // NOTIFY inside the transaction: PostgreSQL delivers it at COMMIT, and only then, to
    // every session listening (one notification per transaction however many runs it made).
    announceDue: async (trx) => void (await sql`SELECT pg_notify(${DUE_CHANNEL}, '')`.execute(trx)),
    onDueAnnounced: (listener) => due.subscribe(listener),
    health: () => schemaStatus(db, loadMigrations("postgres")),
    // READ COMMITTED (the default) takes a new snapshot per statement; REPEATABLE READ keeps
    // the first statement's for the whole transaction.
    readSnapshot: <T>(work: (db: Kysely<StrataSchema>) => Promise<T>) =>
      db
        .transaction()
        .setIsolationLevel("repeatable read")
        .setAccessMode("read only")
        .execute(work),
    close: async () => {
      await due.close();
      await relaxed.destroy();
      await db.destroy();
    },
  };
}

/**
 * Migrates, retrying with jittered backoff for up to `retryMs` while the server answers as
 * unreachable: a process started during a restart or failover waits for the database instead
 * of exiting. Any other error, or the last one after the deadline, is thrown.
 */
function migrateWhenReachable(pool: pg.Pool, retryMs: number): Promise<void> {
  return retryWhile(
    () => migratePostgres(pool),
    (error) => classifyPostgresFault(error) !== undefined,
    { forMs: retryMs },
  );
}

/** Applies pending migrations in one transaction holding an advisory lock. */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  const session: MigrationSession = {
    exec: async (sql) => void (await client.query(sql)),
    select: async <Row>(sql: string) => (await client.query(sql)).rows as Row[],
    run: async (sql, params) => void (await client.query(sql, params)),
  };
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await applyMigrations(session, loadMigrations("postgres"), (index) => `$${index}`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
