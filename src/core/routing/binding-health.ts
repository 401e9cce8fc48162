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

/** A reason a binding is broken: the code a run through it gets, and what to do. */
export interface BindingProblem {
  code: string;
  message: string;
}

/**
 * Every problem that breaks a binding, the one a run start meets first first (a deactivated
 * workflow refuses before its version is looked at); empty when runs through it would start.
 * All of them, so fixing the first does not reveal a second one only then.
 */
export function bindingProblems(facts: BindingFacts): BindingProblem[] {
  const { workflowKey: key, selector, resolved } = facts;
  const problems: BindingProblem[] = [];
  if (facts.workflowStatus === "deactivated") {
    problems.push({
      code: "workflow_deactivated",
      message: `workflow ${key} is deactivated; activate it to run it again`,
    });
  }
  if (typeof selector === "number") {
    if (resolved === null) {
      problems.push({
        code: "not_found",
        message: `version ${selector} of ${key} no longer exists; re-pin the binding`,
      });
    } else if (resolved.retired) {
      problems.push({
        code: "version_retired",
        message: `version ${selector} of ${key} is retired; restore it or re-pin the binding`,
      });
    }
  } else if (resolved === null) {
    problems.push({
      code: "no_live_version",
      message:
        selector === "live"
          ? `workflow ${key} has no live version; publish or roll back to one`
          : `workflow ${key} has no published, unretired version for LATEST`,
    });
  }
  return problems;
}
