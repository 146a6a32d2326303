import { describe, expect, it } from "vitest";
import { parseRecipient, recipientTimezone } from "../src/index.js";

describe("recipient and its time zone", () => {
  it.each([
    { raw: "+62 811-2345-6789", id: "6281123456789", country: "ID", zone: "Asia/Jakarta" },
    { raw: "+1 (212) 555-0123", id: "12125550123", country: "US", zone: "America/New_York" },
    { raw: "+1 416 555 0123", id: "14165550123", country: "CA", zone: "America/Toronto" },
    { raw: "0044 7911 123456", id: "447911123456", country: "GB", zone: "Europe/London" },
    { raw: "+49 151 1234 5678", id: "4915112345678", country: "DE", zone: "Europe/Berlin" },
    { raw: "+55 11 91234-5678", id: "5511912345678", country: "BR", zone: "America/Sao_Paulo" },
    { raw: "US.13491208655302741918", id: "US.13491208655302741918", country: "US", zone: "America/New_York" },
  ])("$raw → $country, $zone", ({ raw, id, country, zone }) => {
    const r = parseRecipient(raw);
    expect(r).toMatchObject({ ok: true, id, country });
    expect(recipientTimezone(r, null, "UTC").zone).toBe(zone);
  });

  it("prefers the customer's stored zone and falls back when the country is unknown", () => {
    expect(recipientTimezone(parseRecipient("+62 811 2345 6789"), "Asia/Makassar", "UTC").zone).toBe("Asia/Makassar");
    const noCountry = parseRecipient("+888 1234 5678"); // non-geographic code
    expect(noCountry).toMatchObject({ ok: true, country: null });
    expect(recipientTimezone(noCountry, null, "Europe/Paris")).toEqual({
      zone: "Europe/Paris",
      from: "the default zone (country unknown)",
    });
  });

  it.each(["", "0811 2345 678", "+62 81", "+1 800 FLOWERS", "1234567890123456", "US 1349"])("rejects %j", (raw) => {
    expect(parseRecipient(raw).ok).toBe(false);
  });
});
