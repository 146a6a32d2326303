import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { escapeNonAscii, parseWebhook, signBody, verifySignature } from "../src/index.js";

const SECRET = "app-secret-7c1e";
const body = '{"object":"whatsapp_business_account","entry":[]}';

describe("verifySignature", () => {
  const good = signBody(body, SECRET);

  it("accepts Meta's header over the raw bytes, as string, Buffer or Uint8Array", () => {
    expect(good).toBe(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
    expect(verifySignature(body, good, SECRET)).toBe(true);
    expect(verifySignature(Buffer.from(body), good, SECRET)).toBe(true);
    expect(verifySignature(new TextEncoder().encode(body), good, SECRET)).toBe(true);
  });

  it("rejects a tampered body, a wrong secret, a missing or empty header", () => {
    expect(verifySignature(body.replace("[]", "[ ]"), good, SECRET)).toBe(false);
    expect(verifySignature(body, good, "other-secret")).toBe(false);
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
    expect(verifySignature(body, null, SECRET)).toBe(false);
    expect(verifySignature(body, "", SECRET)).toBe(false);
  });

  it("requires the sha256= prefix (either case) and 64 hex digits (either case)", () => {
    const hex = good.slice("sha256=".length);
    expect(verifySignature(body, hex, SECRET)).toBe(false);
    expect(verifySignature(body, `sha1=${hex}`, SECRET)).toBe(false);
    expect(verifySignature(body, `sha256:${hex}`, SECRET)).toBe(false);
    expect(verifySignature(body, `SHA256=${hex}`, SECRET)).toBe(true);
    expect(verifySignature(body, `sha256=${hex.toUpperCase()}`, SECRET)).toBe(true);
    expect(verifySignature(body, ` ${good} `, SECRET)).toBe(true);
    expect(verifySignature(body, `${good}00`, SECRET)).toBe(false);
    expect(verifySignature(body, good.slice(0, -2), SECRET)).toBe(false);
    expect(verifySignature(body, `${good.slice(0, -1)}z`, SECRET)).toBe(false);
  });

  it("never verifies with an empty app secret", () => {
    expect(verifySignature(body, signBody(body, ""), "")).toBe(false);
  });
});

describe("escapeNonAscii and Meta's signed form", () => {
  it("escapes accents and emoji (as surrogate pairs) like Meta, and keeps the JSON equal", () => {
    const json = JSON.stringify({ text: "Olá café 👍 — ok" });
    const escaped = escapeNonAscii(json);
    expect(escaped).toBe('{"text":"Ol\\u00e1 caf\\u00e9 \\ud83d\\udc4d \\u2014 ok"}');
    expect([...escaped].every((ch) => ch.charCodeAt(0) < 0x80)).toBe(true);
    expect(JSON.parse(escaped)).toEqual(JSON.parse(json));
    expect(escapeNonAscii('{"a":"plain"}')).toBe('{"a":"plain"}');
  });

  it("verifies a body signed over its escaped bytes, and fails once re-serialized", () => {
    const fixture = readFileSync(new URL("./fixtures/inbound-messages.json", import.meta.url), "utf8");
    const raw = escapeNonAscii(JSON.stringify(JSON.parse(fixture)));
    expect(raw).toContain("\\ud83d\\ude4f"); // 🙏 in the first message
    const header = signBody(raw, SECRET);
    expect(verifySignature(Buffer.from(raw, "utf8"), header, SECRET)).toBe(true);
    const reserialized = JSON.stringify(JSON.parse(raw)); // what a parse-then-stringify receiver would hash
    expect(reserialized).not.toBe(raw);
    expect(verifySignature(reserialized, header, SECRET)).toBe(false);
    const parsed = parseWebhook(JSON.parse(raw));
    expect(parsed.ok && parsed.events[0]?.kind === "message" && parsed.events[0].text).toBe(
      "Halo, pesanan saya sudah sampai? 🙏",
    );
  });
});
