/**
 * A binding's status (DESIGN.md §3, L8): `broken`, with the code a run through it would get,
 * when its workflow is deactivated, its pinned version retired or deleted, or its selector
 * resolves to nothing; else `ok`. Computed from the same facts a run start reads, never stored.
 */
import type { BindingSelector } from "../model.js";

/** What the status is computed from. */
export interface BindingFacts {
  workflowKey: string;
  workflowStatus: "active" | "deactivated";
  selector: BindingSelector;
  /** The version the selector resolves to: number and whether it is retired; null if none. */
  resolved: { number: number; retired: boolean } | null;
}

/** The problem that breaks a binding, or null when runs through it would start. */
export function bindingProblem(facts: BindingFacts): { code: string; message: string } | null {
  const { workflowKey: key, selector, resolved } = facts;
  if (facts.workflowStatus === "deactivated") {
    return {
      code: "workflow_deactivated",
      message: `workflow ${key} is deactivated; activate it to run it again`,
    };
  }
  if (typeof selector === "number") {
    if (resolved === null) {
      return {
        code: "not_found",
        message: `version ${selector} of ${key} no longer exists; re-pin the binding`,
      };
    }
    if (resolved.retired) {
      return {
        code: "version_retired",
        message: `version ${selector} of ${key} is retired; restore it or re-pin the binding`,
      };
    }
    return null;
  }
  if (resolved === null) {
    return {
      code: "no_live_version",
      message:
        selector === "live"
          ? `workflow ${key} has no live version; publish or roll back to one`
          : `workflow ${key} has no published, unretired version for LATEST`,
    };
  }
  return null;
}
