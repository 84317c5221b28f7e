import { z } from 'zod';

/** werift ignores a URL it cannot parse without a word, so a typo would quietly cost the server-reflexive candidates. */
const ICE_URL = /^(stun|stuns|turn|turns):\S+$/;

export const IceUrl = z
  .string()
  .regex(ICE_URL, 'Value must be a STUN or TURN URL: stun:, stuns:, turn: or turns: then the host and port (e.g. stun:stun.l.google.com:19302).');

const isTurn = (url: string): boolean => /^turns?:/.test(url);

/** A STUN/TURN server as RTCPeerConnection takes it. A TURN server needs both a username and a credential. */
export const IceServerSetting = z
  .object({
    urls: z.union([IceUrl, z.array(IceUrl).min(1)]),
    username: z.string().min(1).optional(),
    credential: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((server, ctx) => {
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    if (!urls.some(isTurn)) return;
    for (const key of ['username', 'credential'] as const) {
      if (server[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `A turn: or turns: server needs both username and credential (${key} is missing).` });
    }
  });

/** The error of the three signalling topics when `enabled` is false (docs/protocol.md §4.11 has WebRTC on). */
export const WEBRTC_TURNED_OFF = 'WebRTC is turned off on this orchestrator (cloud.webrtc.enabled)';

/**
 * WebRTC sessions of the cloud link (docs/debug.md "WebRTC sessions"). Defaults are docs/protocol.md §4.11's: on, the two
 * Google STUN servers, 300 s idle timeout checked every 60 s, a ping every 30 s; the cap and the STUN wait are ours.
 */
export const WebRtcSettings = z
  .object({
    /** false: the signalling topics are refused with WEBRTC_TURNED_OFF and werift is never loaded. */
    enabled: z.boolean().default(true),
    iceServers: z.array(IceServerSetting).default([{ urls: 'stun:stun.l.google.com:19302' }, { urls: 'stun:stun1.l.google.com:19302' }]),
    /** How long gathering waits for server-reflexive candidates; an unreachable STUN server costs at most this. */
    stunGatherTimeoutMs: z.number().int().min(0).max(10_000).default(200),
    idleTimeoutMs: z.number().int().positive().default(300_000),
    idleCheckMs: z.number().int().positive().default(60_000),
    pingMs: z.number().int().positive().default(30_000),
    /** Sessions open at once; a further offer is refused with "Too many WebRTC sessions (at most N)". */
    maxSessions: z.number().int().min(1).max(256).default(32),
  })
  .strict();
export type WebRtcSettings = z.output<typeof WebRtcSettings>;
export type WebRtcSettingsInput = z.input<typeof WebRtcSettings>;

export const DEFAULT_WEBRTC_SETTINGS: Readonly<WebRtcSettings> = Object.freeze(WebRtcSettings.parse({}));
