export { APP_NAMES, APP_SCHEMAS, appOf, envNamesOf, isAppName, unknownEnvNames } from "./app-env.js";
export type { AppName } from "./app-env.js";
export {
  composeProblems,
  composeServices,
  dependsOn,
  parsePort,
  serviceApp,
  serviceCommand,
  serviceEnv,
} from "./compose.js";
export type { ComposeService } from "./compose.js";
export { execForm, lastOf, parseDockerfile, stage } from "./dockerfile.js";
export type { DockerInstruction, Dockerfile, DockerStage } from "./dockerfile.js";
export { deploymentProblems, envProblems, isSecretEnv, wiringProblems } from "./k8s-checks.js";
export { buildKustomization, byKind, containersOf, findObject, imageName, imageTag, podSpecOf } from "./kustomize.js";
export type { K8sObject, KustomizeBuild } from "./kustomize.js";
export {
  EXTERNAL_METRICS,
  parseExposition,
  scrapeAppMetrics,
  seriesNames,
  unknownMetricProblems,
} from "./metrics-catalog.js";
export type { MetricFamilies, QueryRef } from "./metrics-catalog.js";
export { metricNamesInExpr } from "./promql.js";
export { dashboardQueries, ruleList, ruleQueries } from "./queries.js";
export type { AlertRule } from "./queries.js";
export { findRepoRoot, readRepoFile } from "./repo.js";
export { asArray, at, isObject, loadYamlDocuments, loadYamlFile } from "./yaml-docs.js";
export type { Json } from "./yaml-docs.js";
