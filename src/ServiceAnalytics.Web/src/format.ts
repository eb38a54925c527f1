// Presentation only: numbers in the browser's locale, "—" for a figure the RPC left unset (a rate without a
// denominator). Nothing here derives a metric from others.

const missing = "—";
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const points = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, signDisplay: "exceptZero" });
const signedInteger = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0, signDisplay: "exceptZero" });
const one = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** How a figure is shown; also how its change from the previous period is shown. */
export type Unit = "count" | "rate" | "duration";

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined) {
    return missing;
  }
  switch (unit) {
    case "count":
      return integer.format(value);
    case "rate":
      return percent.format(value);
    case "duration":
      return formatDuration(value);
  }
}

/** The difference current − previous in the figure's own unit (percentage points for rates). */
export function formatChange(current: number | undefined, previous: number | undefined, unit: Unit): string {
  if (current === undefined || previous === undefined) {
    return missing;
  }
  const difference = current - previous;
  switch (unit) {
    case "count":
      return signedInteger.format(difference);
    case "rate":
      return `${points.format(difference * 100)} pp`;
    case "duration":
      return difference === 0 ? formatDuration(0) : `${difference > 0 ? "+" : "−"}${formatDuration(Math.abs(difference))}`;
  }
}

/** Seconds as the two largest units (e.g. "1 h 40 min", "2 d 3 h"). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) {
    return `${one.format(seconds)} s`;
  }
  const units: [string, number][] = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [name, size] of units) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || parts.length > 0) {
      parts.push(`${integer.format(amount)} ${name}`);
    }
    if (parts.length === 2) {
      break;
    }
  }
  return parts.filter((part) => !part.startsWith("0 ")).join(" ");
}

/** An instant as the shop sees it: date and time in its zone; with seconds where events minutes apart must be told apart. */
export function formatInstant(instant: string, timeZone: string, withSeconds = false): string {
  return new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: "medium", timeStyle: withSeconds ? "medium" : "short" }).format(new Date(instant));
}

/** An instant's time of day to the second in the shop's zone, for what changes by the minute (a refresh). */
export function formatClock(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone, timeStyle: "medium" }).format(instant);
}

export { missing };
