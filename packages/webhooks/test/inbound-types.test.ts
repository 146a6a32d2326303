import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness, inboundBody } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
const notes: Array<{ customerId: string; wamid: string }> = [];
beforeAll(() => void (h = harness(tdb.url, { onInbound: (n) => notes.push(n) })));
afterAll(() => h.close());

const nowS = () => Math.floor(Date.now() / 1000);
const stored = async (wamid: string) =>
  (await h.db.selectFrom("messages").selectAll().where("wamid", "=", wamid).executeTakeFirstOrThrow()).content;
const consent = async (id: string) =>
  (await h.db.selectFrom("customers").select("marketing_consent").where("customer_id", "=", id).executeTakeFirst())
    ?.marketing_consent;

const FROM = "6281344445555";
const tap = (id: string, from: string, extra: Record<string, unknown>, type = "button") =>
  h.processor.processBody(inboundBody([{ from, id, ts: nowS(), type, extra }]));
const media = (type: string, part: Record<string, unknown>) => ({ type, extra: { [type]: part } });

describe("every inbound type is stored with its content", () => {
  const cases: Array<[string, { type: string; extra: Record<string, unknown> }, Record<string, unknown>]> = [
    [
      "image",
      media("image", { id: "m-img", mime_type: "image/jpeg", sha256: "aGFzaA==", caption: "broken lid" }),
      { type: "image", media: { id: "m-img", mimeType: "image/jpeg", sha256: "aGFzaA==", caption: "broken lid" } },
    ],
    [
      "video",
      media("video", { id: "m-vid", mime_type: "video/mp4", sha256: "v", caption: "unboxing" }),
      { type: "video", media: { id: "m-vid", mimeType: "video/mp4", caption: "unboxing" } },
    ],
    [
      "audio",
      media("audio", { id: "m-aud", mime_type: "audio/ogg; codecs=opus", sha256: "a", voice: true }),
      { type: "audio", media: { id: "m-aud", mimeType: "audio/ogg; codecs=opus", voice: true, caption: null } },
    ],
    [
      "document",
      media("document", {
        id: "m-doc",
        mime_type: "application/pdf",
        sha256: "d",
        filename: "receipt.pdf",
        caption: "my receipt",
      }),
      { type: "document", media: { id: "m-doc", filename: "receipt.pdf", caption: "my receipt" } },
    ],
    [
      "sticker",
      media("sticker", { id: "m-stk", mime_type: "image/webp", sha256: "s", animated: false }),
      { type: "sticker", media: { id: "m-stk", mimeType: "image/webp", animated: false } },
    ],
    [
      "button reply",
      {
        type: "interactive",
        extra: { interactive: { type: "button_reply", button_reply: { id: "track", title: "Track order" } } },
      },
      { type: "interactive", interactiveType: "button_reply", id: "track", title: "Track order" },
    ],
    [
      "list reply",
      {
        type: "interactive",
        extra: {
          interactive: { type: "list_reply", list_reply: { id: "slot-9", title: "09:00", description: "Monday" } },
        },
      },
      { type: "interactive", interactiveType: "list_reply", id: "slot-9", title: "09:00", description: "Monday" },
    ],
    [
      "template quick reply",
      { type: "button", extra: { button: { payload: "more-info", text: "Tell me more" } } },
      { type: "button", payload: "more-info", text: "Tell me more" },
    ],
    [
      "location",
      media("location", { latitude: -6.2, longitude: 106.8, name: "Monas", address: "Jakarta" }),
      { type: "location", latitude: -6.2, longitude: 106.8, name: "Monas", address: "Jakarta" },
    ],
    [
      "reaction",
      media("reaction", { message_id: "wamid.OURS", emoji: "❤️" }),
      { type: "reaction", messageId: "wamid.OURS", emoji: "❤️" },
    ],
    [
      "contacts",
      { type: "contacts", extra: { contacts: [{ name: { formatted_name: "Ana" }, phones: [{ phone: "+1 555" }] }] } },
      { type: "contacts", contacts: [{ name: { formatted_name: "Ana" }, phones: [{ phone: "+1 555" }] }] },
    ],
  ];

  it.each(cases)("%s", async (name, spec, want) => {
    const wamid = `wamid.T-${name.replace(/\W/g, "")}`;
    const r = await h.processor.processBody(inboundBody([{ from: FROM, id: wamid, ts: nowS() - 5, ...spec }]));
    expect(r.outcomes.applied).toBe(1);
    expect(await stored(wamid)).toMatchObject(want);
    const row = await h.db.selectFrom("messages").select("kind").where("wamid", "=", wamid).executeTakeFirstOrThrow();
    expect(row.kind).toBe(spec.type);
  });

  it("tells the listener once per committed message, never for a redelivered one", async () => {
    notes.length = 0;
    const body = inboundBody([{ from: FROM, id: "wamid.NOTE1", ts: nowS(), text: "hi" }]);
    await h.processor.processBody(body);
    await h.processor.processBody(body);
    expect(notes).toEqual([{ customerId: FROM, wamid: "wamid.NOTE1", channel: "whatsapp" }]);
  });
});

describe("STOP/START on tapped buttons and list rows", () => {
  it('a "Stop promotions" quick reply revokes marketing (Meta\'s opt-out button label)', async () => {
    const who = "6281355550001";
    await tap("wamid.SP1", who, { button: { payload: "opt-out-1", text: "Stop promotions" } });
    expect(await consent(who)).toBe("revoked");
  });

  it("a button whose payload is STOP revokes, whatever its title", async () => {
    const who = "6281355550002";
    await tap("wamid.SP2", who, { button: { payload: "STOP", text: "No more offers" } });
    expect(await consent(who)).toBe("revoked");
  });

  it("a list row whose id is START grants again; a row titled like a keyword counts too", async () => {
    const who = "6281355550003";
    await tap(
      "wamid.SP3",
      who,
      { interactive: { type: "list_reply", list_reply: { id: "STOP", title: "Pause" } } },
      "interactive",
    );
    expect(await consent(who)).toBe("revoked");
    await tap(
      "wamid.SP4",
      who,
      { interactive: { type: "button_reply", button_reply: { id: "b2", title: "Start" } } },
      "interactive",
    );
    expect(await consent(who)).toBe("granted");
  });

  it("an ordinary reply changes nothing", async () => {
    const who = "6281355550004";
    await tap("wamid.SP5", who, { button: { payload: "track", text: "Track order" } });
    expect(await consent(who)).toBe("unknown");
  });
});
