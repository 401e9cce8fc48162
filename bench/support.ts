/** Shared bench helpers: timing, percentiles, JSON-line output, throwaway databases. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** One benchmark result, printed as one JSON line. */
export type BenchResult = Record<string, string | number | boolean | null>;

/** Prints a result as a JSON line on stdout (machine-readable; see docs/performance.md). */
export function report(result: BenchResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Latency percentiles, in milliseconds, of a list of durations in nanoseconds. */
export function percentiles(samples: readonly bigint[]): { p50Ms: number; p99Ms: number } {
  const sorted = samples.map((s) => Number(s) / 1e6).sort((a, b) => a - b);
  const at = (q: number): number =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Rounds to three significant decimals for readable output. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Runs `work` `count` times sequentially; returns per-call durations and the total seconds. */
export async function timeEach(
  count: number,
  work: (i: number) => Promise<unknown>,
): Promise<{ samples: bigint[]; seconds: number }> {
  const samples: bigint[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await work(i);
    samples.push(process.hrtime.bigint() - t0);
  }
  return { samples, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** A database for one bench: a temp SQLite file or a fresh PostgreSQL database. */
export interface BenchDatabase {
  db: "sqlite" | "postgres";
  location: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server benches use, if any answers. */
export async function benchPostgresUrl(): Promise<string | null> {
  const url =
    process.env.STRATA_BENCH_PG_URL ??
    process.env.STRATA_TEST_PG_URL ??
    "postgres://postgres@127.0.0.1:5432/postgres";
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a throwaway database of the given kind. */
export async function createBenchDatabase(
  db: "sqlite" | "postgres",
  pgUrl: string | null,
): Promise<BenchDatabase> {
  if (db === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "strata-bench-"));
    return {
      db,
      location: join(dir, "bench.db"),
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  if (pgUrl === null) throw new Error("no PostgreSQL server for the bench");
  const name = `strata_bench_${process.pid}_${Date.now()}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    db,
    location: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
