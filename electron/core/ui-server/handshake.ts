import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Mutual proof of the bridge token without sending it (docs/security.md "Attaching"): the client sends a nonce, the
 * server answers with its own nonce and HMAC(token, "server" ‖ both nonces), the client checks it and answers with
 * HMAC(token, "client" ‖ both nonces). Whoever squats the port learns a random nonce, never the token.
 */
export const Nonce = z.string().regex(/^[0-9a-f]{64}$/, 'must be 32 random bytes in lower-case hex');
export const Proof = z.string().regex(/^[0-9a-f]{64}$/, 'must be an HMAC-SHA256 in lower-case hex');

/** What a non-browser client says it is in its hello (the journal's "who asked"); older clients say nothing (desktop). */
export const BridgeClient = z.enum(['desktop', 'cli']);
export type BridgeClient = z.infer<typeof BridgeClient>;

export const newNonce = (): string => randomBytes(32).toString('hex');

export function proof(token: string, role: 'server' | 'client', clientNonce: string, serverNonce: string): string {
  return createHmac('sha256', token).update(`vplc-orchestrator/${role}\0${clientNonce}\0${serverNonce}`).digest('hex');
}

export function proofMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
