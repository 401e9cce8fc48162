/**
 * The operational settings of `strata serve` and `strata worker` (issue 16, DESIGN.md §10):
 * each one a flag and an environment variable, the flag winning, then the variable, then the
 * default. One table, so the commands' help, their parsing and `docs/operations.md` (whose
 * table a test compares with this one) cannot drift apart.
 */
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import { StrataError } from "../core/errors.js";
import { parseRetention } from "../core/retention-period.js";
import { DEFAULT_LEASE_MS } from "../engine/executor.js";
import { WORKER_DEFAULTS } from "../engine/worker.js";
import { DEFAULT_STATEMENT_TIMEOUT_MS } from "../store/postgres/postgres-store.js";

/** One setting: its flag, its variable, what it means and how its text is read. */
interface SettingSpec<T> {
  flag: string;
  env: string;
  help: string;
  /** The default as shown in help and docs; `undefined` is "not set". */
  shown: string;
  default: T;
  parse: (text: string, name: string) => T;
  /** The commands that take it. */
  commands: readonly ("serve" | "worker")[];
}

const both = ["serve", "worker"] as const;

/** A whole number from `min` up (to `max`); anything else says which setting and what it takes. */
function wholeNumber(
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): (text: string, name: string) => number {
  return (text, name) => {
    const value = Number(text.trim());
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
      throw new StrataError(
        "validation_failed",
        `${name} takes a whole number ${range}, not ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
}

function text(value: string): string {
  return value.trim();
}

/** Every setting, by the name the code uses. */
export const PROCESS_SETTINGS = {
  port: {
    flag: "--port <n>",
    env: "PORT",
    help: "the port the API listens on",
    shown: "8080",
    default: 8080,
    parse: wholeNumber(0, 65_535),
    commands: ["serve"],
  },
  host: {
    flag: "--host <address>",
    env: "STRATA_HOST",
    help: "the address the API listens on (0.0.0.0: every interface)",
    shown: "127.0.0.1",
    default: "127.0.0.1",
    parse: text,
    commands: ["serve"],
  },
  poolSize: {
    flag: "--pool-size <n>",
    env: "STRATA_POOL_SIZE",
    help: "PostgreSQL: the most connections this process opens",
    shown: "10",
    default: 10,
    parse: wholeNumber(1),
    commands: both,
  },
  statementTimeoutMs: {
    flag: "--statement-timeout-ms <ms>",
    env: "STRATA_STATEMENT_TIMEOUT_MS",
    help: "PostgreSQL: the longest one statement may run (0: no limit)",
    shown: String(DEFAULT_STATEMENT_TIMEOUT_MS),
    default: DEFAULT_STATEMENT_TIMEOUT_MS,
    parse: wholeNumber(0),
    commands: both,
  },
  leaseMs: {
    flag: "--lease-ms <ms>",
    env: "STRATA_LEASE_MS",
    help: "how long a claimed task stays this process's; a dead process's tasks resume elsewhere after it",
    shown: String(DEFAULT_LEASE_MS),
    default: DEFAULT_LEASE_MS,
    parse: wholeNumber(1000),
    commands: both,
  },
  heartbeatMs: {
    flag: "--heartbeat-ms <ms>",
    env: "STRATA_HEARTBEAT_MS",
    help: "how often a task in flight extends its lease (must be below the lease)",
    shown: "a third of the lease",
    default: undefined as number | undefined,
    parse: wholeNumber(50),
    commands: both,
  },
  concurrency: {
    flag: "--concurrency <n>",
    env: "STRATA_WORKER_CONCURRENCY",
    help: "how many runs the worker works on at once (its slots)",
    shown: String(WORKER_DEFAULTS.concurrency),
    default: WORKER_DEFAULTS.concurrency,
    parse: wholeNumber(1),
    commands: both,
  },
  pollMs: {
    flag: "--poll-ms <ms>",
    env: "STRATA_POLL_MS",
    help: "how often an idle worker looks for due work nobody announced (timers coming due)",
    shown: String(WORKER_DEFAULTS.pollMs),
    default: WORKER_DEFAULTS.pollMs,
    parse: wholeNumber(10),
    commands: both,
  },
  automationMs: {
    flag: "--automation-ms <ms>",
    env: "STRATA_AUTOMATION_MS",
    help: "how often rollout steps and guards, schedules, backtests and retention are looked at",
    shown: String(WORKER_DEFAULTS.automationMs),
    default: WORKER_DEFAULTS.automationMs,
    parse: wholeNumber(100),
    commands: both,
  },
  logLevel: {
    flag: "--log-level <level>",
    env: "STRATA_LOG_LEVEL",
    help: "the server's log level (fatal, error, warn, info, debug, trace, silent)",
    shown: "info",
    default: "info",
    parse: (value: string, name: string) => {
      const level = value.trim();
      if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(level)) {
        throw new StrataError(
          "validation_failed",
          `${name} takes fatal, error, warn, info, debug, trace or silent, not ${JSON.stringify(value)}`,
        );
      }
      return level;
    },
    commands: ["serve"],
  },
  retention: {
    flag: "--retention <age>",
    env: "STRATA_RETENTION",
    help: "prune finished runs older than this (90d, 12h, 30m) continuously, in small batches",
    shown: "off",
    default: undefined as number | undefined,
    parse: (value: string, name: string) => {
      try {
        return parseRetention(value);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StrataError("validation_failed", `${name}: ${reason}`);
      }
    },
    commands: both,
  },
} satisfies Record<string, SettingSpec<unknown>>;

/** The settings' names. */
export type SettingName = keyof typeof PROCESS_SETTINGS;

/** Every setting's value once resolved. */
export type ProcessSettings = {
  [K in SettingName]: (typeof PROCESS_SETTINGS)[K]["default"];
};

/** The flags' property names as commander sets them (`--pool-size` → `poolSize`). */
type SettingFlags = Partial<Record<SettingName, string>>;

/** Adds the settings of `commandName` to `command` as options (no defaults: unset stays unset). */
export function addSettingOptions(command: Command, commandName: "serve" | "worker"): Command {
  for (const spec of Object.values(PROCESS_SETTINGS)) {
    if (!(spec.commands as readonly string[]).includes(commandName)) continue;
    const name = spec.flag.split(" ")[0] ?? spec.flag;
    // A bad flag is a usage error (exit 2) like any other; the text is parsed again, with the
    // environment's, by resolveSettings.
    const option = new Option(spec.flag, `${spec.help} (default: ${spec.shown}; $${spec.env})`);
    command.addOption(
      option.argParser((value: string) => {
        try {
          spec.parse(value, name);
        } catch (error) {
          throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
        }
        return value;
      }),
    );
  }
  return command;
}

/**
 * Resolves each setting: the flag if given, else the environment variable if set and not
 * blank, else the default. A bad value is `validation_failed` naming the flag or variable.
 */
export function resolveSettings(
  flags: SettingFlags,
  env: Record<string, string | undefined>,
): ProcessSettings {
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PROCESS_SETTINGS) as [
    SettingName,
    SettingSpec<unknown>,
  ][]) {
    const flag = flags[name];
    const fromEnv = env[spec.env];
    if (flag !== undefined) resolved[name] = spec.parse(flag, spec.flag.split(" ")[0] ?? name);
    else if (fromEnv !== undefined && fromEnv.trim() !== "")
      resolved[name] = spec.parse(fromEnv, `$${spec.env}`);
    else resolved[name] = spec.default;
  }
  const settings = resolved as ProcessSettings;
  if (settings.heartbeatMs !== undefined && settings.heartbeatMs >= settings.leaseMs) {
    throw new StrataError(
      "validation_failed",
      `the heartbeat (${settings.heartbeatMs} ms) must be shorter than the lease (${settings.leaseMs} ms), or a task in flight would lose its claim between beats`,
    );
  }
  return settings;
}
