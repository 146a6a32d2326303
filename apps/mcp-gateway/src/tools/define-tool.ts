import type { ReasonCode } from "@wa/observability";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { invalidArguments } from "./fields.js";

export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** An expected refusal: the wire shape of every `isError: true` result (tools.md). */
export interface Denial {
  ok: false;
  reason_code: ReasonCode;
  human_explanation: string;
  suggested_action: string;
  details?: Record<string, unknown>;
}

export function deny(
  reason_code: ReasonCode,
  human_explanation: string,
  suggested_action: string,
  details?: Record<string, unknown>,
): Denial {
  return details ? { ok: false, reason_code, human_explanation, suggested_action, details } : { ok: false, reason_code, human_explanation, suggested_action };
}

export function isDenial(value: unknown): value is Denial {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

export interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: Annotations;
  input: I;
  output: O;
  run(input: z.output<z.ZodObject<I>>, deps: ToolDeps): Promise<z.input<z.ZodObject<O>> | Denial>;
}

/** A descriptor with its types erased, so the registry can hold all tools in one list. */
export interface Tool {
  name: string;
  title: string;
  description: string;
  annotations: Annotations;
  input: z.ZodObject;
  output: z.ZodObject;
  /** Parses `args` strictly (bad ones become a Denial with a reason code), then runs. */
  call(args: unknown, deps: ToolDeps): Promise<unknown>;
}

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(spec: ToolSpec<I, O>): Tool {
  const input = z.strictObject(spec.input);
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    annotations: spec.annotations,
    input,
    output: z.object(spec.output),
    call: async (args, deps) => {
      const parsed = input.safeParse(args ?? {});
      return parsed.success ? spec.run(parsed.data, deps) : invalidArguments(spec.name, spec.input, args, parsed.error);
    },
  };
}

export const READ_ONLY: Annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
