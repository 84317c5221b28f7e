import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../../../electron/core/settings/args.js';

describe('parseArgs', () => {
  it('reads both flag forms and the settings file', () => {
    expect(parseArgs(['--no-cloud', '--data-dir', '/d', '--log-level=debug', '--settings', '/s.json'])).toEqual({
      flags: { 'no-cloud': true, 'data-dir': '/d', 'log-level': 'debug' },
      settingsFile: '/s.json',
    });
  });

  it.each([
    [['--bogus', '1'], 'unknown option --bogus'],
    [['--data-dir'], '--data-dir needs a value'],
    [['--log-level', 'loud'], '--log-level must be one of debug, info, warn, error'],
    [['--ui-port', 'x'], '--ui-port must be a port number (0 picks a free one)'],
    [['agent'], 'unexpected argument: agent'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });
});
