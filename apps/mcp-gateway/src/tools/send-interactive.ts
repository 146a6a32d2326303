import { refuse } from "@wa/contract";
import type { InteractiveContent, InteractiveHeader } from "@wa/meta";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, phone } from "./fields.js";
import { fromNumber } from "./from-number.js";
import { defined, sendRich } from "./rich-send.js";
import { acceptedShape } from "./send-common.js";

const option = { id: z.string().max(1024).describe("Returned in the customer's reply; unique within the message.") };

const header = z
  .object({
    type: z.enum(["text", "image", "video", "document"]),
    text: z.string().max(4096).optional().describe("type text: ≤ 60 characters."),
    media_id: z.string().max(256).optional().describe("type image/video/document: an uploaded media id, or …"),
    link: z.string().max(4096).optional().describe("… an https link (not for kind list, which takes text only)."),
  })
  .strict();

// Which optional arguments each kind takes; anything else is refused rather than silently dropped.
const ARGS_OF = {
  buttons: ["header", "footer", "buttons"],
  list: ["header", "footer", "button_text", "sections"],
  cta_url: ["header", "footer", "cta"],
  location_request: [],
} as const;
const OPTIONAL = ["header", "footer", "buttons", "button_text", "sections", "cta"] as const;

export const sendInteractive = defineTool({
  name: "send_interactive",
  title: "Send reply buttons, a list, a link button or a location request",
  description:
    'Queues an interactive message (a service message) inside the 24 h customer service window; outside it the answer is TEMPLATE_REQUIRED: send an APPROVED template (send_template) instead. kind buttons: 1–3 reply buttons (title ≤ 20, unique ids). kind list: button_text ≤ 20 and ≤ 10 rows in all across ≤ 10 sections (section title ≤ 24, required with several sections; row title ≤ 24, description ≤ 72; text header only). kind cta_url: cta.display_text ≤ 20 and an https cta.url. kind location_request: body only. body ≤ 1024, header text and footer ≤ 60. A violated limit is refused with INVALID_ARGUMENT naming the field and the limit: fix it and call again. A link outside the media_link_domains policy gets POLICY_RESTRICTION. The customer\'s tap arrives as an inbound reply carrying the button or row id. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    kind: z.enum(["buttons", "list", "cta_url", "location_request"]),
    body: z.string().max(8192).describe("The message text, ≤ 1024 characters."),
    header: header.optional().describe("Optional header: text, or image/video/document by media_id or https link."),
    footer: z.string().max(4096).optional().describe("Optional small grey text, ≤ 60 characters."),
    buttons: z
      .array(z.object({ ...option, title: z.string().max(1024).describe("≤ 20 characters.") }).strict())
      .max(100)
      .optional()
      .describe("kind buttons: 1–3 reply buttons."),
    button_text: z
      .string()
      .max(1024)
      .optional()
      .describe("kind list: the label of the button that opens the list, ≤ 20."),
    sections: z
      .array(
        z
          .object({
            title: z
              .string()
              .max(1024)
              .optional()
              .describe("≤ 24 characters; required when there are several sections."),
            rows: z
              .array(
                z
                  .object({
                    ...option,
                    title: z.string().max(1024).describe("≤ 24 characters."),
                    description: z.string().max(4096).optional().describe("≤ 72 characters."),
                  })
                  .strict(),
              )
              .max(100),
          })
          .strict(),
      )
      .max(100)
      .optional()
      .describe("kind list: ≤ 10 sections holding ≤ 10 rows in all."),
    cta: z
      .object({
        display_text: z.string().max(1024).describe("The button label, ≤ 20 characters."),
        url: z.string().max(4096).describe("https URL the button opens."),
      })
      .strict()
      .optional()
      .describe("kind cta_url: the link button."),
    idempotency_key: idempotencyKey.optional(),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: acceptedShape,
  run: (input, deps) => {
    const allowed: readonly string[] = ARGS_OF[input.kind];
    const stray = OPTIONAL.find((k) => input[k] !== undefined && !allowed.includes(k));
    if (stray)
      return Promise.resolve(
        refuse(
          "INVALID_ARGUMENT",
          `${stray}: not used by kind ${input.kind} (it takes ${allowed.length ? allowed.join(", ") : "body only"}).`,
          `Drop ${stray}, or pick the kind it belongs to.`,
        ),
      );
    const h: InteractiveHeader | undefined = input.header
      ? input.header.type === "text"
        ? { type: "text", text: input.header.text ?? "" }
        : defined({ type: input.header.type, media_id: input.header.media_id, link: input.header.link })
      : undefined;
    const frame = defined({ body: input.body, header: h, footer: input.footer });
    const content: InteractiveContent =
      input.kind === "buttons"
        ? { kind: "buttons", ...frame, buttons: input.buttons ?? [] }
        : input.kind === "list"
          ? {
              kind: "list",
              ...frame,
              button_text: input.button_text ?? "",
              sections: (input.sections ?? []).map((s) =>
                defined({ title: s.title, rows: s.rows.map((r) => defined({ ...r })) }),
              ),
            }
          : input.kind === "cta_url"
            ? { kind: "cta_url", ...frame, cta: input.cta ?? { display_text: "", url: "" } }
            : { kind: "location_request", body: input.body };
    return sendRich("send_interactive", input, { type: "interactive", ...content }, deps);
  },
});
