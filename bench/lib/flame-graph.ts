// A flame graph of V8 CPU profiles (`node --cpu-prof`) as a self-contained SVG: one box per function on a call
// path, as wide as its share of the sampled time, callers below callees. Several profiles (one per process of
// a benchmark) are merged into one graph. Idle time is left out; GC and "(program)" stay as their own frames.

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Frame {
  readonly name: string;
  readonly where: string;
  readonly kind: "ours" | "dependency" | "node" | "native";
  self: number; // µs
  total: number;
  readonly children: Map<string, Frame>;
}

const WIDTH = 1200;
const ROW = 16;
const TOP = 62;
const MIN_PX = 0.6; // narrower boxes are not drawn (their time still counts in their parent)
const MAX_DEPTH = 40; // deeper frames (module loading's long require chains) are left out, counted in their ancestor
const COLORS = { ours: "#5b8def", dependency: "#f0a030", node: "#9aa5b1", native: "#d9534f" } as const;

function describe(cf: CallFrame): Pick<Frame, "name" | "where" | "kind"> {
  const name = cf.functionName || "(anonymous)";
  const url = cf.url;
  if (!url) return { name, where: "", kind: "native" };
  if (url.startsWith("node:")) return { name, where: url.slice(5), kind: "node" };
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (dep)
    return {
      name,
      where: `${dep[1]}/${dep[2]!.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`,
      kind: "dependency",
    };
  const ours = /((?:packages|apps)\/[^/]+)\/(?:dist\/)?(.*)$/.exec(url);
  if (ours) return { name, where: `${ours[1]}/${ours[2]}:${cf.lineNumber + 1}`, kind: "ours" };
  return { name, where: url.split("/").slice(-2).join("/"), kind: "node" };
}

const newFrame = (d: Pick<Frame, "name" | "where" | "kind">): Frame => ({
  ...d,
  self: 0,
  total: 0,
  children: new Map(),
});

/** Adds one profile's call tree under `root`, frames on the same path merged by function and place. */
function addProfile(root: Frame, p: CpuProfile): void {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const walk = (node: ProfileNode, into: Frame): void => {
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (!child || child.callFrame.functionName === "(idle)") continue;
      const d = describe(child.callFrame);
      const key = `${d.name} ${d.where}`;
      let f = into.children.get(key);
      if (!f) into.children.set(key, (f = newFrame(d)));
      f.self += Math.max(0, self.get(child.id) ?? 0);
      walk(child, f);
    }
  };
  const top = p.nodes.find((n) => n.callFrame.functionName === "(root)") ?? p.nodes[0];
  if (top) walk(top, root);
}

function sum(f: Frame): number {
  f.total = f.self;
  for (const c of f.children.values()) f.total += sum(c);
  return f.total;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function flameGraphSvg(profiles: readonly CpuProfile[], title: string, note = ""): string {
  const root = newFrame({ name: "all", where: "", kind: "ours" });
  for (const p of profiles) addProfile(root, p);
  const total = sum(root);
  const scale = (WIDTH - 20) / (total || 1);
  const boxes: string[] = [];
  let depth = 0;
  const draw = (f: Frame, x: number, level: number): void => {
    const w = f.total * scale;
    if (w < MIN_PX || level > MAX_DEPTH) return;
    depth = Math.max(depth, level);
    const ms = (f.total / 1000).toFixed(0);
    const pct = ((100 * f.total) / total).toFixed(1);
    const label = f.where ? `${f.name} ${f.where}` : f.name;
    const fits = Math.floor((w - 4) / 6.6);
    const text = fits >= 3 ? (label.length > fits ? `${label.slice(0, fits - 1)}…` : label) : "";
    boxes.push(
      `<g transform="translate(${(10 + x).toFixed(1)},${-level * ROW})"><title>${esc(label)}: ${ms} ms, ${pct} %</title>` +
        `<rect width="${Math.max(w - 0.5, 0.3).toFixed(1)}" height="${ROW - 1}" fill="${COLORS[f.kind]}" rx="1"/>` +
        (text ? `<text x="2" y="11.5">${esc(text)}</text>` : "") +
        "</g>",
    );
    let cx = x;
    for (const c of [...f.children.values()].toSorted((a, b) => b.total - a.total)) {
      draw(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  draw(root, 0, 0);
  const height = TOP + (depth + 1) * ROW + 14;
  const base = height - 14 - ROW; // the root row's top
  const legend = Object.entries({
    "our packages": "ours",
    dependencies: "dependency",
    "node internals": "node",
    native: "native",
  })
    .map(
      ([label, kind], i) =>
        `<rect x="${10 + i * 150}" y="40" width="12" height="12" fill="${COLORS[kind as Frame["kind"]]}"/><text x="${26 + i * 150}" y="50">${label}</text>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="34" fill="#555">${esc(`${(total / 1e6).toFixed(2)} s sampled in ${profiles.length} process(es), idle left out; width = share of the time, callers below. ${note}`)}</text>`,
    legend,
    `<g transform="translate(0,${base})">${boxes.join("")}</g>`,
    "</svg>",
    "",
  ].join("\n");
}
