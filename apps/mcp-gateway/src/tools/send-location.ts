import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { channelArg, idempotencyKey, phone } from "./fields.js";
import { fromNumber } from "./from-number.js";
import { defined, sendRich } from "./rich-send.js";
import { acceptedShape } from "./send-common.js";

export const sendLocation = defineTool({
  name: "send_location",
  title: "Send a location pin",
  description:
    'Queues a location pin (a service message) to a customer inside the 24 h customer service window; outside it the answer is TEMPLATE_REQUIRED: send an APPROVED template (send_template) instead. latitude -90..90 and longitude -180..180 in decimal degrees, else INVALID_ARGUMENT. Returns message_id for get_delivery_status. When a require_approval policy matches, nothing is sent yet: the answer is status "pending_approval" with approval_id; follow it with get_approval and do not resend meanwhile.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    to: phone("The recipient."),
    latitude: z.number().describe("Decimal degrees, -90 to 90."),
    longitude: z.number().describe("Decimal degrees, -180 to 180."),
    name: z.string().max(4096).optional().describe("The place's name, shown above the map."),
    address: z.string().max(4096).optional().describe("The place's address, shown under the name."),
    idempotency_key: idempotencyKey.optional(),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: acceptedShape,
  run: (input, deps) =>
    sendRich(
      "send_location",
      input,
      defined({
        type: "location" as const,
        latitude: input.latitude,
        longitude: input.longitude,
        name: input.name,
        address: input.address,
      }),
      deps,
    ),
});
