import { randomFillSync } from "node:crypto";

// Random bytes are drawn 4 KiB at a time: one syscall per 256 ids.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
let lastMs = 0;
let seq = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit sequence that keeps ids made in the same
 * millisecond in order, then 62 random bits. Message rows are inserted in id order, so the primary key index
 * grows at its right edge instead of touching a random page per row: with random v4 ids a campaign's
 * fan-out slowed as the table grew (every insert dirtied another index page, and after each checkpoint
 * wrote it whole to the WAL).
 */
export function timeOrderedId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else if (++seq > 0xfff) {
    lastMs++; // 4,096 ids in one millisecond: borrow the next one rather than lose the order
    seq = 0;
  }
  if (poolAt + 8 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  pool.copy(b, 8, poolAt, poolAt + 8);
  poolAt += 8;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f); // RFC variant 10xx
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
