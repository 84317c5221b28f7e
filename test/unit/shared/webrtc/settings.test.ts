// cloud.webrtc in the settings file (docs/debug.md "WebRTC sessions"): strict, with STUN/TURN URLs checked, because werift
// ignores a URL it cannot parse without a word.
import { describe, expect, it } from 'vitest';
import { Settings } from '../../../../shared/domain/settings.js';
import { WebRtcSettings } from '../../../../shared/webrtc/settings.js';

const webrtc = (value: unknown) => Settings.safeParse({ version: 1, cloud: { webrtc: value } });

describe('cloud.webrtc settings', () => {
  it('default to on with the two Google STUN servers', () => {
    const parsed = WebRtcSettings.parse({});
    expect(parsed.enabled).toBe(true);
    expect(parsed.iceServers).toEqual([{ urls: 'stun:stun.l.google.com:19302' }, { urls: 'stun:stun1.l.google.com:19302' }]);
    expect(webrtc({ enabled: false }).data?.cloud.webrtc.enabled).toBe(false);
  });

  it('refuse a URL without its stun:/turn: scheme, naming the field', () => {
    const bare = webrtc({ iceServers: [{ urls: 'stun.example.com' }] });
    expect(bare.success).toBe(false);
    expect(bare.error?.issues[0]?.path).toEqual(['cloud', 'webrtc', 'iceServers', 0, 'urls']);
    expect(bare.error?.issues[0]?.message).toMatch(/STUN or TURN URL/);
    const inList = webrtc({ iceServers: [{ urls: ['stun:a.example.com:3478', 'http://b.example.com'] }] });
    expect(inList.error?.issues[0]?.path).toEqual(['cloud', 'webrtc', 'iceServers', 0, 'urls', 1]);
    expect(webrtc({ iceServers: [{ urls: 'stun: spaced.example.com' }] }).success).toBe(false);
  });

  it('accept stun:, stuns:, turn: and turns: URLs, a TURN server with both username and credential', () => {
    const ok = webrtc({
      iceServers: [
        { urls: 'stun:stun.example.com:3478' },
        { urls: ['stuns:stun.example.com:5349'] },
        { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'p' },
      ],
    });
    expect(ok.success).toBe(true);
  });

  it('refuse a turn:/turns: server without both username and credential, naming the missing one', () => {
    const noCredential = webrtc({ iceServers: [{ urls: 'turn:turn.example.com:3478', username: 'u' }] });
    expect(noCredential.error?.issues.map((i) => i.path)).toEqual([['cloud', 'webrtc', 'iceServers', 0, 'credential']]);
    const neither = webrtc({ iceServers: [{ urls: ['stun:s.example.com', 'turns:t.example.com'] }] });
    expect(neither.error?.issues.map((i) => i.path.at(-1))).toEqual(['username', 'credential']);
  });

  it('refuse an unknown key at either level (a misspelt setting is not silently dropped)', () => {
    const typo = webrtc({ maxSesions: 4 });
    expect(typo.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['maxSesions'], path: ['cloud', 'webrtc'] });
    const serverTypo = webrtc({ iceServers: [{ urls: 'turn:t.example.com', username: 'u', credentials: 'p' }] });
    expect(serverTypo.error?.issues.some((i) => i.code === 'unrecognized_keys' && i.path.join('.') === 'cloud.webrtc.iceServers.0')).toBe(true);
  });
});
