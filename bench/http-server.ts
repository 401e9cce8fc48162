/**
 * The server side of the HTTP bench (bench/http.ts), forked so that the load generator does
 * not share its event loop or core. `strata <database>`: the real app (`createApp`) over a
 * SQLite file or PostgreSQL URL, with the loan workflow published and an operator token.
 * `floor`: the same decision in one plain `node:http` handler, no database.
 * Strata's code comes from dist/ (see below). `STRATA_BENCH_SQLITE_SYNCHRONOUS=NORMAL` opens
 * SQLite without an fsync per commit (to see what the fsync costs; the default is Strata's
 * `FULL`); `STRATA_BENCH_SQLITE_WRITE_THREAD=off` commits run starts on the event loop instead
 * of the write thread.
 *
 * Over the IPC channel it sends `{ type: "listening", port, token }` once listening, answers
 * `{ type: "count" }` with the production runs persisted and the CPU it has used, and exits on
 * `{ type: "stop" }` or when the parent goes away.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import type { AddressInfo } from "node:net";
import type * as AppModule from "../src/api/app.js";
import type * as IndexModule from "../src/index.js";
import type * as SqliteStoreModule from "../src/store/sqlite/sqlite-store.js";

// The server as `npm start` runs it: the compiled dist/ (bench/http.ts builds it first), not
// src/ through tsx, whose transform adds a naming call to each function value created.
// `STRATA_BENCH_SOURCE=src` loads src/ instead.
const code = process.env.STRATA_BENCH_SOURCE === "src" ? "../src" : "../dist";
const { createApp } = (await import(`${code}/api/app.js`)) as typeof AppModule;
const { Strata, parseDefinitionText } = (await import(`${code}/index.js`)) as typeof IndexModule;
const { openSqliteStore } = (await import(
  `${code}/store/sqlite/sqlite-store.js`
)) as typeof SqliteStoreModule;

/** A message to the parent. */
export type ServerMessage =
  | { type: "listening"; port: number; token: string }
  | { type: "count"; persisted: number; usage: ServerUsage };

/** What the server process has used so far: CPU of all its threads, its event loop's busy time. */
export interface ServerUsage {
  cpuMicros: number;
  loopBusyMs: number;
}

/** A message from the parent. */
export type ParentMessage = { type: "count" } | { type: "stop" };

/** The loan flow's input, as examples/loan.yaml's input schema describes it. */
interface LoanInput {
  amount: number;
  applicant: { id: string; income: number; age: number; country: string };
}

/** JSONata's `$round`: half to even. */
function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(rounded - value) === 0.5 && Math.abs(rounded % 2) === 1 ? rounded - 1 : rounded;
}

function isLoanInput(input: unknown): input is LoanInput {
  if (typeof input !== "object" || input === null) return false;
  const { amount, applicant } = input as Partial<LoanInput>;
  if (typeof amount !== "number" || amount < 0) return false;
  if (typeof applicant !== "object" || applicant === null) return false;
  return (
    typeof applicant.id === "string" &&
    typeof applicant.income === "number" &&
    Number.isInteger(applicant.age) &&
    typeof applicant.country === "string"
  );
}

/** examples/loan.yaml's `score` and `route` nodes and its end nodes' outputs, by hand. */
export function decideLoan(input: LoanInput): { status: string; output: unknown } {
  const score = roundHalfEven(input.applicant.income / 1000) - input.applicant.age;
  if (input.amount > 10000 && score < 50) return { status: "waiting", output: null };
  const decision = ["DE", "FR", "NL"].includes(input.applicant.country) ? "approve" : "reject";
  return { status: "completed", output: { decision, score } };
}

/** The floor: parse the body, check the input, decide, answer JSON. */
function serveFloor(): Promise<{ port: number; close: () => Promise<void> }> {
  let next = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let status = 201;
      let answer: unknown;
      try {
        const { input } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          input?: unknown;
        };
        if (!isLoanInput(input)) throw new Error("input does not match the schema");
        answer = { id: `run_${++next}`, ...decideLoan(input) };
      } catch (error) {
        status = 400;
        answer = { code: "input_invalid", detail: String(error) };
      }
      const text = JSON.stringify(answer);
      response.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

/** Strata: the real app with the loan workflow published. */
async function serveStrata(database: string): Promise<{
  port: number;
  token: string;
  count: () => Promise<number>;
  close: () => Promise<void>;
}> {
  const synchronous = process.env.STRATA_BENCH_SQLITE_SYNCHRONOUS === "NORMAL" ? "NORMAL" : "FULL";
  const writeThread = process.env.STRATA_BENCH_SQLITE_WRITE_THREAD !== "off";
  const strata = database.startsWith("postgres")
    ? await Strata.open({ database, actor: "bench" })
    : Strata.fromStore(
        await openSqliteStore(database, { synchronous, writeThread }),
        { actor: "bench" },
        true,
      );
  const definition = parseDefinitionText(
    readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
  );
  await strata.workflows.create({ key: "loan", definition });
  await strata.drafts.publish("loan");
  const { token } = await strata.tokens.create({ role: "operator", name: "bench" });
  const app = await createApp({ services: strata.serviceLayer, rateLimit: 0 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    port: (app.server.address() as AddressInfo).port,
    token,
    count: async () => {
      const row = await strata.store.db
        .selectFrom("runs")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("kind", "=", "production")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    close: async () => {
      await app.close();
      await strata.close();
    },
  };
}

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

const [mode, database] = process.argv.slice(2);
const server =
  mode === "floor"
    ? { ...(await serveFloor()), token: "", count: () => Promise.resolve(0) }
    : mode === "strata" && database !== undefined
      ? await serveStrata(database)
      : null;
if (server === null) throw new Error("usage: http-server.ts floor | strata <database>");

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    process.exit(); // also writes the --cpu-prof profile
  }
};
process.on("disconnect", () => void stop());
process.on("message", (message: ParentMessage) => {
  if (message.type === "stop") void stop();
  else
    void server.count().then((persisted) => {
      const cpu = process.cpuUsage();
      const usage = {
        cpuMicros: cpu.user + cpu.system,
        loopBusyMs: performance.eventLoopUtilization().active,
      };
      send({ type: "count", persisted, usage });
    });
});
send({ type: "listening", port: server.port, token: server.token });
