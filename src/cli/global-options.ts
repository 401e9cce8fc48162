/**
 * The options every command takes (DESIGN.md §7): where the database is, `--json`, and whom the
 * changes are attributed to in which tenant. Remote mode (`--server`, `--token`) will join here.
 */
import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_TENANT, localActor } from "../index.js";
import { isPostgresUrl } from "../store/store.js";
import type { BackendOptions } from "./backend.js";
import type { CliIo } from "./cli-io.js";

/** The global options once defaults are applied. */
export interface GlobalOptions {
  json: boolean;
  backend: BackendOptions;
}

/** The SQLite file used when neither `--db` nor `$STRATA_DB` names a database. */
export const DEFAULT_DATABASE = "./strata.db";

/**
 * Declares the global options on a command. The program and every subcommand declare them
 * (program options are positional, see program.ts), so they are accepted before or after a
 * subcommand; `optsWithGlobals` merges them.
 */
export function addGlobalOptions(command: Command): Command {
  return command
    .option(
      "--db <path|postgres-url>",
      `SQLite file or postgres:// URL (default: $STRATA_DB, else ${DEFAULT_DATABASE})`,
    )
    .option("--json", "print one JSON document on stdout (errors too)")
    .option("--actor <name>", "who the changes are attributed to (default: the OS user)")
    .option("--tenant <id>", `the tenant to act in (default: ${DEFAULT_TENANT})`);
}

/** Reads the global options a command was given, applying the defaults. */
export function readGlobalOptions(command: Command, io: CliIo): GlobalOptions {
  const given = command.optsWithGlobals<{
    db?: string;
    json?: boolean;
    actor?: string;
    tenant?: string;
  }>();
  return {
    json: given.json === true,
    backend: {
      database: databaseLocation(given.db, io),
      tenant: given.tenant ?? DEFAULT_TENANT,
      actor: given.actor ?? localActor(),
    },
  };
}

/** `--db`, else `$STRATA_DB`, else `./strata.db`; a file path resolves against the cwd. */
function databaseLocation(flag: string | undefined, io: CliIo): string {
  const fromEnv = io.env.STRATA_DB === "" ? undefined : io.env.STRATA_DB;
  const location = flag ?? fromEnv ?? DEFAULT_DATABASE;
  return isPostgresUrl(location) || isAbsolute(location) ? location : resolve(io.cwd, location);
}
