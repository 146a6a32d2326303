// The cost-growth chart: for every benchmark that ran at several sizes (rows named `<name>-<size>`), throughput
// and time per item against size, one panel each, as a small self-contained SVG (no chart library).
import type { BenchRow } from "./types.js";

interface Point {
  readonly size: number;
  readonly rate: number; // items per second
  readonly verdict: BenchRow["verdict"];
}

const W = 400;
const INSET = 48; // keeps the first and last labels inside the panel
const H = 200;
const PAD = { left: 52, right: 16, top: 34, bottom: 40 };

/** Rows of one benchmark at several sizes, keyed by the benchmark's name; a size that ran once is left out. */
function series(rows: readonly BenchRow[]): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (const r of rows) {
    const m = /^(.*)-(\d+)$/.exec(r.name);
    if (!m?.[1] || !m[2] || r.throughput_per_s === null || !Number.isFinite(r.throughput_per_s)) continue;
    const points = out.get(m[1]) ?? [];
    points.push({ size: Number(m[2]), rate: r.throughput_per_s, verdict: r.verdict });
    out.set(m[1], points);
  }
  for (const [k, v] of out) if (v.length < 2) out.delete(k);
  for (const v of out.values()) v.sort((a, b) => a.size - b.size);
  return out;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function panel(name: string, points: readonly Point[], x0: number): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxRate = Math.max(...points.map((p) => p.rate)) * 1.15;
  const logs = points.map((p) => Math.log10(p.size));
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const x = (size: number): number =>
    x0 + PAD.left + INSET + ((Math.log10(size) - lo) / (hi - lo || 1)) * (plotW - 2 * INSET);
  const y = (rate: number): number => PAD.top + plotH - (rate / maxRate) * plotH;
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(p.size).toFixed(1)},${y(p.rate).toFixed(1)}`).join(" ");
  const marks = points
    .map((p) => {
      const perItem = 1000 / p.rate; // ms per item
      const label = perItem >= 1 ? `${perItem.toFixed(2)} ms` : `${(perItem * 1000).toFixed(0)} µs`;
      const colour = p.verdict === "PASS" ? "#2a7" : "#c33";
      return [
        `<circle cx="${x(p.size).toFixed(1)}" cy="${y(p.rate).toFixed(1)}" r="4" fill="${colour}"/>`,
        `<text x="${x(p.size).toFixed(1)}" y="${(y(p.rate) - 8).toFixed(1)}" text-anchor="middle">${p.rate.toFixed(0)}/s · ${label}</text>`,
        `<text x="${x(p.size).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${p.size.toLocaleString("en")}</text>`,
      ].join("");
    })
    .join("");
  return [
    `<text x="${x0 + PAD.left}" y="18" font-weight="bold">${esc(name)}: items/s and time per item by size</text>`,
    `<line x1="${x0 + PAD.left}" y1="${PAD.top + plotH}" x2="${x0 + W - PAD.right}" y2="${PAD.top + plotH}" stroke="#999"/>`,
    `<line x1="${x0 + PAD.left}" y1="${PAD.top}" x2="${x0 + PAD.left}" y2="${PAD.top + plotH}" stroke="#999"/>`,
    `<text x="${x0 + PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${maxRate.toFixed(0)}/s</text>`,
    `<text x="${x0 + PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>`,
    `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle">size (log scale); green PASS, red MISS</text>`,
    `<path d="${line}" fill="none" stroke="#36c" stroke-width="2"/>`,
    marks,
  ].join("");
}

/** The SVG, or null when no benchmark of this run has two sizes or more. */
export function growthChart(rows: readonly BenchRow[], at: string): string | null {
  const all = [...series(rows)];
  if (all.length === 0) return null;
  const width = W * all.length;
  const panels = all.map(([name, points], i) => panel(name, points, i * W)).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 16}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>${panels}
<text x="8" y="${H + 10}" fill="#666">pnpm bench, ${esc(at)}, 2 shared cores</text>
</svg>
`;
}
