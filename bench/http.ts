/**
 * HTTP bench (issue #4): production runs of the loan decision flow started through the real
 * API (`POST /v1/workflows/loan/runs` with a bearer token, executed and persisted), driven by
 * autocannon, against a floor: a plain `node:http` server making the same decision in one
 * handler, loaded the same way in the same bench run. Each server runs in a forked process
 * (bench/http-server.ts), so the load generator in this process does not share its core.
 * `STRATA_BENCH_CPU_PROF=<dir>` writes a CPU profile of each server process into that folder.
 */
import { execFileSync, fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { RawResult, Result } from "autocannon";
import type { ParentMessage, ServerMessage, ServerUsage } from "./http-server.js";
import { report, round } from "./support.js";
import type { BenchDatabase } from "./support.js";

/** Connections autocannon keeps busy, as the issue asks. */
const CONNECTIONS = 32;
/** The measured load of each server comes in this many turns. */
const SLICES = 5;
/** Load before measuring, so both servers are measured with their code optimized. */
const WARMUP_SECONDS = 2;
/** How long a server may take to start or to stop. */
const SERVER_TIMEOUT_MS = 60_000;

/**
 * Sixteen applications, approved and rejected. Their bodies are built once: autocannon's
 * `setupRequest` (a fresh body each request) costs the load generator over 10% of the floor,
 * and its `idReplacement` sends a wrong Content-Length (it assumes 27 bytes more an id).
 */
const BODIES = Array.from({ length: 16 }, (_, i) =>
  JSON.stringify({
    input: {
      amount: 500 + (i % 8) * 1100,
      applicant: {
        id: `applicant-${i}`,
        income: 40_000 + (i % 8) * 7_500,
        age: 22 + (i % 9) * 5,
        country: ["DE", "US", "FR", "NL", "GB"][i % 5],
      },
    },
  }),
);

/** A server process, listening. */
interface Server {
  port: number;
  token: string;
  /** Production runs in its database. */
  count(): Promise<number>;
  /** The CPU it has used so far. */
  usage(): Promise<ServerUsage>;
  /** Stops it (killing it if it does not exit in time); idempotent. */
  stop(): Promise<void>;
}

/** The next message of `type` from `child`; rejects if the child exits or times out first. */
function nextMessage<T extends ServerMessage["type"]>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no ${type} from the server`)),
      SERVER_TIMEOUT_MS,
    );
    const onMessage = (message: ServerMessage): void => {
      if (message.type === type) done(null, message as Extract<ServerMessage, { type: T }>);
    };
    const onExit = (code: number | null): void =>
      done(new Error(`the server exited (code ${code}) before ${type}`));
    const done = (error: Error | null, message?: Extract<ServerMessage, { type: T }>): void => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (message === undefined) reject(error ?? new Error(`no ${type}`));
      else resolve(message);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

let built = false;

/**
 * The server runs the compiled dist/, as `npm start` does; it is rebuilt once per bench run so
 * that it matches src/ (unless `STRATA_BENCH_SOURCE=src` loads src/ through tsx instead).
 */
function buildOnce(): void {
  if (built || process.env.STRATA_BENCH_SOURCE === "src") return;
  execFileSync(process.execPath, ["scripts/build.mjs"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "ignore", "inherit"],
  });
  built = true;
}

/** Forks bench/http-server.ts with `args` and waits until it listens. */
async function startServer(args: string[]): Promise<Server> {
  const profileDir = process.env.STRATA_BENCH_CPU_PROF;
  const child = fork(fileURLToPath(new URL("./http-server.ts", import.meta.url)), args, {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    execArgv: [
      "--import",
      "tsx",
      ...(profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const send = (message: ParentMessage): void => {
    if (child.connected) child.send(message);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    send({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), SERVER_TIMEOUT_MS);
    });
    if (await Promise.race([exited.then(() => false), late])) {
      child.kill("SIGKILL");
      await exited;
    }
    clearTimeout(timer);
  };
  const ask = () => {
    const answer = nextMessage(child, "count");
    send({ type: "count" });
    return answer;
  };
  try {
    const { port, token } = await nextMessage(child, "listening");
    return {
      port,
      token,
      count: async () => (await ask()).persisted,
      usage: async () => (await ask()).usage,
      stop,
    };
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw error;
  }
}

/** Where the requests go. */
function target(server: Server): { url: string; headers: Record<string, string> } {
  return {
    url: `http://127.0.0.1:${server.port}/v1/workflows/loan/runs`,
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
  };
}

/** autocannon at {@link CONNECTIONS} connections for `seconds`; the raw result, unaggregated. */
function load(server: Server, seconds: number): Promise<RawResult> {
  return autocannon({
    ...target(server),
    connections: CONNECTIONS,
    duration: seconds,
    method: "POST",
    requests: BODIES.map((body) => ({ body })),
    skipAggregateResult: true,
  });
}

/** Slices of one server's load, summed. */
interface Load {
  result: Result;
  ok: number;
  seconds: number;
}

function total(server: Server, slices: RawResult[]): Load {
  return {
    result: autocannon.aggregateResult(slices, { ...target(server), connections: CONNECTIONS }),
    ok: slices.reduce((sum, slice) => sum + slice["2xx"], 0),
    seconds: slices.reduce((sum, slice) => sum + slice.duration, 0),
  };
}

/** Each body's status and output, once, to check both servers decide alike. */
async function decisions(server: Server): Promise<string[]> {
  const { url, headers } = target(server);
  const answers: string[] = [];
  for (const body of BODIES) {
    const response = await fetch(url, { method: "POST", headers, body });
    const { status, output } = (await response.json()) as { status?: unknown; output?: unknown };
    answers.push(`${response.status} ${JSON.stringify({ status, output })}`);
  }
  return answers;
}

/**
 * Production runs once the server has committed every start it received: autocannon stops at
 * the deadline without waiting for the requests still in flight, which the server finishes.
 */
async function settledCount(server: Server): Promise<number> {
  let count = await server.count();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await server.count();
    if (again === count) return count;
    count = again;
  }
}

/**
 * Both servers run side by side, idle but for the one under load; the floor and Strata are
 * loaded in turn, {@link SLICES} times each, so anything else the machine does while the bench
 * runs slows both alike and the ratio stays meaningful. One line is reported.
 */
export async function benchHttp(database: BenchDatabase, seconds: number): Promise<void> {
  buildOnce();
  const floorServer = await startServer(["floor"]);
  let floor: Load;
  let strata: Load;
  let persisted: number;
  let used: ServerUsage;
  try {
    const strataServer = await startServer(["strata", database.location]);
    try {
      const expected = await decisions(floorServer);
      const answers = await decisions(strataServer);
      if (answers.join("\n") !== expected.join("\n"))
        throw new Error(
          `the floor decides differently:\n${answers.join("\n")}\nvs\n${expected.join("\n")}`,
        );
      await load(floorServer, WARMUP_SECONDS);
      await load(strataServer, WARMUP_SECONDS);
      const before = await settledCount(strataServer);
      const usageBefore = await strataServer.usage();
      const floorSlices: RawResult[] = [];
      const strataSlices: RawResult[] = [];
      for (let slice = 0; slice < SLICES; slice++) {
        floorSlices.push(await load(floorServer, seconds / SLICES));
        strataSlices.push(await load(strataServer, seconds / SLICES));
      }
      // Every 2xx answer, plus the starts in flight when a slice ended (one a connection).
      persisted = (await settledCount(strataServer)) - before;
      const usageAfter = await strataServer.usage();
      used = {
        cpuMicros: usageAfter.cpuMicros - usageBefore.cpuMicros,
        loopBusyMs: usageAfter.loopBusyMs - usageBefore.loopBusyMs,
      };
      floor = total(floorServer, floorSlices);
      strata = total(strataServer, strataSlices);
    } finally {
      await strataServer.stop();
    }
  } finally {
    await floorServer.stop();
  }
  const runsPerSec = strata.ok / strata.seconds;
  const floorReqPerSec = floor.ok / floor.seconds;
  report({
    bench: "http.runs.start",
    db: database.db,
    note: "POST /v1/workflows/loan/runs, persisted; floor: plain node:http, same decision",
    connections: CONNECTIONS,
    seconds,
    runsPerSec: round(runsPerSec),
    p50Ms: strata.result.latency.p50,
    p99Ms: strata.result.latency.p99,
    non2xx: strata.result.non2xx,
    errors: strata.result.errors + strata.result.timeouts,
    persisted,
    floorReqPerSec: round(floorReqPerSec),
    floorP50Ms: floor.result.latency.p50,
    floorP99Ms: floor.result.latency.p99,
    floorNon2xx: floor.result.non2xx,
    ratio: round(runsPerSec / floorReqPerSec),
    target: 0.25,
    // The server's own cost of a run, steadier than runs/s on a busy machine: CPU of all its
    // threads, and the time its event loop (the one thread that parses, checks and decides)
    // was busy.
    serverCpuUsPerRun: round(used.cpuMicros / persisted),
    serverLoopUsPerRun: round((used.loopBusyMs * 1000) / persisted),
  });
  const problems = [
    strata.result.non2xx + floor.result.non2xx > 0 ? "non-2xx answers" : "",
    strata.result.errors + strata.result.timeouts + floor.result.errors > 0
      ? "connection errors or timeouts"
      : "",
    persisted < strata.ok || persisted > strata.ok + CONNECTIONS * SLICES
      ? `${persisted} runs persisted for ${strata.ok} answers`
      : "",
  ].filter((problem) => problem !== "");
  if (problems.length > 0) {
    process.stderr.write(`http.runs.start (${database.db}): ${problems.join("; ")}\n`);
    process.exitCode = 1;
  }
}
