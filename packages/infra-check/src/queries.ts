import type { QueryRef } from "./metrics-catalog.js";
import { asArray, at, isObject, type Json } from "./yaml-docs.js";

/** Every PromQL expression of a Grafana dashboard: panel targets (rows nested too) and query variables. */
export function dashboardQueries(dashboard: unknown, file = "dashboard"): QueryRef[] {
  const out: QueryRef[] = [];
  const walk = (panels: unknown[]): void => {
    for (const p of panels.filter(isObject)) {
      for (const t of asArray(p["targets"]).filter(isObject)) {
        if (typeof t["expr"] === "string")
          out.push({
            where: `${file} panel ${String(p["id"])} "${String(p["title"])}" target ${String(t["refId"])}`,
            expr: t["expr"],
          });
      }
      walk(asArray(p["panels"]));
    }
  };
  walk(asArray(at(dashboard, "panels")));
  for (const v of asArray(at(dashboard, "templating", "list")).filter(isObject)) {
    const q = v["query"];
    const expr = typeof q === "string" ? q : isObject(q) && typeof q["query"] === "string" ? q["query"] : undefined;
    if (v["type"] === "query" && expr)
      out.push({ where: `${file} variable ${String(v["name"])}`, expr: expr.replace(/^\w+\((.*)\)$/s, "$1") });
  }
  return out;
}

export interface AlertRule extends Json {
  alert?: string;
  record?: string;
  expr: string;
}

export function ruleList(rulesFile: unknown): AlertRule[] {
  return asArray(at(rulesFile, "groups"))
    .flatMap((g) => asArray(at(g, "rules")))
    .filter((r): r is AlertRule => isObject(r) && typeof r["expr"] === "string");
}

export function ruleQueries(rulesFile: unknown, file = "rules"): QueryRef[] {
  return ruleList(rulesFile).map((r) => ({ where: `${file} ${r.alert ?? r.record ?? "?"}`, expr: r.expr }));
}
