export type { DoctorTarget } from "./checks.js";
export { formatReport } from "./report.js";
export { runDoctor } from "./run-doctor.js";
export { doctorTargets } from "./targets.js";
