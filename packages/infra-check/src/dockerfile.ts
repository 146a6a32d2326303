export interface DockerInstruction {
  keyword: string; // upper case: FROM, RUN, COPY, ...
  args: string;
  line: number;
}

export interface DockerStage {
  name?: string;
  from: string;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  globalArgs: DockerInstruction[];
  stages: DockerStage[];
}

/** Splits a Dockerfile into instructions (continuations joined, comments dropped) grouped by stage. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: DockerInstruction[] = [];
  let buffer = "";
  let start = 0;
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (buffer === "" && /^\s*(#|$)/.test(line)) continue;
    if (buffer !== "" && /^\s*#/.test(line)) continue; // comment inside a continuation
    if (buffer === "") start = i + 1;
    if (line.endsWith("\\")) {
      buffer += `${line.slice(0, -1)} `;
      continue;
    }
    buffer += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buffer);
    if (!m?.[1]) throw new Error(`Dockerfile line ${start}: cannot parse "${buffer.slice(0, 60)}"`);
    instructions.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? "").trim(), line: start });
    buffer = "";
  }
  if (buffer !== "") throw new Error(`Dockerfile ends inside a line continuation (line ${start})`);

  const out: Dockerfile = { globalArgs: [], stages: [] };
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m?.[1]) throw new Error(`Dockerfile line ${ins.line}: bad FROM`);
      out.stages.push({ from: m[1], name: m[2], instructions: [] });
    } else if (out.stages.length === 0) {
      if (ins.keyword !== "ARG") throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
      out.globalArgs.push(ins);
    } else {
      out.stages.at(-1)?.instructions.push(ins);
    }
  }
  return out;
}

export function stage(file: Dockerfile, name: string): DockerStage | undefined {
  return file.stages.find((s) => s.name === name);
}

/** The last instruction of a kind in a stage (Docker keeps the last USER/CMD/HEALTHCHECK). */
export function lastOf(s: DockerStage, keyword: string): DockerInstruction | undefined {
  return s.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** The exec-form JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  const json = args.replace(/^(?:--\S+\s+)*CMD\s+/i, "");
  if (!json.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.map(String) : undefined;
}
