import { describe, expect, it } from "vitest";
import { COLD, CUSTOMER, envelope, useLiveStack } from "./live-stack.js";

// send_interactive (buttons, lists, cta_url, location_request) and Meta's limits, through the live stack.
const { stack, deliveredBody, sent, outboundCount } = useLiveStack();
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
const list = (over: Record<string, unknown>) => ({ kind: "list", body: "b", button_text: "Open", ...over });

describe("send_interactive", () => {
  const buttons = [
    { id: "track", title: "Track order" },
    { id: "human", title: "Talk to a person" },
  ];

  it("reply buttons with an image header and a footer: exact payload, delivered", async () => {
    const id = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "buttons",
      body: "What would you like to do?",
      header: { type: "image", link: "https://cdn.example.com/logo.png" },
      footer: "Acme support",
      buttons,
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "interactive",
      interactive: {
        type: "button",
        header: { type: "image", image: { link: "https://cdn.example.com/logo.png" } },
        body: { text: "What would you like to do?" },
        footer: { text: "Acme support" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "track", title: "Track order" } },
            { type: "reply", reply: { id: "human", title: "Talk to a person" } },
          ],
        },
      },
    });
  });

  it("a list of time slots: exact payload, delivered", async () => {
    const id = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "list",
      header: { type: "text", text: "Pick a slot" },
      body: "When should the courier come?",
      button_text: "See slots",
      sections: [
        { title: "Monday", rows: [{ id: "mon-am", title: "09:00–12:00", description: "Morning" }] },
        { title: "Tuesday", rows: [{ id: "tue-pm", title: "13:00–17:00" }] },
      ],
    });
    expect(await deliveredBody(id)).toEqual({
      ...envelope(id),
      type: "interactive",
      interactive: {
        type: "list",
        header: { type: "text", text: "Pick a slot" },
        body: { text: "When should the courier come?" },
        action: {
          button: "See slots",
          sections: [
            { title: "Monday", rows: [{ id: "mon-am", title: "09:00–12:00", description: "Morning" }] },
            { title: "Tuesday", rows: [{ id: "tue-pm", title: "13:00–17:00" }] },
          ],
        },
      },
    });
  });

  it("a link button and a location request: exact payloads, delivered", async () => {
    const cta = await sent("send_interactive", {
      to: CUSTOMER,
      kind: "cta_url",
      body: "Track it here",
      cta: { display_text: "Track", url: "https://shop.example.com/t/A-1001" },
    });
    expect(await deliveredBody(cta)).toEqual({
      ...envelope(cta),
      type: "interactive",
      interactive: {
        type: "cta_url",
        body: { text: "Track it here" },
        action: { name: "cta_url", parameters: { display_text: "Track", url: "https://shop.example.com/t/A-1001" } },
      },
    });
    const loc = await sent("send_interactive", { to: CUSTOMER, kind: "location_request", body: "Where are you?" });
    expect(await deliveredBody(loc)).toEqual({
      ...envelope(loc),
      type: "interactive",
      interactive: {
        type: "location_request_message",
        body: { text: "Where are you?" },
        action: { name: "send_location" },
      },
    });
  });

  it("each of Meta's limits, violated once, is refused naming the field and the limit; nothing queued", async () => {
    const before = await outboundCount();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { kind: "buttons", body: "b", buttons: [{ id: "a", title: "x".repeat(21) }] },
        /^buttons\[0\]\.title: 21 characters; Meta allows at most 20/,
      ],
      [{ kind: "buttons", body: "b", buttons: rows(4) }, /^buttons: 4 reply buttons; Meta allows 1–3/],
      [{ kind: "buttons", body: "b", buttons: [] }, /^buttons: 0 reply buttons/],
      [
        {
          kind: "buttons",
          body: "b",
          buttons: [
            { id: "a", title: "A" },
            { id: "a", title: "B" },
          ],
        },
        /^buttons: id "a" is used twice/,
      ],
      [
        { kind: "buttons", body: "b".repeat(1025), buttons: rows(1) },
        /^body: 1025 characters; Meta allows at most 1024/,
      ],
      [
        { kind: "buttons", body: "b", header: { type: "text", text: "h".repeat(61) }, buttons: rows(1) },
        /^header\.text: 61 characters; Meta allows at most 60/,
      ],
      [
        { kind: "buttons", body: "b", footer: "f".repeat(61), buttons: rows(1) },
        /^footer: 61 characters; Meta allows at most 60/,
      ],
      [
        { kind: "buttons", body: "b", header: { type: "image", link: "javascript:x" }, buttons: rows(1) },
        /^header\.link: only https/,
      ],
      [
        list({
          sections: [
            { title: "A", rows: rows(6) },
            { title: "B", rows: rows(5).map((r) => ({ ...r, id: `b${r.id}` })) },
          ],
        }),
        /^sections: 11 rows in all; Meta allows 1–10/,
      ],
      [
        list({
          sections: Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: [{ id: `s${i}`, title: "x" }] })),
        }),
        /^sections: 11 sections; Meta allows 1–10/,
      ],
      [
        list({ sections: [{ rows: [{ id: "a", title: "x".repeat(25) }] }] }),
        /^sections\[0\]\.rows\[0\]\.title: 25 characters; Meta allows at most 24/,
      ],
      [
        list({ sections: [{ rows: [{ id: "a", title: "x", description: "d".repeat(73) }] }] }),
        /^sections\[0\]\.rows\[0\]\.description: 73 characters; Meta allows at most 72/,
      ],
      [
        list({ sections: [{ title: "t".repeat(25), rows: rows(1) }] }),
        /^sections\[0\]\.title: 25 characters; Meta allows at most 24/,
      ],
      [
        list({ sections: [{ title: "A", rows: rows(1) }, { rows: [{ id: "z", title: "z" }] }] }),
        /^sections\[1\]\.title: required when there is more than one section/,
      ],
      [
        list({ button_text: "x".repeat(21), sections: [{ rows: rows(1) }] }),
        /^button_text: 21 characters; Meta allows at most 20/,
      ],
      [
        list({ header: { type: "image", media_id: "1" }, sections: [{ rows: rows(1) }] }),
        /^header: a list message takes a text header only/,
      ],
      [
        { kind: "cta_url", body: "b", cta: { display_text: "Go", url: "http://shop.example.com" } },
        /^cta\.url: only https links/,
      ],
      [
        { kind: "cta_url", body: "b", cta: { display_text: "x".repeat(21), url: "https://shop.example.com" } },
        /^cta\.display_text: 21 characters; Meta allows at most 20/,
      ],
      [{ kind: "location_request", body: "b", buttons: rows(1) }, /^buttons: not used by kind location_request/],
    ];
    for (const [args, why] of cases) {
      const r = await stack.gw.call("send_interactive", { to: CUSTOMER, ...args });
      expect(r.structured.reason_code, JSON.stringify(args).slice(0, 120)).toBe("INVALID_ARGUMENT");
      expect(r.structured.human_explanation).toMatch(why);
    }
    expect(await outboundCount()).toBe(before);
  });

  it("outside the window: TEMPLATE_REQUIRED", async () => {
    const r = await stack.gw.call("send_interactive", { to: COLD, kind: "buttons", body: "b", buttons });
    expect(r.structured).toMatchObject({ reason_code: "TEMPLATE_REQUIRED" });
  });

  it("replays an idempotency key with the same content; other content under the key is refused", async () => {
    const args = { to: CUSTOMER, kind: "buttons", body: "Still there?", buttons, idempotency_key: "rich-k1" };
    const a = await stack.gw.call("send_interactive", args);
    const b = await stack.gw.call("send_interactive", {
      ...args,
      buttons: buttons.map((x) => ({ title: x.title, id: x.id })),
    });
    expect(b.structured).toMatchObject({ message_id: a.structured.message_id, duplicate: true });
    const c = await stack.gw.call("send_interactive", { ...args, body: "Something else" });
    expect(c.structured.reason_code).toBe("DUPLICATE_REQUEST");
  });
});
