import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REASON_CODES } from "@wa/contract";
import { describe, expect, it } from "vitest";
import { findRepoRoot } from "../src/index.js";

// The repository's documents must work for someone who cloned it: every relative link resolves inside the
// repository (heading anchors included), and no document names a path of one machine or a folder outside it.

const root = findRepoRoot();
const SKIP = new Set(["node_modules", "dist", ".git", ".run", ".turbo", "results"]);

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) markdownFiles(path, out);
    else if (name.endsWith(".md")) out.push(path);
  }
  return out;
}

/** The text outside fenced code blocks, line by line (links in examples are not links). */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split("\n").map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line.replace(/`[^`]*`/g, "");
  });
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of proseLines(readFileSync(file, "utf8"))) {
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h?.[1]) anchors.add(slug(h[1]));
  }
  return anchors;
}

function linksOf(file: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(readFileSync(file, "utf8"))) {
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) if (m[1]) links.push(m[1]);
  }
  return links;
}

/** Problems of one link in `file`, or null when it resolves. */
function brokenLink(file: string, link: string): string | null {
  if (/^[a-z]+:/i.test(link)) return null; // http(s), mailto: not checked here
  const [target = "", anchor] = link.split("#");
  const path = target === "" ? file : resolve(dirname(file), decodeURIComponent(target));
  const rel = relative(root, path);
  if (rel.startsWith("..")) return `${link} points outside the repository`;
  if (!existsSync(path)) return `${link} does not exist`;
  if (anchor && path.endsWith(".md") && !anchorsOf(path).has(anchor)) return `${link}: no heading #${anchor} in ${rel}`;
  return null;
}

const files = markdownFiles(root);

describe("the repository's documents", () => {
  it("exist: docs/ has the user contract and the developer pages", () => {
    for (const page of [
      "README.md",
      "tools.md",
      "compliance.md",
      "architecture.md",
      "configuration.md",
      "operations.md",
      "meta.md",
    ]) {
      expect(existsSync(join(root, "docs", page)), `docs/${page}`).toBe(true);
    }
  });

  it("link only to files (and headings) that exist inside the repository", () => {
    const broken = files.flatMap((f) =>
      linksOf(f)
        .map((l) => brokenLink(f, l))
        .filter((p): p is string => p !== null)
        .map((p) => `${relative(root, f)}: ${p}`),
    );
    expect(broken).toEqual([]);
  });

  it("name no machine path and no folder outside the repository", () => {
    const machine = /(^|[\s"'`(=])(\/work\/|\/home\/[a-z]|\/Users\/[A-Za-z])|\.\.\/shared\/|shared\/spec/;
    const found = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .map((line, i) => (machine.test(line) ? `${relative(root, f)}:${i + 1}: ${line.trim()}` : null))
        .filter((l): l is string => l !== null),
    );
    expect(found).toEqual([]);
  });

  it("docs/tools.md documents every tool the gateway registers and every reason code", () => {
    const toolsDir = join(root, "apps/mcp-gateway/src/tools");
    const names = readdirSync(toolsDir).flatMap((f) =>
      [...readFileSync(join(toolsDir, f), "utf8").matchAll(/^\s*name:\s*"([a-z_]+)",/gm)].map((m) => m[1]),
    );
    expect(names.length).toBeGreaterThanOrEqual(28);
    const lines = readFileSync(join(root, "docs/tools.md"), "utf8").split("\n");
    const headings = lines.filter((l) => /^#{2,4} /.test(l)).join("\n");
    const undocumentedTools = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(headings));
    const unexplainedCodes = REASON_CODES.filter((c) => !lines.some((l) => l.startsWith(`| \`${c}\` |`)));
    expect({ undocumentedTools, unexplainedCodes }).toEqual({ undocumentedTools: [], unexplainedCodes: [] });
  });

  it("checks its own link resolver against a broken link, an outside link and a missing anchor", () => {
    const readme = join(root, "README.md");
    expect(brokenLink(readme, "docs/tools.md#reason-codes")).toBeNull();
    expect(brokenLink(readme, "docs/no-such-page.md")).toMatch(/does not exist/);
    expect(brokenLink(readme, "../shared/spec/tools.md")).toMatch(/outside the repository/);
    expect(brokenLink(readme, "docs/tools.md#no-such-heading")).toMatch(/no heading/);
    expect(slug("Crash semantics (SIGKILL)")).toBe("crash-semantics-sigkill");
  });
});

describe("go-to-definition", () => {
  const packages = ["apps", "packages"].flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n)));
  const withTypes = packages
    .map((dir) => {
      const manifest = join(dir, "package.json");
      if (!existsSync(manifest)) return null;
      const exports = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, { types?: string }> })
        .exports;
      const types = exports?.["."]?.types;
      return types ? { dir, types } : null;
    })
    .filter((p): p is { dir: string; types: string } => p !== null);

  it("finds the built packages", () => {
    expect(withTypes.length).toBeGreaterThan(10);
  });

  it("every package's declarations carry a map back to its src (declarationMap)", () => {
    const problems: string[] = [];
    for (const { dir, types } of withTypes) {
      const map = join(dir, `${types}.map`);
      const name = relative(root, dir);
      if (!existsSync(map)) {
        problems.push(`${name}: no ${types}.map (run pnpm build; is declarationMap on?)`);
        continue;
      }
      const sources = (JSON.parse(readFileSync(map, "utf8")) as { sources: string[] }).sources;
      for (const s of sources) {
        const src = resolve(dirname(map), s);
        if (!relative(join(dir, "src"), src).startsWith("..") && existsSync(src)) continue;
        problems.push(`${name}: ${types}.map points to ${relative(root, src)}, not a file in src/`);
      }
    }
    expect(problems).toEqual([]);
  });
});
