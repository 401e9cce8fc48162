/** Child process for the migration race test: opens a store and prints how many migrations it has. */
import { sql } from "kysely";
import { openStore } from "../../src/store/open-store.js";

const location = process.argv[2];
if (location === undefined) throw new Error("usage: open-store-child <location>");
const store = await openStore(location);
const { rows } = await sql<{ id: number }>`SELECT id FROM strata_migrations`.execute(store.db);
console.log(JSON.stringify(rows.length));
await store.close();
