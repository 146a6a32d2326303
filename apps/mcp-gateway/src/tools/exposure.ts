import type { Tool } from "./define-tool.js";

/** Which tools agents see: DISABLED_TOOLS hides by name, READ_ONLY keeps only read-only ones. */
export interface Exposure {
  /** Null when the tool is exposed, else why it is hidden (for the TOOL_DISABLED answer). */
  hiddenBecause(tool: Tool): string | null;
}

export function createExposure(opts: { disabledTools: readonly string[]; readOnly: boolean }): Exposure {
  const disabled = new Set(opts.disabledTools);
  return {
    hiddenBecause: (tool) => {
      if (disabled.has(tool.name)) return `${tool.name} is disabled on this gateway (DISABLED_TOOLS).`;
      if (opts.readOnly && !tool.annotations.readOnlyHint)
        return `${tool.name} changes data and this gateway runs read-only (READ_ONLY=true).`;
      return null;
    },
  };
}
