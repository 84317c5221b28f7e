import { formatDate, formatDateTime, isoOf, relativeTime } from '../lib/time';

/**
 * A date the user reads in their locale with its relative time, "Jan 3, 2027 (in 29 days)"; the exact instant in the
 * tooltip. `now` defaults to the clock at render: callers that re-render on a timer pass their own.
 */
export function When({ at, dateOnly = false, now = Date.now() }: { at: string | number | Date; dateOnly?: boolean; now?: number }) {
  const iso = isoOf(at);
  const absolute = dateOnly ? formatDate(at) : formatDateTime(at);
  if (!iso) return <span>{absolute}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(at)}>
      {absolute} <span className="muted">({relativeTime(at, now)})</span>
    </time>
  );
}
