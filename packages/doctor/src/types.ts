type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of the doctor's report; a failure says why (Meta's error catalog where Meta answered) and what to do. */
export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly explanation?: string;
  readonly action?: string;
}
