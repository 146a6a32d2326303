import { describe, expect, it } from "vitest";
import { COLD, CUSTOMER, envelope, useLiveStack } from "./live-stack.js";

// send_media, send_location, react_to_message, mark_read and the media_link_domains policy, through the live stack.
const { stack, mock, customerWrites, deliveredBody, sent, outboundCount } = useLiveStack();

describe("send_media", () => {
  it("an image by https link with a caption reaches delivered with Graph's exact payload", async () => {
    const link = "https://cdn.example.com/p/123.jpg";
    const id = await sent("send_media", { to: CUSTOMER, media_type: "image", link, caption: "Your replacement" });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "image",
      image: { link, caption: "Your replacement" },
    });
    const row = await stack.db
      .selectFrom("messages")
      .select(["kind", "category"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ kind: "image", category: "service" });
  });

  it("a document by media_id with a filename", async () => {
    const id = await sent("send_media", {
      to: CUSTOMER,
      media_type: "document",
      media_id: "1234567890",
      filename: "invoice-A-1001.pdf",
      caption: "Invoice",
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "document",
      document: { id: "1234567890", caption: "Invoice", filename: "invoice-A-1001.pdf" },
    });
  });

  it("refuses bad media before Meta: each a named field and Meta's limit, nothing queued", async () => {
    const before = await outboundCount();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ media_type: "image", link: "javascript:alert(1)" }, /^image\.link: only https/],
      [{ media_type: "image", link: "http://cdn.example.com/a.jpg" }, /^image\.link: only https links .* not http/],
      [{ media_type: "audio", media_id: "1", caption: "hi" }, /^caption: .*audio/],
      [{ media_type: "sticker", media_id: "1", caption: "hi" }, /^caption: .*sticker/],
      [{ media_type: "image", media_id: "1", filename: "a.jpg" }, /^filename: only a document/],
      [{ media_type: "image", media_id: "1", link: "https://x.example/a.jpg" }, /^image: give exactly one/],
      [{ media_type: "video" }, /^video: give exactly one/],
      [
        { media_type: "image", media_id: "1", caption: "c".repeat(1025) },
        /^caption: 1025 characters; Meta allows at most 1024/,
      ],
    ];
    for (const [args, why] of cases) {
      const r = await stack.gw.call("send_media", { to: CUSTOMER, ...args });
      expect(r.structured.reason_code, JSON.stringify(args)).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(why);
    }
    expect(await outboundCount()).toBe(before);
  });

  it("outside the window: TEMPLATE_REQUIRED", async () => {
    const r = await stack.gw.call("send_media", { to: COLD, media_type: "image", media_id: "1" });
    expect(r.structured).toMatchObject({ reason_code: "TEMPLATE_REQUIRED" });
    expect(r.structured.suggested_action).toMatch(/send_template/);
  });
});

describe("send_location", () => {
  it("a pin with name and address: exact payload, delivered", async () => {
    const id = await sent("send_location", {
      to: CUSTOMER,
      latitude: -6.2,
      longitude: 106.816666,
      name: "Acme Store",
      address: "Jl. Sudirman 1, Jakarta",
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "location",
      location: { latitude: -6.2, longitude: 106.816666, name: "Acme Store", address: "Jl. Sudirman 1, Jakarta" },
    });
  });

  it("refuses out-of-range coordinates, and outside the window TEMPLATE_REQUIRED", async () => {
    const lat = await stack.gw.call("send_location", { to: CUSTOMER, latitude: 91, longitude: 0 });
    expect(lat.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(lat.structured.human_explanation).toMatch(/^latitude: .*-90 to 90/);
    const lon = await stack.gw.call("send_location", { to: CUSTOMER, latitude: 0, longitude: -180.5 });
    expect(lon.structured.human_explanation).toMatch(/^longitude: .*-180 to 180/);
    const cold = await stack.gw.call("send_location", { to: COLD, latitude: 0, longitude: 0 });
    expect(cold.structured.reason_code).toBe("TEMPLATE_REQUIRED");
  });
});

describe("react_to_message", () => {
  it("reacts to the customer's message by wamid and to ours by id: exact payloads, delivered", async () => {
    const inbound = await customerWrites(CUSTOMER, "Thanks!");
    const id = await sent("react_to_message", { message_id: inbound.wamid, emoji: "👍🏽" });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "reaction",
      reaction: { message_id: inbound.wamid, emoji: "👍🏽" },
    });
    const ours = await sent("send_location", { to: CUSTOMER, latitude: 1, longitude: 2 });
    await deliveredBody(ours);
    const wamid = (
      await stack.db.selectFrom("messages").select("wamid").where("id", "=", ours).executeTakeFirstOrThrow()
    ).wamid;
    const flag = await sent("react_to_message", { message_id: ours, emoji: "🇮🇩" });
    expect((await deliveredBody(flag))["reaction"]).toEqual({ message_id: wamid, emoji: "🇮🇩" });
    const removed = await sent("react_to_message", { message_id: ours, emoji: "" });
    expect((await deliveredBody(removed))["reaction"]).toEqual({ message_id: wamid, emoji: "" });
  });

  it("refuses anything but one emoji, an unknown message, and a shut window (WINDOW_CLOSED)", async () => {
    const inbound = await customerWrites(CUSTOMER, "ok");
    for (const emoji of ["ok", "👍👍", "a👍"]) {
      const r = await stack.gw.call("react_to_message", { message_id: inbound.wamid, emoji });
      expect(r.structured.reason_code, emoji).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(/^emoji: .*not exactly one emoji/);
    }
    const unknown = await stack.gw.call("react_to_message", { message_id: "wamid.nope", emoji: "👍" });
    expect(unknown.structured.reason_code).toBe("NOT_FOUND");
    const old = await customerWrites(COLD, "old news", Math.floor(Date.now() / 1000) - 3 * 86_400);
    const shut = await stack.gw.call("react_to_message", { message_id: old.wamid, emoji: "👍" });
    expect(shut.structured.reason_code).toBe("WINDOW_CLOSED");
  });
});

describe("mark_read", () => {
  it("marks an inbound message read with a typing indicator, audited, even with the window shut", async () => {
    const old = await customerWrites(COLD, "are you there?", Math.floor(Date.now() / 1000) - 3 * 86_400);
    const r = await stack.gw.call("mark_read", { message_id: old.id, typing_indicator: true });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toEqual({
      message_id: old.id,
      wamid: old.wamid,
      customer_id: COLD,
      typing_indicator: true,
      from: {
        phone_number_id: stack.gw.clients.deps.cfg.META_PHONE_NUMBER_ID,
        display_phone_number: null,
        business_id: "default",
      },
    });
    const log = (await mock("/_mock/calls?include_body=true")) as { calls: { type: string; body: unknown }[] };
    expect(log.calls.filter((c) => c.type === "read").map((c) => c.body)).toContainEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: old.wamid,
      typing_indicator: { type: "text" },
    });
    const audit = await stack.db
      .selectFrom("audit_logs")
      .select(["actor", "action"])
      .where("subject_id", "=", old.id)
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor: "agent", action: "message.marked_read" });
  });

  it("refuses our own message and an unknown one", async () => {
    const ours = await sent("send_location", { to: CUSTOMER, latitude: 3, longitude: 4 });
    await deliveredBody(ours);
    const own = await stack.gw.call("mark_read", { message_id: ours });
    expect(own.structured).toMatchObject({ reason_code: "INVALID_ARGUMENT" });
    expect(own.structured.human_explanation).toMatch(/message we sent/);
    const unknown = await stack.gw.call("mark_read", { message_id: "wamid.unknown" });
    expect(unknown.structured.reason_code).toBe("NOT_FOUND");
  });
});

describe("media_link_domains policy", () => {
  it("links to other hosts get POLICY_RESTRICTION; listed domains and media ids pass", async () => {
    await stack.db
      .insertInto("policies")
      .values({
        id: "links_own_cdn",
        name: "Links only to our CDN",
        type: "media_link_domains",
        rules: JSON.stringify({ allowed_domains: ["example.com"] }),
      })
      .execute();
    stack.gw.clients.deps.compliance.invalidatePolicies();
    const off = await stack.gw.call("send_media", {
      to: CUSTOMER,
      media_type: "image",
      link: "https://evil.example.org/a.jpg",
    });
    expect(off.structured).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      details: { policy_id: "links_own_cdn" },
    });
    expect(off.structured.human_explanation).toMatch(/evil\.example\.org/);
    const cta = await stack.gw.call("send_interactive", {
      to: CUSTOMER,
      kind: "cta_url",
      body: "b",
      cta: { display_text: "Go", url: "https://tracker.example.net/x" },
    });
    expect(cta.structured.reason_code).toBe("POLICY_RESTRICTION");
    await sent("send_media", { to: CUSTOMER, media_type: "image", link: "https://cdn.example.com/ok.jpg" });
    await sent("send_media", { to: CUSTOMER, media_type: "image", media_id: "42" });
    await stack.db.deleteFrom("policies").where("id", "=", "links_own_cdn").execute();
    stack.gw.clients.deps.compliance.invalidatePolicies();
  });
});
