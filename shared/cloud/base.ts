import { z } from 'zod';
import { IFNAME_RE, RESERVED_DEVICE_ID, VPLC_NAME_RE } from '../domain/vplc.js';
import { CROSS_FIELD_PARAMS, REASON } from './errors.js';

/**
 * Base contracts of docs/protocol.md §3.1 and the field builders every cloud contract uses.
 * Objects strip unknown keys; "optional" means absent or null. Each builder carries its §3.4 reason
 * text; `parseCommand` (./parse.ts) turns the first issue into the final error string.
 *
 * Reason rule: a field whose contract type is `string`/`nonEmptyString`/`number` reports that type's
 * reason for a value of the wrong JSON type, and its IMPROVE format reason (IPv4, MAC, …) for a
 * string of the wrong shape; a field whose contract type *is* a format (`isoDate`, `ifname`) reports
 * the format reason for both.
 */

// ---------------------------------------------------------------------------------------------
// ISO-8601 (the reference runs Python's `datetime.fromisoformat` after turning a trailing Z into
// +00:00; this accepts the same family: calendar/basic/week dates, optional time with `T`, `t` or a
// space, fractions with `.` or `,`, and offsets ±HH[[:]MM[[:]SS[.f]]]).
// ---------------------------------------------------------------------------------------------

const DATE_EXT_RE = /^(\d{4})-(\d{2})-(\d{2})/;
const DATE_BASIC_RE = /^(\d{4})(\d{2})(\d{2})/;
const WEEK_EXT_RE = /^(\d{4})-W(\d{2})(?:-(\d))?/;
const WEEK_BASIC_RE = /^(\d{4})W(\d{2})(\d)?/;
const TIME_EXT_RE = /^(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?/;
const TIME_BASIC_RE = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?/;
const OFFSET_RE = /^[+-](\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.(\d+))?)?)?$/;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** ISO years with 53 weeks start on a Thursday, or on a Wednesday in a leap year. */
function weeksInYear(y: number): number {
  const jan1 = new Date(Date.UTC(2000, 0, 1));
  jan1.setUTCFullYear(y, 0, 1);
  const dow = jan1.getUTCDay();
  return dow === 4 || (dow === 3 && isLeap(y)) ? 53 : 52;
}

/** Length of the date part at the start of `s`, or -1 when it is not a valid date. */
function matchDate(s: string): number {
  const cal = DATE_EXT_RE.exec(s) ?? DATE_BASIC_RE.exec(s);
  if (cal !== null) {
    const [y, m, d] = [Number(cal[1]), Number(cal[2]), Number(cal[3])];
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m) ? cal[0].length : -1;
  }
  const week = WEEK_EXT_RE.exec(s) ?? WEEK_BASIC_RE.exec(s);
  if (week !== null) {
    const [y, w] = [Number(week[1]), Number(week[2])];
    const d = week[3] === undefined ? 1 : Number(week[3]);
    return y >= 1 && w >= 1 && w <= weeksInYear(y) && d >= 1 && d <= 7 ? week[0].length : -1;
  }
  return -1;
}

function validTime(h: string | undefined, m: string | undefined, s: string | undefined): boolean {
  return Number(h ?? 0) <= 23 && Number(m ?? 0) <= 59 && Number(s ?? 0) <= 59;
}

function validOffset(s: string): boolean {
  const o = OFFSET_RE.exec(s);
  if (o === null) return false;
  const [h, m, sec] = [Number(o[1]), Number(o[2] ?? 0), Number(o[3] ?? 0)];
  return h <= 23 && m <= 59 && sec <= 59;
}

/** docs/protocol.md §3.1 `isoDate`: a valid ISO-8601 date or date-time once a trailing Z reads as +00:00. */
export function isIsoDate(value: string): boolean {
  if (typeof value !== 'string') return false;
  const s = value.endsWith('Z') ? `${value.slice(0, -1)}+00:00` : value;
  const dateLen = matchDate(s);
  if (dateLen < 0) return false;
  if (dateLen === s.length) return true;
  const sep = s[dateLen];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return false;
  const rest = s.slice(dateLen + 1);
  const tzAt = rest.search(/[+-]/);
  const time = tzAt < 0 ? rest : rest.slice(0, tzAt);
  const offset = tzAt < 0 ? '' : rest.slice(tzAt);
  const t = TIME_EXT_RE.exec(time);
  const tb = TIME_BASIC_RE.exec(time);
  const match = t !== null && t[0].length === time.length ? t : tb !== null && tb[0].length === time.length ? tb : null;
  if (match === null || !validTime(match[1], match[2], match[3])) return false;
  return offset === '' || validOffset(offset);
}

// ---------------------------------------------------------------------------------------------
// Field builders
// ---------------------------------------------------------------------------------------------

/** `string`: any string, including "". */
export function str() {
  return z.string({ error: REASON.string });
}

/** `nonEmptyString`: at least one non-whitespace character. */
export function nonEmptyStr() {
  return z.string({ error: REASON.string }).refine((s) => s.trim() !== '', { error: REASON.nonEmptyString, abort: true });
}

/** `number`: finite, booleans rejected. */
export function num() {
  return z.number({ error: REASON.number });
}

export function bool() {
  return z.boolean({ error: REASON.boolean });
}

export function list<T extends z.ZodType>(element: T) {
  return z.array(element, { error: REASON.list });
}

/** A nested object (extra keys stripped). */
export function obj<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape, { error: REASON.object });
}

/**
 * A string checked, and possibly converted, by `parse` (null = rejected). A non-string gets
 * `typeReason`, a rejected string `reason`.
 */
export function formatted<T>(parse: (s: string) => T | null, reason: string, typeReason: string = reason) {
  return z.string({ error: typeReason }).transform((s, ctx): T => {
    const v = parse(s);
    if (v === null) {
      ctx.addIssue({ code: 'custom', message: reason, input: s });
      return z.NEVER;
    }
    return v;
  });
}

/** `ifname`: 1–15 characters of `[A-Za-z0-9_.-]`. */
export function ifname() {
  return formatted((s) => (IFNAME_RE.test(s) ? s : null), REASON.ifname);
}

/** `T?`: absent or null; both come out as `undefined`. */
export function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

/** `T?` where a blank string also means "not given" (the cloud's forms send "" for unused fields). */
export function optBlank<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v), schema.optional());
}

/** `T?` with a default for absent or null. */
export function withDefault<T extends z.ZodType>(schema: T, fallback: z.output<T>) {
  return schema.nullish().transform((v): z.output<T> => v ?? fallback);
}

/** Adds a cross-field issue (reported as `Validation error: <path>: <text>`). */
export function addCrossFieldIssue(
  ctx: { addIssue: (issue: z.core.$ZodSuperRefineIssue) => void },
  path: PropertyKey[],
  text: string,
): void {
  ctx.addIssue({ code: 'custom', message: text, path, params: { ...CROSS_FIELD_PARAMS } });
}

// ---------------------------------------------------------------------------------------------
// Base contracts (§3.1)
// ---------------------------------------------------------------------------------------------

/** `number | string` (IMPROVE: strings such as UUIDs are accepted; booleans are rejected). */
export const CorrelationId = z.union([z.number(), z.string()], { error: REASON.correlationId });
export type CorrelationId = z.infer<typeof CorrelationId>;

export function isCorrelationId(v: unknown): v is CorrelationId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

export const IsoDate = z
  .string({ error: REASON.isoDate })
  .refine((s) => isIsoDate(s), { error: REASON.isoDate, abort: true });

/** BASE_MESSAGE. The raw optional values are kept (null stays null) so the ack can echo them. */
export const BaseMessage = z.object({
  correlation_id: CorrelationId.nullish(),
  action: str().nullish(),
  requested_at: IsoDate.nullish(),
});
export type BaseMessage = z.output<typeof BaseMessage>;

/**
 * A `device_id` (IMPROVE): a non-empty string that also follows the vPLC name rule, so `__proto__`, `/name` or
 * anything Docker would read otherwise never reaches a handler. `reserved` also admits the orchestrator's own id.
 */
export function deviceId(options: { reserved?: boolean } = {}) {
  return nonEmptyStr().refine((s) => VPLC_NAME_RE.test(s) || (options.reserved === true && s === RESERVED_DEVICE_ID), {
    error: REASON.containerName,
    abort: true,
  });
}

/** BASE_DEVICE = BASE_MESSAGE + `device_id: nonEmptyString` (following the vPLC name rule). */
export const BaseDevice = BaseMessage.extend({
  device_id: deviceId(),
});
export type BaseDevice = z.output<typeof BaseDevice>;
