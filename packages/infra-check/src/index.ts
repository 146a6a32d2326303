export { APP_NAMES, APP_SCHEMAS, appOf, envNamesOf } from "./app-env.js";
export {
  composeProblems,
  composeServices,
  dependsOn,
  parsePort,
  serviceApp,
  serviceCommand,
  serviceEnv,
} from "./compose.js";
export { execForm, lastOf, parseDockerfile, stage } from "./dockerfile.js";
export { deploymentProblems, envProblems, wiringProblems } from "./k8s-checks.js";
export { buildKustomization, byKind, containersOf, findObject } from "./kustomize.js";
export type { K8sObject } from "./kustomize.js";
export {
  EXTERNAL_METRICS,
  parseExposition,
  scrapeAppMetrics,
  seriesNames,
  unknownMetricProblems,
} from "./metrics-catalog.js";
export { metricNamesInExpr } from "./promql.js";
export { dashboardQueries, ruleList, ruleQueries } from "./queries.js";
export { findRepoRoot } from "./repo.js";
export { asArray, at, isObject, loadYamlFile } from "./yaml-docs.js";
