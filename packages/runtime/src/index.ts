export { bootWorker, runMain } from "./boot.js";
