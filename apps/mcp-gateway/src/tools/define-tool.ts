import type { Refusal } from "@wa/contract";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { invalidArguments, unstorableArgument, unstorableDenial } from "./fields.js";

export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolSpec<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: Annotations;
  input: I;
  output: O;
  run(input: z.output<z.ZodObject<I>>, deps: ToolDeps): Promise<z.input<z.ZodObject<O>> | Refusal>;
}

/** A descriptor with its types erased, so the registry can hold all tools in one list. */
export interface Tool {
  name: string;
  title: string;
  description: string;
  annotations: Annotations;
  input: z.ZodObject;
  output: z.ZodObject;
  /** Parses `args` strictly (bad ones become a Refusal with a reason code), then runs. */
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
      const unstorable = unstorableArgument(args);
      if (unstorable) return unstorableDenial(spec.name, unstorable);
      const parsed = input.safeParse(args ?? {});
      return parsed.success ? spec.run(parsed.data, deps) : invalidArguments(spec.name, spec.input, args, parsed.error);
    },
  };
}

export const READ_ONLY: Annotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
