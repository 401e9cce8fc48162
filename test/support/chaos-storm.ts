/**
 * The chaos test's storm: while it lasts, a random live process of the fleet is SIGKILLed
 * every so often and a replacement started at once; on PostgreSQL, every backend of the test
 * database is also terminated every so often (`pg_terminate_backend`, as an administrator or a
 * server restart would), from a connection of the test's own to another database.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { ROLES } from "./chaos-fleet.js";
import type { Fleet, Role } from "./chaos-fleet.js";

/** A range of delays, in ms. */
export interface Every {
  min: number;
  max: number;
}

/** How the storm blows. */
export interface StormOptions {
  fleet: Fleet;
  /** Seeded: picks the delays and the victims. */
  random: () => number;
  /** A kill every so often. */
  killEvery: Every;
  /** The server is killed only once it has been up this long (while it restarts, no client gets in). */
  serverUpMs: number;
  /** If the server has not been killed by then (ms since the epoch), the next kill is its. */
  serverKillBy: number;
  /** PostgreSQL: the database whose backends to terminate, and how often; absent for SQLite. */
  terminate?: { adminUrl: string; database: string; every: Every };
  /** Told about each kill and replacement (debugging). */
  log?: (line: string) => void;
}

/** A storm in progress. */
export class Storm {
  /** Each kill: the role and the life killed. */
  readonly kills: { role: Role; life: number }[] = [];
  /** Rounds of `pg_terminate_backend`, the backends they ended, and rounds that failed. */
  readonly terminations = { rounds: 0, backends: 0, failures: [] as string[] };
  #blowing = true;
  #done: Promise<unknown> = Promise.resolve();
  #admin: pg.Client | null = null;

  private constructor(private readonly options: StormOptions) {}

  /** Starts the storm. */
  static async start(options: StormOptions): Promise<Storm> {
    const storm = new Storm(options);
    const loops = [storm.#kill()];
    if (options.terminate !== undefined) {
      storm.#admin = new pg.Client({ connectionString: options.terminate.adminUrl });
      // Unhandled, a lost connection of the test's own would end the test process.
      storm.#admin.on("error", (error) =>
        storm.terminations.failures.push(`the admin connection failed: ${String(error)}`),
      );
      await storm.#admin.connect();
      loops.push(storm.#terminate(storm.#admin, options.terminate));
    }
    storm.#done = Promise.all(loops);
    return storm;
  }

  /** Ends the storm; resolves once no kill or termination is under way. */
  async stop(): Promise<void> {
    this.#blowing = false;
    await this.#done;
    await this.#admin?.end().catch(() => undefined);
    this.#admin = null;
  }

  #between({ min, max }: Every): number {
    return min + this.options.random() * (max - min);
  }

  async #kill(): Promise<void> {
    const { fleet, serverUpMs, log } = this.options;
    while (this.#blowing) {
      await sleep(this.#between(this.options.killEvery));
      if (!this.#blowing) break;
      // A process that is up; the server half as often as a worker, and only once it has
      // served a while.
      const up = ROLES.filter((role) => {
        const member = fleet.current(role);
        if (member === undefined || member.exit !== null || member.readyAt === null) return false;
        return role !== "serve" || Date.now() - member.readyAt >= serverUpMs;
      }).flatMap((role) => (role === "serve" ? [role] : [role, role]));
      const serverDue =
        Date.now() >= this.options.serverKillBy &&
        !this.kills.some((kill) => kill.role === "serve");
      const role =
        serverDue && up.includes("serve")
          ? "serve"
          : up[Math.floor(this.options.random() * up.length)];
      if (role === undefined) continue; // every process is starting
      const killed = await fleet.kill(role);
      if (killed === undefined) continue;
      this.kills.push({ role, life: killed.life });
      const next = fleet.spawn(role);
      log?.(`killed ${role} life ${killed.life}`);
      void next.ready.then((ready) =>
        log?.(`${role} life ${next.life} ${ready ? `ready in ${next.readyMs} ms` : "exited"}`),
      );
    }
  }

  async #terminate(
    admin: pg.Client,
    { database, every }: { database: string; every: Every },
  ): Promise<void> {
    while (this.#blowing) {
      await sleep(this.#between(every));
      if (!this.#blowing) break;
      try {
        const { rows } = await admin.query<{ done: boolean }>(
          "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity " +
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
          [database],
        );
        this.terminations.rounds++;
        this.terminations.backends += rows.filter((row) => row.done).length;
      } catch (error) {
        this.terminations.failures.push(`terminating backends failed: ${String(error)}`);
      }
    }
  }
}
