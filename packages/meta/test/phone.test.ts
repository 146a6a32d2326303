import { describe, expect, it } from "vitest";
import { countryOf, defaultTimezone, normalizePhone } from "../src/index.js";
import { knownCountries } from "../src/phone/calling-codes.js";

describe("normalizePhone + countryOf + defaultTimezone", () => {
  it.each([
    ["+62 811-998-7766", "628119987766", "ID", "Asia/Jakarta"],
    ["0062 811 998 7766", "628119987766", "ID", "Asia/Jakarta"],
    ["628119987766", "628119987766", "ID", "Asia/Jakarta"],
    ["+91 98765 43210", "919876543210", "IN", "Asia/Kolkata"],
    ["+1 (415) 555-0100", "14155550100", "US", "America/New_York"],
    ["+1 416 555 0100", "14165550100", "CA", "America/Toronto"],
    ["+1 242 555 0100", "12425550100", "BS", "America/Nassau"],
    ["+1 787 555 0100", "17875550100", "PR", "America/Puerto_Rico"],
    ["+44 20 7946 0958", "442079460958", "GB", "Europe/London"],
    ["+44 1624 123456", "441624123456", "IM", "Europe/Isle_of_Man"],
    ["+55 11 91234-5678", "5511912345678", "BR", "America/Sao_Paulo"],
    ["+49 30 123456", "4930123456", "DE", "Europe/Berlin"],
    ["+49.151.2345.6789", "4915123456789", "DE", "Europe/Berlin"],
    ["+7 912 345 67 89", "79123456789", "RU", "Europe/Moscow"],
    ["+7 701 234 5678", "77012345678", "KZ", "Asia/Almaty"],
    ["+971 50 123 4567", "971501234567", "AE", "Asia/Dubai"],
    ["+358 18 12345", "3581812345", "AX", "Europe/Mariehamn"],
    ["+234 803 123 4567", "2348031234567", "NG", "Africa/Lagos"],
    ["+12345678", "12345678", "US", "America/New_York"],
    ["+123456789012345", "123456789012345", "US", "America/New_York"],
  ])("%s → %s (%s, %s)", (input, digits, country, zone) => {
    expect(normalizePhone(input)).toEqual({ ok: true, digits });
    expect(countryOf(digits)).toBe(country);
    expect(defaultTimezone(country)).toBe(zone);
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["+62 811 CALL ME", "letters"],
    ["abc", "letters"],
    ["+62#811998776", "invalid_characters"],
    ["62+811998776", "invalid_characters"],
    ["0811 998 7766", "no_country_code"],
    ["+62 811", "too_short"],
    ["1234567", "too_short"],
    ["+1234567890123456", "too_long"],
    ["+62 8119 9877 6655 4433", "too_long"],
  ])("rejects %j (%s)", (input, reason) => {
    const res = normalizePhone(input);
    expect(res).toMatchObject({ ok: false, reason });
    expect(res.ok ? "" : res.explanation.length).toBeGreaterThan(10);
  });

  it("returns null for non-geographic or non-numeric input", () => {
    expect(countryOf("80012345678")).toBeNull();
    expect(countryOf("88212345678")).toBeNull();
    expect(countryOf("+628119987766")).toBeNull();
    expect(defaultTimezone("ZZ")).toBeNull();
    expect(defaultTimezone(" id ")).toBe("Asia/Jakarta");
  });

  it("has a valid IANA zone for every country the calling-code table can return", () => {
    const countries = knownCountries();
    expect(countries.length).toBeGreaterThan(200);
    for (const c of countries) {
      const zone = defaultTimezone(c);
      expect(zone, c).not.toBeNull();
      expect(() => new Intl.DateTimeFormat("en", { timeZone: zone! }), `${c} ${zone}`).not.toThrow();
    }
  });
});
