import { describe, expect, it } from 'vitest';
import { CloudState, cloudStateOf, LinkState } from '../../../../shared/domain/link.js';

describe('link state words', () => {
  it('map each cloud link state to the one word status, tray and /health show', () => {
    expect(Object.fromEntries(LinkState.options.map((s) => [s, cloudStateOf(s)]))).toEqual({
      not_enrolled: 'offline',
      connecting: 'connecting',
      connected: 'connected',
      waiting: 'connecting',
      closed: 'offline',
    });
    expect(CloudState.options).toEqual(['connected', 'connecting', 'offline', 'disabled']);
  });
});
