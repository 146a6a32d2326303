// A webhook body naming the given WABAs (an account_update each), for the signature tests of the two businesses
// of @wa/testkit's TWO_BUSINESSES.
export const bodyFor = (...wabas: string[]): string =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: wabas.map((id) => ({
      id,
      changes: [{ field: "account_update", value: { event: "ACCOUNT_UPDATE", phone_number: "15550200001" } }],
    })),
  });
