// The README's settings table names every key of cloud.webrtc and orchestrator.debug, so a setting added to the schema
// cannot stay undocumented. Runtime < 100 ms.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../shared/domain/settings.js';

const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const table = readme.slice(readme.indexOf('**Settings file**'), readme.indexOf('**System service.**'));

describe('README settings table', () => {
  it.each([
    ['cloud.webrtc', Object.keys(defaultSettings().cloud.webrtc)],
    ['orchestrator.debug', Object.keys(defaultSettings().orchestrator.debug)],
  ])('names every key of %s', (section, keys) => {
    expect(table.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !table.includes(`\`${section}.${k}\``))).toEqual([]);
  });
});
