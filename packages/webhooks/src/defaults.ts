// Same lists as @wa/config's defaults (the processor package does not depend on config).
export const DEFAULT_OPT_OUT_KEYWORDS_FALLBACK: readonly string[] = [
  "STOP", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BERHENTI", "PARAR", "ARRET",
];
export const DEFAULT_OPT_IN_KEYWORDS_FALLBACK: readonly string[] = ["START", "SUBSCRIBE", "UNSTOP", "MULAI"];
