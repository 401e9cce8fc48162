/** Parsing of the CLI's numeric arguments (version numbers, revisions, limits). */
import { InvalidArgumentError } from "commander";

/** A commander argument parser for whole numbers of 1 or more; anything else is a usage error. */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a whole number of 1 or more.");
  }
  return Number(value);
}
