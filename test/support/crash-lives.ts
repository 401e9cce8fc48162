/**
 * Runs the crash test's driver (`crash-driver.ts`) life after life: each life is a new
 * `node --import tsx` process, killed with SIGKILL at a seeded random moment after it said
 * `ready`, until the last life, which is left to finish and print `done`.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { seededRandom } from "./crash-plan.js";

const DRIVER = fileURLToPath(new URL("./crash-driver.ts", import.meta.url));

/** How to drive. */
export interface LivesOptions {
  /** The database (SQLite path or PostgreSQL URL), migrated and with the workflows published. */
  location: string;
  /** Where the driver writes its logs. */
  logDir: string;
  /** Seeds the plan and the kill moments. */
  seed: number;
  /** How many lives are killed; one more life then finishes the work. */
  kills: number;
  /** A kill lands between `min` and `max` ms after the life said `ready`. */
  killDelayMs: { min: number; max: number };
  /** Every life, the last included, must be over by then (ms from the first spawn). */
  deadlineMs: number;
}

/** How one life ended. */
interface LifeEnd {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** One driver process: `ready` is true once it printed `ready`, false if it exited first. */
interface Life {
  ready: Promise<boolean>;
  exited: Promise<LifeEnd>;
  kill: () => void;
}

/**
 * Starts, kills and restarts the driver `kills` times, then lets the last life finish.
 * Throws, with the life's output, when a life exits by itself before its kill, when the last
 * one does not print `done`, or when the deadline passes. Returns the kills made.
 */
export async function driveLives(options: LivesOptions): Promise<{ kills: number }> {
  const random = seededRandom(options.seed * 7919);
  const { min, max } = options.killDelayMs;
  const deadline = Date.now() + options.deadlineMs;
  let kills = 0;
  for (let life = 0; life <= options.kills; life++) {
    const driver = startLife(options, life);
    let overdue = false;
    const timer = setTimeout(
      () => {
        overdue = true;
        driver.kill();
      },
      Math.max(0, deadline - Date.now()),
    );
    const failed = (end: LifeEnd) => lifeFailed(life, end, overdue ? options.deadlineMs : null);
    try {
      if (!(await driver.ready)) throw failed(await driver.exited);
      if (life === options.kills) {
        const end = await driver.exited;
        if (end.code !== 0 || !end.stdout.includes("done")) throw failed(end);
        continue;
      }
      const early = await Promise.race([sleep(min + random() * (max - min)), driver.exited]);
      if (early !== undefined) throw failed(early);
      driver.kill();
      const end = await driver.exited;
      if (end.signal !== "SIGKILL" || overdue) throw failed(end);
      kills++;
    } finally {
      clearTimeout(timer);
    }
  }
  return { kills };
}

function startLife(options: LivesOptions, life: number): Life {
  const lives = options.kills + 1;
  const args = [DRIVER, options.location, options.logDir, life, lives, options.seed].map(String);
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) markReady(true);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<LifeEnd>((resolve) =>
    child.on("close", (code, signal) => {
      markReady(false);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { ready, exited, kill: () => child.kill("SIGKILL") };
}

function lifeFailed(life: number, end: LifeEnd, overdueAfterMs: number | null): Error {
  const how =
    overdueAfterMs !== null
      ? `was still running at the deadline (${overdueAfterMs} ms from the first life)`
      : end.signal === null
        ? `exited with code ${end.code} unexpectedly`
        : `was killed by ${end.signal} unexpectedly`;
  return new Error(
    `driver life ${life} ${how}\nstdout:\n${end.stdout}\nstderr:\n${end.stderr || "(empty)"}`,
  );
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
