import { z } from "zod";

// send_template / schedule_message / schedule_campaign: a template's header and button parameters.
const mediaFields = {
  media_id: z.string().min(1).max(200).optional().describe("an id from upload_media"),
  link: z.string().min(1).max(2000).optional().describe("an https link Meta downloads (the gateway never fetches it)"),
};
const media = (type: "image" | "video") => z.strictObject({ type: z.literal(type), ...mediaFields });
const document = z.strictObject({
  type: z.literal("document"),
  ...mediaFields,
  filename: z.string().min(1).max(240).optional(),
});

export const templateHeader = z
  .union([
    z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(60) }),
    media("image"),
    media("video"),
    document,
    z.strictObject({
      type: z.literal("location"),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().max(1000).optional(),
      address: z.string().max(1000).optional(),
    }),
  ])
  .describe(
    'The template header\'s parameter, only when its header takes one: {"type":"text","text":"…"} for a {{1}} text header; {"type":"image"|"video"|"document","media_id":"…"} or {"link":"https://…"} for a media header; {"type":"location","latitude":…,"longitude":…} for a location header.',
  );

export const templateButtons = z
  .array(
    z.strictObject({
      index: z.number().int().min(0).max(9).describe("the button's 0-based position in the template"),
      type: z
        .enum(["url", "quick_reply", "copy_code"])
        .describe("url: the suffix for a dynamic URL button; quick_reply: its payload; copy_code: the code"),
      value: z.string().min(1).max(2000),
    }),
  )
  .max(10)
  .describe(
    'Button parameters by index, only for buttons that take one: [{"index":0,"type":"url","value":"A-1001"}]. An authentication template\'s copy-code button takes the one-time code as {"type":"copy_code"}.',
  );

/** The template parts of a send's arguments, without undefined keys. */
export function partsArgs(a: { header?: z.output<typeof templateHeader>; buttons?: z.output<typeof templateButtons> }) {
  return { ...(a.header ? { header: a.header } : {}), ...(a.buttons ? { buttons: a.buttons } : {}) };
}

// create_template: header, footer and buttons of a new template (Meta's limits are checked in @wa/compliance).
export const headerDesign = z
  .union([
    z.strictObject({
      format: z.literal("text"),
      text: z.string().min(1).max(200),
      example: z.string().min(1).max(200).optional(),
    }),
    z.strictObject({ format: z.enum(["image", "video", "document"]), example: z.string().min(1).max(2000) }),
    z.strictObject({ format: z.literal("location") }),
  ])
  .describe(
    'Optional header: {"format":"text","text":"Order {{1}}","example":"A-1001"} (≤ 60 chars, at most one variable); {"format":"image"|"video"|"document","example":"https://…sample"}; {"format":"location"}.',
  );

export const buttonsDesign = z
  .array(
    z.union([
      z.strictObject({ type: z.literal("quick_reply"), text: z.string().max(200) }),
      z.strictObject({
        type: z.literal("url"),
        text: z.string().max(200),
        url: z.string().min(1).max(2000),
        example: z.string().min(1).max(2000).optional(),
      }),
      z.strictObject({ type: z.literal("phone_number"), text: z.string().max(200), phone_number: z.string().max(40) }),
      z.strictObject({ type: z.literal("copy_code"), example: z.string().max(200) }),
      z.strictObject({ type: z.literal("otp"), text: z.string().max(200).optional() }),
    ]),
  )
  .max(20)
  .describe(
    "Optional buttons (≤ 10; ≤ 2 url, ≤ 1 phone_number, ≤ 1 copy_code; text ≤ 25 chars; quick replies grouped): quick_reply {text}; url {text, url: https, may end in {{1}} with an example}; phone_number {text, phone_number}; copy_code {example ≤ 15}; otp (AUTHENTICATION only, exactly one) {text?}.",
  );
