// Redis key layout (architecture.md): conv:<customer_id>:<channel>:<number> holds the care window with
// TTL = time left; cust: a customer snapshot; freq: the marketing slots mirrored from Postgres.
export interface StateKeys {
  conv(customerId: string, channel: string, phoneNumberId: string | null): string;
  customer(customerId: string, channel: string): string;
  freq(customerId: string, channel: string): string;
  freqSeeded(customerId: string, channel: string): string;
}

export function stateKeys(prefix: string): StateKeys {
  return {
    conv: (id, ch, n) => `${prefix}conv:${id}:${ch}:${n ?? "-"}`,
    customer: (id, ch) => `${prefix}cust:${id}:${ch}`,
    freq: (id, ch) => `${prefix}freq:${id}:${ch}`,
    freqSeeded: (id, ch) => `${prefix}freq:${id}:${ch}:seeded`,
  };
}
