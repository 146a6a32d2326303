// Issue 21: invisible characters, punctuation and emoji around a keyword must not hide it.
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from "@wa/config";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeywordMatcher, normalizeKeyword } from "../src/index.js";
import { type Harness, harness, inboundBody } from "./support.js";

const match = createKeywordMatcher(DEFAULT_OPT_OUT_KEYWORDS, DEFAULT_OPT_IN_KEYWORDS);

describe("keyword normalization", () => {
  it.each([
    ["Stop."],
    ["stop 🙏"],
    ["stop 🙏🏽"],
    ["ＳＴＯＰ"],
    ["STOP!!! 🛑"],
    ["  sToP  "],
    ["\u202eSTOP\u202c"],
    ["\u2066stop\u2069"],
    ["\u200fSTOP\u200e"], // bidi overrides, isolates, marks
    ["\u200bS\u200bTOP\u200b"],
    ["\u2060STOP\ufeff"],
    ["\u00adstop"], // zero-width space/joiner/BOM, soft hyphen
  ])("%j is the opt-out keyword STOP", (text) => {
    expect(match(text)).toEqual({ action: "opt_out", keyword: "STOP" });
  });

  it("keeps inner words and refuses sentences", () => {
    expect(normalizeKeyword("  stop \u200b  all! ")).toBe("STOP ALL");
    expect(match("please stop sending")).toBeNull();
    expect(match("stopped")).toBeNull();
    expect(match("Start 👍")).toEqual({ action: "opt_in", keyword: "START" });
  });
});

describe("a wrapped STOP through the processor", () => {
  const tdb = useTestDatabase();
  let h: Harness;
  beforeAll(() => void (h = harness(tdb.url)));
  afterAll(() => h.close());

  it("a bidi- and zero-width-wrapped STOP revokes marketing consent", async () => {
    const ts = Math.floor(Date.now() / 1000) - 30;
    const r = await h.processor.processBody(
      inboundBody([{ from: "6281500000001", id: "wamid.KW1", ts, text: "\u202e\u200bSTOP\u200b\u202c" }]),
    );
    expect(r.outcomes.applied).toBe(1);
    const c = await h.db
      .selectFrom("customers")
      .select(["marketing_consent", "marketing_consent_source"])
      .where("customer_id", "=", "6281500000001")
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ marketing_consent: "revoked", marketing_consent_source: "inbound_keyword" });
  });
});
