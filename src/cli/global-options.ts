/**
 * The options every command takes (DESIGN.md §7): `--json`, and either where the database is
 * and whom the changes are attributed to in which tenant (local mode), or which server to call
 * with which token (remote mode: the token names the tenant, the role and the actor).
 */
import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { StrataError } from "../core/errors.js";
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
    .option("--tenant <id>", `the tenant to act in (default: ${DEFAULT_TENANT}; local mode)`)
    .option("--server <url>", "call a Strata server instead of opening a database ($STRATA_SERVER)")
    .option("--token <token>", "the API token for --server ($STRATA_TOKEN)");
}

/** The flags as given, before defaults. */
interface GivenOptions {
  db?: string;
  json?: boolean;
  actor?: string;
  tenant?: string;
  server?: string;
  token?: string;
}

/** Whether `--json` was given (known even when the other options are contradictory). */
export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<GivenOptions>().json === true;
}

/**
 * Reads the global options a command was given, applying the defaults. Flags win over the
 * environment: `--db` means local mode even with `$STRATA_SERVER` set, and `--server` remote
 * mode even with `$STRATA_DB` set.
 */
export function readGlobalOptions(command: Command, io: CliIo): GlobalOptions {
  const given = command.optsWithGlobals<GivenOptions>();
  const json = given.json === true;
  const server =
    given.server ?? (given.db === undefined ? fromEnv(io, "STRATA_SERVER") : undefined);
  if (server === undefined) {
    return {
      json,
      backend: {
        mode: "local",
        database: databaseLocation(given.db, io),
        tenant: given.tenant ?? DEFAULT_TENANT,
        actor: given.actor ?? localActor(),
      },
    };
  }
  if (given.db !== undefined) {
    throw new StrataError(
      "validation_failed",
      "give either --db (local mode) or --server, not both",
    );
  }
  for (const flag of ["tenant", "actor"] as const) {
    if (given[flag] !== undefined) {
      throw new StrataError(
        "validation_failed",
        `--${flag} applies to local mode only: against a server, the token names the tenant and the actor`,
      );
    }
  }
  const token = given.token ?? fromEnv(io, "STRATA_TOKEN");
  if (token === undefined) {
    throw new StrataError(
      "unauthorized",
      `the server ${server} needs a token: pass --token or set $STRATA_TOKEN (an admin creates one with \`strata token create\`)`,
    );
  }
  return { json, backend: { mode: "remote", server, token } };
}

/** An environment variable's value; empty counts as unset. */
function fromEnv(io: CliIo, name: string): string | undefined {
  const value = io.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** `--db`, else `$STRATA_DB`, else `./strata.db`; a file path resolves against the cwd. */
function databaseLocation(flag: string | undefined, io: CliIo): string {
  const location = flag ?? fromEnv(io, "STRATA_DB") ?? DEFAULT_DATABASE;
  return isPostgresUrl(location) || isAbsolute(location) ? location : resolve(io.cwd, location);
}
