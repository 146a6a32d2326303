import { refusalOf, type Denied } from "@wa/compliance";
import type { Refusal } from "@wa/contract";

/** A compliance denial as a refusal; reply_customer may rename TEMPLATE_REQUIRED to WINDOW_CLOSED. */
export function fromDecision(
  d: Denied,
  windowClosedCode: "WINDOW_CLOSED" | "TEMPLATE_REQUIRED" = "TEMPLATE_REQUIRED",
): Refusal {
  return refusalOf(d, d.reason_code === "TEMPLATE_REQUIRED" ? windowClosedCode : d.reason_code);
}
