import type { HeaderPart } from "@wa/compliance";
import { type Refusal, refuse } from "@wa/contract";
import { mediaRef } from "./content-checks.js";
import type { OutboundContent } from "./types.js";

type Template = Extract<OutboundContent, { type: "template" }>;

const bad = (problem: string): Refusal =>
  refuse(
    "INVALID_ARGUMENT",
    problem,
    "Fix that field and call again (see list_templates for the template's components).",
  );

/** Argument checks of a template's header and buttons that need no template (their fit is rule 5's). */
export function partsArgumentProblem(c: Template): Refusal | null {
  const h = c.header;
  if (h && (h.type === "image" || h.type === "video" || h.type === "document")) {
    const ref = mediaRef("header", h); // the same https-only check as send_media's links
    if (ref) return ref;
    if (h.filename !== undefined && h.type !== "document") return bad("header.filename is only for a document header.");
  }
  if (h?.type === "location") {
    if (!(Math.abs(h.latitude) <= 90) || !(Math.abs(h.longitude) <= 180))
      return bad("header: latitude must be within ±90 and longitude within ±180.");
  }
  for (const b of c.buttons ?? []) {
    if (!Number.isInteger(b.index) || b.index < 0 || b.index > 9)
      return bad("buttons: index is 0–9 (the button's position).");
  }
  return null;
}

/** The template header's link host, for the media_link_domains policy (as linkHosts does for rich content). */
export function templateLinkHosts(header: HeaderPart | undefined): { link_hosts?: string[] } {
  if (!header || !("link" in header) || !header.link) return {};
  return { link_hosts: [new URL(header.link).hostname.toLowerCase()] };
}
