import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

/** A flush that records its batches and commits only when told to. */
function controlledFlush() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const flush = (items: readonly number[]) => {
    batches.push([...items]);
    return new Promise<number[]>((resolve) => {
      pending.push(() => resolve(items.map((item) => item * 10)));
    });
  };
  const commitNext = () => pending.shift()?.();
  return { batches, flush, commitNext };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("gathers the items of a moment into one flush and answers each", async () => {
    const { batches, flush, commitNext } = controlledFlush();
    const group = new GroupCommit(flush);
    const results = Promise.all([group.add(1), group.add(2), group.add(3)]);
    await turn();
    commitNext();
    expect(await results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("flushes one batch at a time, or as many as it is told may be under way", async () => {
    for (const inFlight of [1, 2]) {
      const { batches, flush, commitNext } = controlledFlush();
      const group = new GroupCommit(flush, { inFlight });
      const first = group.add(1);
      await turn();
      const second = group.add(2);
      await turn();
      const third = group.add(3);
      const fourth = group.add(4);
      await turn();
      expect(batches).toEqual(inFlight === 1 ? [[1]] : [[1], [2]]);
      commitNext();
      expect(await first).toBe(10);
      await turn();
      // What queued up meanwhile goes in the next batch.
      expect(batches).toEqual(inFlight === 1 ? [[1], [2, 3, 4]] : [[1], [2], [3, 4]]);
      commitNext();
      commitNext();
      expect(await Promise.all([second, third, fourth])).toEqual([20, 30, 40]);
    }
  });

  it("eager: hands a batch over when its callback yields, not at the end of the turn", async () => {
    const { batches, flush, commitNext } = controlledFlush();
    const group = new GroupCommit(flush, { inFlight: 2, eager: true });
    const flushed: number[][][] = [];
    // Two callbacks of one turn: each one's items go as a batch of their own.
    const results = await new Promise<Promise<number>[]>((resolve) => {
      const added: Promise<number>[] = [];
      setImmediate(() => {
        added.push(group.add(1), group.add(2));
      });
      setImmediate(() => {
        flushed.push(batches.map((batch) => [...batch]));
        added.push(group.add(3));
      });
      setImmediate(() => {
        flushed.push(batches.map((batch) => [...batch]));
        added.push(group.add(4)); // two under way: waits for one of them
        resolve(added);
      });
    });
    await Promise.resolve();
    expect(flushed).toEqual([[[1, 2]], [[1, 2], [3]]]);
    expect(batches).toEqual([[1, 2], [3]]);
    commitNext();
    await turn();
    expect(batches).toEqual([[1, 2], [3], [4]]);
    commitNext();
    commitNext();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  it("commits each item alone when a batch fails, so one bad item fails alone", async () => {
    const batches: number[][] = [];
    const group = new GroupCommit(
      (items: readonly number[]) => {
        batches.push([...items]);
        return items.includes(2)
          ? Promise.reject(new Error("two is bad"))
          : Promise.resolve(items.map((item) => item));
      },
      { inFlight: 2 },
    );
    const outcomes = await Promise.allSettled([group.add(1), group.add(2), group.add(3)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
