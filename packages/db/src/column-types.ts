import type { ColumnType, JSONColumnType } from "kysely";

// Column types shared by the table interfaces (types.ts, access-types.ts).
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json<T extends object | null> = JSONColumnType<T, string, string>;
export type NullableJson<T extends object> = JSONColumnType<T | null, string | null | undefined, string | null>;
