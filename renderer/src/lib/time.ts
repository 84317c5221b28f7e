/**
 * Dates as the user reads them: in their locale (the browser's, unless a locale is given) with a relative time
 * ("in 29 days", "3 hours ago"). `now` is a parameter so every caller, and every test, decides the clock.
 */

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

const parse = (when: string | number | Date): Date | null => {
  const d = when instanceof Date ? when : new Date(when);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** "in 29 days", "3 hours ago", "now": the largest unit that fits, rounded down towards zero. */
export function relativeTime(when: string | number | Date, now: number, locale?: string): string {
  const d = parse(when);
  if (!d) return String(when);
  const seconds = (d.getTime() - now) / 1000;
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    const n = Math.trunc(seconds / size);
    if (n !== 0) return fmt.format(n, unit);
  }
  return fmt.format(0, 'second');
}

/** The date and time in the user's locale, e.g. "Dec 4, 2026, 6:23 PM"; the input unchanged when it is no date. */
export function formatDateTime(when: string | number | Date, locale?: string): string {
  const d = parse(when);
  return d ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d) : String(when);
}

/** The date alone in the user's locale, e.g. "Jan 3, 2027". */
export function formatDate(when: string | number | Date, locale?: string): string {
  const d = parse(when);
  return d ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d) : String(when);
}

/** The ISO instant for a `<time dateTime>` attribute, or undefined when it is no date. */
export function isoOf(when: string | number | Date): string | undefined {
  return parse(when)?.toISOString();
}
