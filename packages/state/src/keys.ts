// Redis key layout (architecture.md): conv:<customer_id>:<channel> holds the care window with
// TTL = time left; cust: a customer snapshot; freq: the marketing slots mirrored from Postgres.
export interface StateKeys {
  conv(customerId: string, channel: string): string;
  customer(customerId: string, channel: string): string;
  freq(customerId: string, channel: string): string;
  freqSeeded(customerId: string, channel: string): string;
}

export function stateKeys(prefix: string): StateKeys {
  return {
    conv: (id, ch) => `${prefix}conv:${id}:${ch}`,
    customer: (id, ch) => `${prefix}cust:${id}:${ch}`,
    freq: (id, ch) => `${prefix}freq:${id}:${ch}`,
    freqSeeded: (id, ch) => `${prefix}freq:${id}:${ch}:seeded`,
  };
}
