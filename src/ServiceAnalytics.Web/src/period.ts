// Periods are local days in the shop's time zone (the RPCs count days there), so presets are computed from "today"
// in that zone, not the browser's. Presets end yesterday: today is not over, and its chats are still coming in.

import type { Period } from "./api";

export type Preset = "7" | "28" | "30" | "custom";

/** Today's date (YYYY-MM-DD) in an IANA time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // en-CA formats a date as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** A YYYY-MM-DD date moved by whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The last <days> complete days in the shop's zone: ending yesterday. */
export function presetPeriod(days: number, timeZone: string, now: Date = new Date()): Period {
  const lastDay = addDays(todayIn(timeZone, now), -1);
  return { firstDay: addDays(lastDay, -(days - 1)), lastDay };
}
