import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, phone } from "./fields.js";
import { fromNumber } from "./from-number.js";
import { defined, sendRich } from "./rich-send.js";
import { acceptedShape } from "./send-common.js";

export const sendMedia = defineTool({
  name: "send_media",
  title: "Send an image, video, audio, document or sticker",
  description:
    'Queues a media message (a service message) to a customer inside the 24 h customer service window; outside it the answer is TEMPLATE_REQUIRED: send an APPROVED template (send_template) instead. Give exactly one of media_id (from upload_media) or an https link (Meta fetches it; http, javascript: and other schemes are refused with INVALID_ARGUMENT). caption (≤ 1024) is not allowed on audio or sticker; filename only on document. A link to a domain outside the media_link_domains policy is refused with POLICY_RESTRICTION: upload the file and pass media_id. Returns message_id for get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    media_type: z.enum(["image", "video", "audio", "document", "sticker"]).describe("What the media is."),
    media_id: z.string().min(1).max(256).optional().describe("A media id from upload_media. Give this or link."),
    link: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe("An https URL Meta downloads the media from. Give this or media_id."),
    caption: z
      .string()
      .max(4096)
      .optional()
      .describe("Text under the media, ≤ 1024 characters; not for audio or sticker."),
    filename: z.string().max(1024).optional().describe("The file name the customer sees; document only."),
    idempotency_key: idempotencyKey.optional(),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: acceptedShape,
  run: (input, deps) =>
    sendRich(
      "send_media",
      input,
      defined({
        type: "media" as const,
        media_type: input.media_type,
        media_id: input.media_id,
        link: input.link,
        caption: input.caption,
        filename: input.filename,
      }),
      deps,
    ),
});
