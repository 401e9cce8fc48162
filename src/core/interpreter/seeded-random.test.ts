import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandomSource, randomAt, seedFromRunId } from "./seeded-random.js";

describe("seedFromRunId", () => {
  it("is FNV-1a over the id", () => {
    expect(seedFromRunId("")).toBe(0x811c9dc5);
    expect(seedFromRunId("a")).toBe(0xe40c292c); // the published FNV-1a 32 test vector
  });

  it("gives different runs different seeds", () => {
    expect(seedFromRunId("run_1")).not.toBe(seedFromRunId("run_2"));
  });
});

describe("randomAt", () => {
  it("stays in [0, 1) and depends only on seed and counter", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (seed, counter) => {
        const value = randomAt(seed, counter);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
        expect(randomAt(seed, counter)).toBe(value);
      }),
    );
  });

  it("spreads consecutive draws evenly", () => {
    const buckets = new Array<number>(10).fill(0);
    for (let counter = 0; counter < 10_000; counter++) {
      const bucket = Math.floor(randomAt(seedFromRunId("run_1"), counter) * 10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });
});

describe("createRandomSource", () => {
  it("continues a run's stream from the stored counter", () => {
    const first = createRandomSource("run_1", 0);
    const draws = [first.next(), first.next(), first.next()];
    expect(first.counter).toBe(3);
    const resumed = createRandomSource("run_1", 1);
    expect([resumed.next(), resumed.next()]).toEqual(draws.slice(1));
    expect(resumed.counter).toBe(3);
  });
});
