/** Workflow keys: the names workflows go by in URLs, commands and `strata apply` file names. */
import { StrataError } from "./errors.js";

/** A workflow key: a lowercase slug (it appears in URLs and commands). */
const KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Whether `key` can name a workflow (ids start with `wfl_`, so keys may not). */
export function isWorkflowKey(key: string): boolean {
  return KEY_PATTERN.test(key) && !key.startsWith("wfl_");
}

/** Refuses a key that cannot name a workflow, with `validation_failed`. */
export function assertWorkflowKey(key: string): void {
  if (!isWorkflowKey(key)) {
    throw new StrataError(
      "validation_failed",
      `invalid workflow key ${JSON.stringify(key)}: use 1–64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit (and not 'wfl_')`,
      { details: [{ path: "key", message: "must be a lowercase slug" }] },
    );
  }
}
