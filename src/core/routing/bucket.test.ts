/**
 * Sticky assignment (DESIGN.md §3): the split over many keys is within ±1.5 points of the
 * target, a key keeps its side, raising the percentage only moves keys to the candidate, and
 * a new rollout reshuffles.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS, bucketOf, inCandidate, percentOfShare, shareOfPercent } from "./bucket.js";

const KEYS = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);

/** The share of `keys` the candidate gets in rollout `rolloutId` at `percent`, in percent. */
function candidateShare(rolloutId: string, percent: number, keys = KEYS): number {
  const share = shareOfPercent(percent);
  const hits = keys.filter((key) => inCandidate(bucketOf(rolloutId, key), share)).length;
  return (100 * hits) / keys.length;
}

describe("bucketOf", () => {
  it("splits 10,000 distinct keys within 1.5 points of the target, for many rollouts", () => {
    const measured: Array<[string, number, number]> = [];
    for (const rolloutId of ["rol_a", "rol_b", "rol_c", "rol_d"]) {
      for (const percent of [1, 5, 10, 25, 50, 75, 90, 99]) {
        const share = candidateShare(rolloutId, percent);
        measured.push([rolloutId, percent, share]);
        expect(Math.abs(share - percent), `${rolloutId} at ${percent}%: ${share}%`).toBeLessThan(
          1.5,
        );
      }
    }
    expect(measured).toHaveLength(32);
  });

  it("gives 0% nothing and 100% everything", () => {
    expect(candidateShare("rol_x", 0)).toBe(0);
    expect(candidateShare("rol_x", 100)).toBe(100);
  });

  it("puts a key in the same bucket every time, inside [0, 10000)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (rolloutId, key) => {
        const bucket = bucketOf(rolloutId, key);
        expect(bucket).toBe(bucketOf(rolloutId, key));
        expect(Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS).toBe(true);
      }),
    );
  });

  it("only moves keys from stable to candidate when the percentage rises", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (rolloutId, keys, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = (share: number) =>
            new Set(keys.filter((key) => inCandidate(bucketOf(rolloutId, key), share)));
          const before = at(low);
          const after = at(high);
          for (const key of before) expect(after.has(key)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reshuffles keys between rollouts: a new rollout is a fresh draw", () => {
    const share = shareOfPercent(50);
    const sides = (rolloutId: string) =>
      KEYS.slice(0, 2000).map((key) => inCandidate(bucketOf(rolloutId, key), share));
    const first = sides("rol_1");
    const second = sides("rol_2");
    const same = first.filter((side, i) => side === second[i]).length;
    // Independent draws agree about half the time.
    expect(same / first.length).toBeGreaterThan(0.45);
    expect(same / first.length).toBeLessThan(0.55);
  });
});

describe("shareOfPercent", () => {
  it("takes 0–100 with at most two decimals, and round-trips", () => {
    expect(shareOfPercent(10)).toBe(1000);
    expect(shareOfPercent(0.25)).toBe(25);
    expect(percentOfShare(shareOfPercent(33.33))).toBe(33.33);
    for (const bad of [-1, 100.01, 0.001, Number.NaN, Infinity]) {
      expect(() => shareOfPercent(bad)).toThrow(/percentage/);
    }
  });
});
