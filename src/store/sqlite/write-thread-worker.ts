/**
 * The SQLite write thread (see ./write-thread.ts): a connection of its own to the same file,
 * which runs each batch of statements in one transaction and answers with the rows each
 * statement changed, or with the error that rolled the batch back.
 */
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import type { WriteAnswer, WriteRequest, WriteThreadOptions } from "./write-thread.js";
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

function write(request: Extract<WriteRequest, { type: "write" }>): WriteAnswer {
  try {
    database.exec("BEGIN IMMEDIATE");
    try {
      const changes = decodeBatch(request.statements).map(({ sql, parameters }) =>
        Number(cached.prepare(sql).run(parameters).changes),
      );
      database.exec("COMMIT");
      return { id: request.id, changes };
    } catch (error) {
      if (database.inTransaction) database.exec("ROLLBACK");
      throw error;
    }
  } catch (error) {
    return failed(request.id, error);
  }
}

/** An error as it crosses to the main thread: its message and SQLite's code. */
function failed(id: number, error: unknown): WriteAnswer {
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
port.on("message", (request: WriteRequest) => {
  if (request.type === "close") {
    database.close();
    port.close();
    return;
  }
  port.postMessage(write(request));
});
