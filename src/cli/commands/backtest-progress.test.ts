/**
 * The backtest's progress bar (issue 18): it waits for the job's total before it starts (a
 * queued job's 0 made it print `100% 0/0 runs`), and says the time left only once there is a
 * rate to go by (`NULLs left`, then `INFs left`, before).
 */
import { describe, expect, it } from "vitest";
import type { CliIo } from "../cli-io.js";
import { progressBar, timeLeft } from "./backtest.js";

/** A terminal that keeps what was written to it. */
function terminal(): { io: CliIo; text: () => string } {
  const written: string[] = [];
  const stderr = {
    isTTY: true,
    columns: 120,
    write: (chunk: string) => {
      written.push(chunk);
      return true;
    },
  };
  const io = { stdout: { write: () => true }, stderr, env: {}, cwd: "." } as unknown as CliIo;
  // Escape sequences (cursor moves, line clears) left out: the text a person reads.
  const escape = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");
  const text = () => written.join("").replace(escape, "");
  return { io, text };
}

describe("the backtest progress bar", () => {
  it("starts only once the total is known, and never prints NULL or INF", () => {
    const { io, text } = terminal();
    const bar = progressBar(io, false);
    expect(bar).toBeDefined();
    bar?.update(0, 0);
    bar?.update(0, 0);
    expect(text()).toBe("");
    bar?.update(0, 40);
    bar?.update(40, 40);
    bar?.stop();
    expect(text()).toContain("100% 40/40 runs");
    expect(text()).not.toMatch(/0\/0|NULL|INF/);
  });

  it("prints nothing for a job that ends with no runs to replay", () => {
    const { io, text } = terminal();
    const bar = progressBar(io, false);
    bar?.update(0, 0);
    bar?.stop();
    expect(text()).toBe("");
  });

  it("has no bar with --json or off a terminal", () => {
    expect(progressBar(terminal().io, true)).toBeUndefined();
    const io = { ...terminal().io, stderr: { write: () => true } } as unknown as CliIo;
    expect(progressBar(io, false)).toBeUndefined();
  });

  it("says the time left only when cli-progress has an estimate", () => {
    expect(timeLeft(12)).toBe(", 12s left");
    expect(timeLeft("NULL")).toBe("");
    expect(timeLeft("INF")).toBe("");
  });
});
