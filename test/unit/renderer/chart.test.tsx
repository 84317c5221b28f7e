import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Chart, formatValue, toPath } from '../../../renderer/src/components/Chart';

describe('Chart', () => {
  it('maps time to x and value to y over the points’ own span', () => {
    expect(toPath([{ t: 100, v: 0 }, { t: 110, v: 50 }, { t: 120, v: 100 }], 100)).toBe('M0.0,120.0 L300.0,60.0 L600.0,0.0');
    expect(toPath([{ t: 1, v: 500 }], 100)).toBe('M0.0,0.0 L600.0,0.0');
    expect(toPath([], 100)).toBe('');
  });

  it('is an image named by its label, counting its points, with the latest value', () => {
    render(<Chart label="Host CPU" unit="%" max={100} points={[{ t: 1, v: 12.34 }, { t: 6, v: 40 }]} />);
    const img = screen.getByRole('img', { name: 'Host CPU' });
    expect(img.getAttribute('data-points')).toBe('2');
    expect(screen.getByText('40.0%')).toBeTruthy();
  });

  it('says so when there are no samples', () => {
    render(<Chart label="Host disk" unit="%" points={[]} empty="nothing yet" />);
    expect(screen.getByRole('img', { name: 'Host disk' }).getAttribute('data-points')).toBe('0');
    expect(screen.getByText('nothing yet')).toBeTruthy();
    expect(formatValue(123.4, 'MiB')).toBe('123 MiB');
  });
});
