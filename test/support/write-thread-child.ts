/**
 * Child process for the write-thread tests: opens a SQLite store, hands the write thread one
 * insert without waiting for it and without closing the store, and then has nothing left to
 * do. The process must neither hang (an idle thread keeps no process alive) nor exit before
 * the insert committed (a thread with work pending does).
 */
import { sql } from "kysely";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const location = process.argv[2];
if (location === undefined) throw new Error("usage: write-thread-child <location>");
const store = await openSqliteStore(location);
const { writeBatch } = store;
if (writeBatch === undefined) throw new Error("the store has no write thread");
const insert = sql`insert into probe (n) values (${42})`.compile(store.db);
void writeBatch([insert]);
