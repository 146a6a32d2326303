import type { JetStreamClient } from "@wa/bus";
import type { JetStreamSource } from "./types.js";

export function resolveJs(src: JetStreamSource): JetStreamClient | null {
  if (src === null) return null;
  return typeof src === "function" ? src() : src;
}
