import { describe, expect, it } from "vitest";
import { explainMetaError, type ErrorCategory } from "../src/index.js";

// meta-api.md §9, transcribed: code → class letter(s) as written there.
const SECTION_9: [number, string][] = [
  [0, "AUTH"],
  [1, "T"],
  [2, "T"],
  [3, "AUTH"],
  [4, "RL"],
  [10, "AUTH"],
  [33, "ACC"],
  [100, "P"],
  [190, "AUTH"],
  [368, "ACC"],
  [470, "TPL"],
  [80007, "RL"],
  [130429, "RL"],
  [130472, "P"],
  [130497, "ACC/P"],
  [131000, "T"],
  [131005, "AUTH"],
  [131008, "P"],
  [131009, "P"],
  [131016, "T"],
  [131021, "P"],
  [131026, "U"],
  [131030, "P"],
  [131031, "ACC"],
  [131037, "ACC"],
  [131042, "ACC"],
  [131044, "ACC"],
  [131045, "ACC"],
  [131047, "TPL"],
  [131048, "RL→ACC"],
  [131049, "W24"],
  [131050, "OPT"],
  [131051, "P"],
  [131052, "U"],
  [131053, "P"],
  [131056, "RL"],
  [131057, "T"],
  [131062, "P"],
  [131063, "P"],
  [131064, "ACC"],
  [132000, "P"],
  [132001, "P"],
  [132005, "P"],
  [132007, "P"],
  [132008, "P"],
  [132012, "P"],
  [132015, "P"],
  [132016, "P"],
  [132068, "P"],
  [132069, "RL"],
  [133000, "ACC"],
  [133004, "T"],
  [133005, "ACC"],
  [133006, "ACC"],
  [133008, "ACC"],
  [133009, "ACC"],
  [133010, "ACC"],
  [133015, "T"],
  [133016, "RL"],
  [135000, "P"],
  [137000, "P/U"],
  [2494100, "T"],
];

// How each class letter is expected to land in our categories (mixed classes: the stricter reading).
const ALLOWED: Record<string, ErrorCategory[]> = {
  T: ["transient"],
  RL: ["rate_limit_number", "rate_limit_pair", "rate_limit_waba"],
  P: ["permanent"],
  TPL: ["template_required"],
  U: ["user_action"],
  W24: ["wait_24h"],
  OPT: ["opted_out"],
  ACC: ["account"],
  AUTH: ["auth"],
  "ACC/P": ["account"],
  "P/U": ["user_action"],
  "RL→ACC": ["account"],
};

const TOOLS =
  /send_template|check_conversation|sync_template_status|update_consent|get_account_quality|retry_failed_messages|check_frequency_cap|get_rate_limit|pause_campaign|create_template|list_templates|reply_customer|get_customer_context|get_delivery_status|schedule_campaign|the delivery worker/;

describe("explainMetaError", () => {
  it.each(SECTION_9)("knows %i with its §9 class %s", (code, cls) => {
    const x = explainMetaError(code);
    expect(x.code).toBe(code);
    expect(ALLOWED[cls]).toContain(x.category);
    expect(x.title).not.toBe("Unknown error");
    expect(x.human_explanation.length).toBeGreaterThan(20);
    expect(x.suggested_action).toMatch(TOOLS);
    if (x.retry_strategy.kind === "none") expect(x.category).not.toMatch(/^(transient|rate_limit_)/);
  });

  it("covers the whole 200–299 permission range as auth", () => {
    for (let code = 200; code <= 299; code++) expect(explainMetaError(code).category).toBe("auth");
    expect(explainMetaError(199).title).toBe("Unknown error");
    expect(explainMetaError(300).title).toBe("Unknown error");
  });

  it("splits rate limits by scope and uses Meta's 4^X back-off for pairs", () => {
    expect(explainMetaError(130429).category).toBe("rate_limit_number");
    expect(explainMetaError(131056)).toMatchObject({
      category: "rate_limit_pair",
      retry_strategy: { kind: "backoff", delays_ms: [1000, 4000, 16000, 64000, 256000] },
    });
    expect(explainMetaError(80007).category).toBe("rate_limit_waba");
  });

  it("gives the tool's output shape and names our tools", () => {
    expect(explainMetaError(131047)).toEqual({
      code: 131047,
      category: "template_required",
      can_retry: false,
      retry_strategy: { kind: "none" },
      title: "Re-engagement message",
      human_explanation: expect.stringContaining("24 hours"),
      suggested_action: expect.stringContaining("send_template"),
    });
    expect(explainMetaError(131050).suggested_action).toContain("update_consent");
    expect(explainMetaError(132001).suggested_action).toContain("sync_template_status");
    expect(explainMetaError(131049)).toMatchObject({
      can_retry: true,
      retry_strategy: { kind: "after", after_ms: 86_400_000 },
    });
  });

  it("accepts numeric strings and appends Meta's details", () => {
    expect(explainMetaError(" 131056 ").category).toBe("rate_limit_pair");
    expect(explainMetaError(131053, "Unsupported MIME type image/bmp").human_explanation).toContain(
      'Meta\'s details: "Unsupported MIME type image/bmp"',
    );
  });

  it("falls back safely for unknown codes, with the fbtrace id", () => {
    const x = explainMetaError(987654, { fbtraceId: "AxYz" });
    expect(x).toMatchObject({
      code: 987654,
      category: "permanent",
      can_retry: false,
      retry_strategy: { kind: "none" },
      title: "Unknown error",
    });
    expect(x.human_explanation).toContain("unknown");
    expect(x.human_explanation).toContain("AxYz");
    expect(explainMetaError("not-a-code")).toMatchObject({ code: null, can_retry: false });
  });
});
