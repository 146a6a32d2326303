import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseWebhook, type WebhookEvent } from "../src/index.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));

function eventsOf(body: unknown): WebhookEvent[] {
  const res = parseWebhook(body);
  if (!res.ok) throw new Error(res.error);
  return res.events;
}

function only<K extends WebhookEvent["kind"]>(events: WebhookEvent[], kind: K): Extract<WebhookEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<WebhookEvent, { kind: K }> => e.kind === kind);
}

const WABA = "102290129340398";
const PHONE_ID = "106540352242922";

describe("inbound messages", () => {
  const events = eventsOf(fixture("inbound-messages"));
  const messages = only(events, "message");
  const byId = (n: number) => messages.find((m) => m.wamid === `wamid.IN${String(n).padStart(3, "0")}`)!;

  it("yields one event per message with routing, key, time and customer", () => {
    expect(messages).toHaveLength(22);
    expect(events).toHaveLength(22);
    const first = byId(1);
    expect(first).toMatchObject({
      dedupKey: "msg:wamid.IN001",
      wabaId: WABA,
      phoneNumberId: PHONE_ID,
      displayPhoneNumber: "15550783881",
      timestamp: 1760000001000,
      from: "6281199887766",
      customerKey: "6281199887766",
      fromUserId: "ID.1234567890123",
      contact: { name: "Siti Rahayu", waId: "6281199887766", userId: "ID.1234567890123" },
      content: { type: "text", body: "Halo, pesanan saya sudah sampai? 🙏" },
      text: "Halo, pesanan saya sudah sampai? 🙏",
    });
  });

  it("reads every inbound type", () => {
    expect(byId(2).content).toMatchObject({
      type: "image",
      media: { id: "media-1", caption: "Foto struk", mimeType: "image/jpeg" },
    });
    expect(byId(2).text).toBe("Foto struk");
    expect(byId(3).content).toMatchObject({ type: "video", media: { id: "media-2" } });
    expect(byId(4).content).toMatchObject({ type: "audio", media: { voice: true } });
    expect(byId(5).content).toMatchObject({ type: "document", media: { filename: "invoice.pdf" } });
    expect(byId(6).content).toMatchObject({ type: "sticker", media: { animated: false } });
    expect(byId(7).content).toEqual({
      type: "location",
      latitude: -6.2,
      longitude: 106.816666,
      name: "Monas",
      address: "Jakarta Pusat",
      url: "https://maps.example",
    });
    expect(byId(8).content).toMatchObject({ type: "contacts", contacts: [{ name: { formatted_name: "Budi" } }] });
    expect(byId(9).content).toEqual({ type: "reaction", messageId: "wamid.OUT001", emoji: "👍" });
    expect(byId(10).content).toEqual({ type: "reaction", messageId: "wamid.OUT001", emoji: null });
    expect(byId(11).content).toMatchObject({
      type: "interactive",
      interactiveType: "button_reply",
      id: "yes",
      title: "Ya",
    });
    expect(byId(11).context).toEqual({
      messageId: "wamid.OUT002",
      from: "15550783881",
      forwarded: false,
      frequentlyForwarded: false,
    });
    expect(byId(12).content).toMatchObject({ interactiveType: "list_reply", id: "size_m", description: "Ukuran M" });
    const flow = byId(13).content;
    expect(flow).toMatchObject({ interactiveType: "nfm_reply" });
    expect(JSON.parse((flow as { responseJson: string }).responseJson)).toEqual({
      flow_token: "t1",
      address: "Jl. Sudirman 1",
    });
    expect(byId(14).content).toEqual({ type: "button", payload: "STOP_PROMO", text: "Stop promotions" });
    expect(byId(14).text).toBe("Stop promotions");
    expect(byId(15).content).toMatchObject({
      type: "order",
      catalogId: "cat-1",
      productItems: [{ product_retailer_id: "sku-1" }],
    });
    expect(byId(16).content).toMatchObject({
      type: "system",
      systemType: "user_changed_number",
      newWaId: "6281299887766",
    });
    expect(byId(17).content).toEqual({ type: "request_welcome" });
    expect(byId(18).content).toEqual({
      type: "edit",
      originalMessageId: "wamid.IN001",
      edited: { type: "text", body: "Halo, pesanan saya sudah sampai?" },
    });
    expect(byId(19).content).toEqual({ type: "revoke", originalMessageId: "wamid.IN002" });
    expect(byId(20).content).toEqual({ type: "unsupported" });
    expect(byId(20).errors).toEqual([
      {
        code: 131051,
        title: "Message type unknown",
        message: "Message type unknown",
        details: "Message type is currently not supported.",
        href: null,
      },
    ]);
    expect(byId(22).referral).toMatchObject({ source_type: "ad", ctwa_clid: "clid-1" });
  });

  it("keeps an unknown message type as a message (it still opens the window) with its raw part", () => {
    const m = byId(21);
    expect(m.content).toEqual({ type: "unknown", rawType: "hologram" });
    expect((m.raw as { hologram: unknown }).hologram).toEqual({ depth: 3 });
  });
});

describe("statuses", () => {
  const events = eventsOf(fixture("statuses"));
  const statuses = only(events, "status");

  it("reads sent/delivered/read/played/failed with pricing, conversation and our id", () => {
    expect(statuses.map((s) => s.dedupKey)).toEqual([
      "status:wamid.OUT001:sent",
      "status:wamid.OUT001:delivered",
      "status:wamid.OUT001:read",
      "status:wamid.OUT002:played",
      "status:wamid.OUT003:failed",
      "status:wamid.OUT004:sent",
    ]);
    expect(statuses[0]).toMatchObject({
      wamid: "wamid.OUT001",
      status: "sent",
      timestamp: 1760000101000,
      recipientId: "6281199887766",
      customerKey: "6281199887766",
      bizOpaqueCallbackData: "0190a1b2-msg-1",
      phoneNumberId: PHONE_ID,
      conversation: { id: "conv-1", expiresAt: 1760086500000, originType: "utility" },
      pricing: { billable: true, pricingModel: "PMP", type: "regular", category: "utility" },
    });
    expect(statuses[2]!.pricing).toBeNull();
    expect(statuses[4]!.errors).toEqual([
      expect.objectContaining({ code: 131049, details: expect.stringContaining("healthy ecosystem") }),
    ]);
  });

  it("handles a BSUID recipient with an empty recipient_id", () => {
    expect(statuses[5]).toMatchObject({
      recipientId: null,
      recipientUserId: "US.13491208655302741918",
      customerKey: "US.13491208655302741918",
    });
  });

  it("reports a legacy status value as unknown instead of guessing", () => {
    expect(only(events, "unknown")).toEqual([
      expect.objectContaining({ field: "messages", reason: 'unknown status value "deleted"' }),
    ]);
  });
});

describe("WABA-level fields", () => {
  it("reads template status, category and quality updates with string ids and en_US", () => {
    const events = eventsOf(fixture("template-events"));
    const statuses = only(events, "template_status");
    expect(statuses.map((s) => [s.templateId, s.event, s.language])).toEqual([
      ["594425479261596", "APPROVED", "en_US"],
      ["594425479261597", "REJECTED", "id"],
      ["594425479261598", "PAUSED", "pt_BR"],
      ["594425479261599", "DISABLED", "en_US"],
    ]);
    expect(statuses[0]).toMatchObject({
      dedupKey: "tpl:594425479261596:APPROVED:1760000300",
      timestamp: 1760000300000,
      wabaId: WABA,
      phoneNumberId: null,
      category: "UTILITY",
      reason: null,
    });
    expect(statuses[1]).toMatchObject({
      reason: "INVALID_FORMAT",
      rejectionInfo: { reason: "INVALID_FORMAT", recommendation: "Remove adjacent placeholders." },
    });
    expect(statuses[2]!.otherInfo).toEqual({
      title: "FIRST_PAUSE",
      description: "Paused for 3 hours due to low quality.",
    });
    expect(statuses[3]!.disableDate).toBe("2026-10-30");
    expect(only(events, "template_category")[0]).toMatchObject({
      templateId: "594425479261596",
      previousCategory: "UTILITY",
      newCategory: "MARKETING",
      language: "en_US",
      dedupKey: "tplcat:594425479261596:MARKETING:1760000304",
    });
    expect(only(events, "template_quality")[0]).toMatchObject({
      previousQualityScore: "GREEN",
      newQualityScore: "YELLOW",
      dedupKey: "tplq:594425479261596:YELLOW:1760000305",
    });
  });

  it("reads marketing stop/resume preferences, BSUID included", () => {
    const prefs = only(eventsOf(fixture("user-preferences")), "user_preference");
    expect(prefs).toHaveLength(2);
    expect(prefs[0]).toMatchObject({
      customerKey: "6281199887766",
      category: "marketing_messages",
      value: "stop",
      timestamp: 1760000400000,
      phoneNumberId: PHONE_ID,
    });
    expect(prefs[1]).toMatchObject({
      waId: null,
      userId: "ID.999888777",
      customerKey: "ID.999888777",
      value: "resume",
    });
    expect(prefs[0]!.dedupKey).not.toBe(prefs[1]!.dedupKey);
  });

  it("reads account updates and phone quality updates", () => {
    const events = eventsOf(fixture("account-events"));
    const accounts = only(events, "account_update");
    expect(accounts.map((a) => a.event)).toEqual(["ACCOUNT_RESTRICTION", "VOLUME_BASED_PRICING_TIER_UPDATE"]);
    expect(accounts[0]!.phoneNumber).toBe("15550783881");
    expect(accounts[1]!.info).toHaveProperty("volume_tier_info.tier", "25000001:50000000");
    const quality = only(events, "phone_quality");
    expect(quality.map((q) => [q.event, q.currentLimit, q.oldLimit])).toEqual([
      ["THROUGHPUT_UPGRADE", "TIER_UNLIMITED", null],
      ["FLAGGED", "TIER_10K", "TIER_100K"],
    ]);
    expect(quality[0]!.displayPhoneNumber).toBe("15550783881");
  });

  it("reads system-level errors", () => {
    const [e] = eventsOf(fixture("system-errors"));
    expect(e).toMatchObject({
      kind: "error",
      phoneNumberId: PHONE_ID,
      timestamp: 1760000600000,
      errors: [{ code: 131000, details: "Internal error, please retry" }],
    });
    expect(e!.dedupKey).toMatch(/^err:/);
  });
});

describe("tolerance", () => {
  it("supports users known only by BSUID", () => {
    const [m] = only(eventsOf(fixture("bsuid-only")), "message");
    expect(m).toMatchObject({
      from: null,
      fromUserId: "US.13491208655302741918",
      customerKey: "US.13491208655302741918",
      text: "STOP",
      contact: { waId: null, userId: "US.13491208655302741918", username: "ann.k", countryCode: "US" },
    });
  });

  it("turns odd shapes into unknown events and keeps going", () => {
    const events = eventsOf(fixture("odd-shapes"));
    expect(events.every((e) => e.kind === "unknown")).toBe(true);
    expect(events.map((e) => (e.kind === "unknown" ? e.reason : ""))).toEqual([
      'field "business_capability_update" is not modelled',
      'change "messages" without an object value',
      "change without a field",
      "change without a field",
      "inbound message without id",
      "entry without a changes array",
      "entry is not an object",
    ]);
    expect(events[0]!.raw).toEqual({ max_daily_conversations_per_business: 2000 });
    expect(new Set(events.map((e) => e.dedupKey)).size).toBe(events.length);
  });

  it("gives the same dedup keys when Meta redelivers the same body", () => {
    for (const name of [
      "inbound-messages",
      "statuses",
      "template-events",
      "account-events",
      "system-errors",
      "odd-shapes",
    ]) {
      expect(eventsOf(fixture(name)).map((e) => e.dedupKey)).toEqual(eventsOf(fixture(name)).map((e) => e.dedupKey));
    }
  });

  it("parses a batch of 1,000 statuses spread over many entries and changes", () => {
    const entry = Array.from({ length: 10 }, (_e, e) => ({
      id: WABA,
      changes: Array.from({ length: 10 }, (_c, c) => ({
        field: "messages",
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: "15550783881", phone_number_id: `pn-${c}` },
          statuses: Array.from({ length: 10 }, (_s, s) => ({
            id: `wamid.B${e}-${c}-${s}`,
            status: "delivered",
            timestamp: "1760000900",
            recipient_id: "6281199887766",
          })),
        },
      })),
    }));
    const events = eventsOf({ object: "whatsapp_business_account", entry });
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((e) => e.dedupKey)).size).toBe(1000);
    expect(events[999]).toMatchObject({ kind: "status", phoneNumberId: "pn-9", wamid: "wamid.B9-9-9" });
  });

  it("refuses bodies that are not a WhatsApp envelope, with a clear message", () => {
    const cases: [unknown, string][] = [
      ["a string", "webhook body must be a JSON object, got string"],
      [null, "webhook body must be a JSON object, got null"],
      [[1, 2], "webhook body must be a JSON object, got an array"],
      [{ object: "page", entry: [] }, 'webhook object must be "whatsapp_business_account", got "page"'],
      [{ entry: [] }, 'webhook object must be "whatsapp_business_account", got nothing'],
      [{ object: "whatsapp_business_account", entry: {} }, "webhook entry must be an array, got object"],
      [{ object: "whatsapp_business_account" }, "webhook entry must be an array, got undefined"],
    ];
    for (const [body, error] of cases) expect(parseWebhook(body)).toEqual({ ok: false, error });
    expect(parseWebhook({ object: "whatsapp_business_account", entry: [] })).toEqual({ ok: true, events: [] });
  });
});

const nestedArrays = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);
const nestedObject = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);

describe("hostile nesting (issue 22): parseWebhook never throws", () => {
  it.each([10_000, 100_000])("%i-level nested arrays in entry become an unknown event with a stable key", (depth) => {
    const body = { object: "whatsapp_business_account", entry: [nestedArrays(depth)] };
    const first = eventsOf(body);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: "unknown", reason: "entry is not an object" });
    expect(eventsOf(body)[0]!.dedupKey).toBe(first[0]!.dedupKey);
  });

  it("a 10,000-level nested referral keeps the message", () => {
    const message = {
      from: "6281199887766",
      id: "wamid.DEEP",
      timestamp: "1760000900",
      type: "text",
      text: { body: "hi" },
      referral: nestedObject(10_000),
    };
    const body = {
      object: "whatsapp_business_account",
      entry: [
        {
          id: WABA,
          changes: [{ field: "messages", value: { metadata: { phone_number_id: PHONE_ID }, messages: [message] } }],
        },
      ],
    };
    expect(only(eventsOf(body), "message")[0]).toMatchObject({ wamid: "wamid.DEEP", text: "hi" });
  });

  it("a deep value where a key is computed from it (an id-less message) still gets a digest key", () => {
    const message = { from: "6281199887766", timestamp: "1760000900", type: "text", deep: nestedArrays(50_000) };
    const body = {
      object: "whatsapp_business_account",
      entry: [{ id: WABA, changes: [{ field: "messages", value: { messages: [message] } }] }],
    };
    expect(eventsOf(body)[0]!.dedupKey).toMatch(/^unknown:/);
  });
});
