// What mock-meta saw: its counters, and its call log read for messages lost or sent twice.

export async function mockStats(url: string): Promise<{ accepted: number; by_code: Record<string, number> }> {
  return (await (await fetch(`${url}/_mock/stats`)).json()) as { accepted: number; by_code: Record<string, number> };
}

/** Accepted Graph calls per message (biz_opaque_callback_data carries our id): lost = none, doubled = extra. */
export async function callCounts(mockUrl: string, n: number): Promise<{ distinct: number; doubled: number }> {
  const body = (await (await fetch(`${mockUrl}/_mock/calls?limit=${n * 2}`)).json()) as {
    calls: { biz_opaque_callback_data: string | null; wamid: string | null }[];
  };
  const seen = new Map<string, number>();
  for (const c of body.calls)
    if (c.wamid && c.biz_opaque_callback_data)
      seen.set(c.biz_opaque_callback_data, (seen.get(c.biz_opaque_callback_data) ?? 0) + 1);
  let doubled = 0;
  for (const k of seen.values()) doubled += k - 1;
  return { distinct: seen.size, doubled };
}
