import { explainMetaError } from "@wa/meta";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { explanationOut, explanationShape } from "./shapes.js";

export const explainError = defineTool({
  name: "explain_error",
  title: "Explain a Meta error code",
  description:
    "Explains a WhatsApp Cloud API error code (e.g. 131047, 131026, 130429): what it means, whether the message can be retried and how, and what to do. Use it when get_delivery_status or a refusal shows a Meta error. Unknown codes get a safe fallback, never an error.",
  annotations: READ_ONLY,
  input: {
    code: z
      .union([z.number().int(), z.string().regex(/^\s*-?\d{1,12}\s*$/, "expected a numeric code such as 131047")])
      .describe("The Meta error code, as a number or numeric string."),
  },
  output: explanationShape,
  run: async ({ code }) => explanationOut(explainMetaError(code)),
});
