import type { z } from 'zod';

/**
 * Validation error texts of docs/protocol.md §3.4. Every failed cloud request is reported with exactly one of:
 *   `Missing required field: <path>`
 *   `Invalid field type: <path>: <reason>`
 *   `Validation error: <path>: <text>`
 *   `Validation error: message must be a JSON object`
 */

/** Reason texts (§3.4 table; the first seven are MATCH wording). */
export const REASON = {
  string: 'Value must be a string.',
  nonEmptyString: 'Value must be a non-empty string.',
  number: 'Value must be a number.',
  boolean: 'Value must be a boolean.',
  isoDate: 'Value must be a valid ISO datetime string.',
  ifname: 'Value must be a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars).',
  list: 'Value must be a list.',
  object: 'Value must be an object.',
  correlationId: 'Value must be a number or a string.',
  ipv4: 'Value must be an IPv4 address.',
  subnet: 'Value must be a CIDR subnet or a dotted netmask.',
  mac: 'Value must be a unicast MAC address (aa:bb:cc:dd:ee:ff).',
  containerName:
    "Value must be a valid container name (2-63 chars of letters, digits, '_', '.', '-', starting with a letter or digit).",
  imageTag: 'Value must be a valid image tag.',
  port: 'Value must be a TCP port (1-65535).',
  devicePath: 'Value must be a device path under /dev/.',
  /** IMPROVE (ours): a `files` entry of `run_command` that is neither an object nor a string. */
  fileEntry: 'Value must be an object or a string.',
} as const;

/** `Value must be one of: a, b, c.` */
export function enumReason(values: readonly string[]): string {
  return `Value must be one of: ${values.join(', ')}.`;
}

export const NOT_AN_OBJECT_ERROR = 'Validation error: message must be a JSON object';

/** A failed validation: the full error text and the failing path (`""` for the whole message). */
export interface ValidationFailure {
  error: string;
  field: string;
}

/**
 * Marker carried in `params` of custom issues that are cross-field rules, so they are reported as
 * `Validation error: …` instead of `Invalid field type: …`.
 */
export const CROSS_FIELD_PARAMS = { vplcClass: 'validation' } as const;

/** `['vnic_configs', 1, 'parent_interface']` → `vnic_configs[1].parent_interface`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function missingFieldError(path: string): string {
  return `Missing required field: ${path}`;
}

export function invalidFieldError(path: string, reason: string): string {
  return path === '' ? `Invalid field type: ${reason}` : `Invalid field type: ${path}: ${reason}`;
}

export function crossFieldError(path: string, text: string): string {
  return path === '' ? `Validation error: ${text}` : `Validation error: ${path}: ${text}`;
}

function isRecord(v: unknown): v is Record<PropertyKey, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Whether the raw payload has a value (anything but `undefined`) at `path`. */
function presentAt(payload: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = payload;
  for (const seg of path) {
    if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return false;
    cur = cur[seg];
  }
  return cur !== undefined;
}

function isCrossField(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.['vplcClass'] === CROSS_FIELD_PARAMS.vplcClass;
}

/**
 * Turns the first zod issue into the §3.4 text. `payload` is the raw message, used to tell a missing
 * key (absent, i.e. `undefined`) from a value of the wrong type (including `null`).
 */
export function issueToFailure(issue: z.core.$ZodIssue, payload: unknown): ValidationFailure {
  const field = formatPath(issue.path);
  if (issue.code === 'invalid_type' && !presentAt(payload, issue.path)) {
    return { error: missingFieldError(field), field };
  }
  if (isCrossField(issue)) return { error: crossFieldError(field, issue.message), field };
  return { error: invalidFieldError(field, issue.message), field };
}

/** Contextual error map: the reason for any issue whose schema carries no message of its own. */
export function fallbackReason(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      switch (issue.expected) {
        case 'string':
          return REASON.string;
        case 'number':
        case 'int':
        case 'bigint':
          return REASON.number;
        case 'boolean':
          return REASON.boolean;
        case 'array':
        case 'tuple':
        case 'set':
          return REASON.list;
        case 'object':
        case 'record':
        case 'map':
          return REASON.object;
        default:
          return undefined;
      }
    case 'invalid_value':
      return enumReason(issue.values.map((v) => String(v)));
    case 'too_small':
      return issue.origin === 'string' ? REASON.nonEmptyString : undefined;
    default:
      return undefined;
  }
}
