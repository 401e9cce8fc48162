/**
 * The chaos test's processes: one `strata serve` (API and worker) and two `strata worker`,
 * each a real `node --import tsx src/cli/main.ts …` child on the test's database. The fleet
 * keeps one live process per role: the test SIGKILLs one (`kill`) and starts its replacement
 * (`spawn`), and the fleet remembers which exits the test caused, so that any other exit — a
 * crash — is reported with the process's output. Like a supervisor, the fleet starts a new
 * process in place of one that exited by itself, so that one crash does not hide what the rest
 * of the run would show; the crash is still reported.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** The fleet's roles: the server, and two workers. */
export const ROLES = ["serve", "worker-1", "worker-2"] as const;
export type Role = (typeof ROLES)[number];

/** What every process of the fleet is started with. */
export interface FleetOptions {
  /** The database: a SQLite path or a PostgreSQL URL. */
  location: string;
  /** The port `strata serve` listens on (the same for every life, so clients keep the URL). */
  port: number;
  /** `host:port` the http task may call. */
  allowHost: string;
  leaseMs: number;
  pollMs: number;
}

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One process of the fleet: one life of a role. */
export interface Member {
  role: Role;
  /** 0 for the role's first process, then 1, 2… for each replacement. */
  life: number;
  pid: number;
  child: ChildProcess;
  /** True once the process said it is listening (serve) or started (worker); false if it exited first. */
  ready: Promise<boolean>;
  isReady: boolean;
  exited: Promise<Exit>;
  exit: Exit | null;
  /** The test killed it on purpose. */
  killed: boolean;
  /** The test stopped it (SIGTERM) at the end. */
  stopped: boolean;
  stdout: string;
  stderr: string;
  startedAt: number;
  readyMs: number | null;
  /** When it became ready (ms since the epoch). */
  readyAt: number | null;
}

/** The most output kept per process (its end: where a crash says why). */
const OUTPUT_LIMIT = 200_000;

/** How long the fleet waits before it replaces a process that exited by itself. */
const RESTART_DELAY_MS = 250;

/** The one-time admin token the first `strata serve` prints. */
const TOKEN = /\n\s+(tok_\S+)/;

/** The processes, every life of every role. */
export class Fleet {
  readonly members: Member[] = [];
  readonly #current = new Map<Role, Member>();
  /** Whether a process that exits by itself is replaced (off once the test stops the fleet). */
  #supervising = true;

  constructor(private readonly options: FleetOptions) {}

  /** The live (or starting) process of `role`. */
  current(role: Role): Member | undefined {
    return this.#current.get(role);
  }

  /** Starts a new life of `role` (the previous one must be gone). */
  spawn(role: Role): Member {
    const { location, port, allowHost, leaseMs, pollMs } = this.options;
    const common = [
      "--db",
      location,
      "--lease-ms",
      String(leaseMs),
      "--poll-ms",
      String(pollMs),
      "--allow-host",
      allowHost,
    ];
    const args =
      role === "serve"
        ? ["serve", "--port", String(port), "--log-level", "error", ...common]
        : ["worker", ...common];
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, STRATA_RATE_LIMIT: "0", STRATA_LOG_LEVEL: "error" },
    });
    const life = this.members.filter((member) => member.role === role).length;
    let markReady: (ready: boolean) => void = () => undefined;
    const member: Member = {
      role,
      life,
      pid: child.pid ?? -1,
      child,
      ready: new Promise<boolean>((resolve) => (markReady = resolve)),
      isReady: false,
      exited: Promise.resolve({ code: null, signal: null }),
      exit: null,
      killed: false,
      stopped: false,
      stdout: "",
      stderr: "",
      startedAt: Date.now(),
      readyMs: null,
      readyAt: null,
    };
    const readyText = role === "serve" ? "strata listening on" : "worker started on";
    child.stdout?.on("data", (chunk: Buffer) => {
      member.stdout = keep(member.stdout + chunk.toString());
      if (!member.isReady && member.stdout.includes(readyText)) {
        member.isReady = true;
        member.readyAt = Date.now();
        member.readyMs = member.readyAt - member.startedAt;
        markReady(true);
      }
    });
    child.stderr?.on(
      "data",
      (chunk: Buffer) => (member.stderr = keep(member.stderr + chunk.toString())),
    );
    member.exited = new Promise<Exit>((resolve) =>
      child.on("close", (code, signal) => {
        member.exit = { code, signal };
        markReady(false);
        resolve(member.exit);
        if (
          !member.killed &&
          !member.stopped &&
          this.#supervising &&
          this.#current.get(role) === member
        )
          setTimeout(() => {
            if (this.#supervising && this.#current.get(role) === member) this.spawn(role);
          }, RESTART_DELAY_MS);
      }),
    );
    this.members.push(member);
    this.#current.set(role, member);
    return member;
  }

  /** Starts every role. */
  spawnAll(): Member[] {
    return ROLES.map((role) => this.spawn(role));
  }

  /** SIGKILLs the live process of `role` and waits until it is gone. */
  async kill(role: Role): Promise<Member | undefined> {
    const member = this.#current.get(role);
    if (member === undefined || member.exit !== null) return undefined;
    member.killed = true;
    member.child.kill("SIGKILL");
    await member.exited;
    return member;
  }

  /** The admin token the first serve to open the database printed, once it did. */
  token(): string | undefined {
    for (const member of this.members) {
      const token = member.role === "serve" ? TOKEN.exec(member.stderr)?.[1] : undefined;
      if (token !== undefined) return token;
    }
    return undefined;
  }

  /** Processes that ended without the test killing them. */
  unexpectedExits(): Member[] {
    return this.members.filter(
      (member) => member.exit !== null && !member.killed && !member.stopped,
    );
  }

  /** How many processes the test killed. */
  get kills(): number {
    return this.members.filter((member) => member.killed).length;
  }

  /**
   * Stops every live process with SIGTERM (a graceful stop), waits up to `timeoutMs` for each,
   * and SIGKILLs any still there. Returns each one's exit.
   */
  async stop(timeoutMs: number): Promise<{ member: Member; exit: Exit | "timeout" }[]> {
    this.#supervising = false;
    const live = [...this.#current.values()].filter((member) => member.exit === null);
    return Promise.all(
      live.map(async (member) => {
        member.stopped = true;
        member.child.kill("SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const exit = await Promise.race([
          member.exited,
          new Promise<"timeout">(
            (resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)),
          ),
        ]);
        clearTimeout(timer);
        if (exit === "timeout") {
          member.killed = true;
          member.child.kill("SIGKILL");
          await member.exited;
        }
        return { member, exit };
      }),
    );
  }

  /** SIGKILLs whatever is still running (the test's last resort, in `finally`). */
  async killAll(): Promise<void> {
    this.#supervising = false;
    const live = this.members.filter((member) => member.exit === null);
    for (const member of live) {
      member.killed = true;
      member.child.kill("SIGKILL");
    }
    await Promise.all(live.map((member) => member.exited));
  }
}

function keep(text: string): string {
  return text.length <= OUTPUT_LIMIT ? text : text.slice(text.length - OUTPUT_LIMIT);
}

/** A process's identity and the end of its output, for a failure message. */
export function describeMember(member: Member, tail = 3000): string {
  const how =
    member.exit === null
      ? "still running"
      : `exited with code ${member.exit.code} signal ${member.exit.signal}`;
  return (
    `${member.role} life ${member.life} (pid ${member.pid}) ${how}, ` +
    `${member.isReady ? `ready after ${member.readyMs} ms` : "never ready"}\n` +
    `stdout (end):\n${member.stdout.slice(-tail)}\nstderr (end):\n${member.stderr.slice(-tail)}`
  );
}
