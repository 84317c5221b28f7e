/** Certificate expiry warnings (docs/protocol.md §9.6): 30, 7 and 1 days before `notAfter`, and loudly once it has passed. */
export type ExpiryLevel = 'ok' | 'days30' | 'days7' | 'days1' | 'expired';

export interface ExpiryWarning {
  level: ExpiryLevel;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  message: string | null;
}

const DAY_MS = 86_400_000;

export function expiryWarning(notAfterIso: string, now: number = Date.now()): ExpiryWarning {
  const left = Date.parse(notAfterIso) - now;
  const daysLeft = Math.floor(left / DAY_MS);
  if (left <= 0) {
    return {
      level: 'expired',
      daysLeft,
      message: `The client certificate expired on ${notAfterIso}: the cloud will refuse every connection. Enrol again (vplc-orchestrator enroll).`,
    };
  }
  const level: ExpiryLevel = left <= DAY_MS ? 'days1' : left <= 7 * DAY_MS ? 'days7' : left <= 30 * DAY_MS ? 'days30' : 'ok';
  if (level === 'ok') return { level, daysLeft, message: null };
  return {
    level,
    daysLeft,
    message: `The client certificate expires on ${notAfterIso} (${daysLeft < 1 ? 'in less than a day' : `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`}). No renewal endpoint exists: enrol again before then (vplc-orchestrator enroll).`,
  };
}
