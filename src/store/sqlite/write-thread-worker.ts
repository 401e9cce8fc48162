/**
 * The SQLite write thread (see ./write-thread.ts): a connection of its own to the same file.
 * Batches handed over while it commits wait in its queue; it takes all of them at once and
 * commits them in one transaction (one fsync), answering each with the rows its statements
 * changed. If that transaction fails, each batch is run again in a transaction of its own, so
 * a bad batch is answered with its error and does not take its neighbours down with it.
 */
import Database from "better-sqlite3";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { WriteAnswer, WriteRequest, WriteResult, WriteThreadOptions } from "./write-thread.js";
import { configureConnection } from "./connection-settings.js";
import { withStatementCache } from "./statement-cache.js";
import { decodeBatch } from "./write-batch-codec.js";

const port = parentPort;
if (port === null) throw new Error("write-thread-worker runs only as a worker thread");
const options = workerData as WriteThreadOptions;
const database = new Database(options.path);
configureConnection(database, options.synchronous);

/** Statements kept by their text, as on the main connection. */
const cached = withStatementCache(database);

type Write = Extract<WriteRequest, { type: "write" }>;

/** What one write did: the rows each statement changed, and the rows a `RETURNING` gave. */
interface Done {
  changes: number[];
  rows?: unknown[];
}

/** Runs a write's statements (in the open transaction). */
function run(request: Write): Done {
  const done: Done = { changes: [] };
  for (const { sql, parameters } of decodeBatch(request.statements)) {
    const statement = cached.prepare(sql);
    if (statement.reader) {
      // A write with RETURNING gives one row for each row it changed.
      done.rows = statement.all(parameters);
      done.changes.push(done.rows.length);
    } else done.changes.push(Number(statement.run(parameters).changes));
  }
  return done;
}

// The connection's own setting, and the one for a commit of relaxed writes alone.
const durable = database.prepare(`PRAGMA synchronous = ${options.synchronous}`);
const relaxed =
  options.synchronous === "NORMAL" ? null : database.prepare("PRAGMA synchronous = NORMAL");

/** Runs `writes` in one transaction; what each did. */
function commit(writes: readonly Write[]): Done[] {
  // NORMAL, not OFF: in WAL mode it skips the commit's fsync but still syncs checkpoints, so
  // a power loss can undo a relaxed commit, never corrupt the file.
  const relax = relaxed !== null && writes.every((request) => request.relaxed === true);
  if (relax) relaxed.run();
  try {
    database.exec("BEGIN IMMEDIATE");
    try {
      const done = writes.map(run);
      database.exec("COMMIT");
      return done;
    } catch (error) {
      if (database.inTransaction) database.exec("ROLLBACK");
      throw error;
    }
  } finally {
    if (relax) durable.run();
  }
}

/** Commits `writes` together, else each alone; one answer per write, in order. */
function writeAll(writes: readonly Write[]): WriteResult[] {
  try {
    return commit(writes).map((done, index) => ({ id: (writes[index] as Write).id, ...done }));
  } catch (error) {
    if (writes.length === 1) return [failed((writes[0] as Write).id, error)];
    return writes.flatMap((request) => writeAll([request]));
  }
}

/** An error as it crosses to the main thread: its message and SQLite's code. */
function failed(id: number, error: unknown): WriteResult {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    id,
    error: {
      message: typeof message === "string" ? message : "the statement failed",
      ...(typeof code === "string" ? { code } : {}),
    },
  };
}

port.postMessage({ ready: true } satisfies WriteAnswer);
port.on("message", (first: WriteRequest) => {
  // Everything queued behind the first message goes into the same transaction.
  const writes: Write[] = [];
  let closing = false;
  for (let request: WriteRequest | undefined = first; request !== undefined;) {
    if (request.type === "close") {
      closing = true; // sent last: nothing follows it
      break;
    }
    writes.push(request);
    const next: { message: WriteRequest } | undefined = receiveMessageOnPort(port);
    request = next?.message;
  }
  if (writes.length > 0) port.postMessage({ answers: writeAll(writes) } satisfies WriteAnswer);
  if (closing) {
    database.close();
    port.close();
  }
});
