import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { axisLabel, Chart, formatValue, niceTop, sparkRange, Sparkline, toPath } from '../../../renderer/src/components/Chart';

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

  it('shows a y scale in the unit: fixed for percentages, a round number above the data otherwise', () => {
    const { container } = render(<Chart label="Host CPU" unit="%" max={100} points={[{ t: 1, v: 12 }, { t: 6, v: 40 }]} />);
    expect([...container.querySelectorAll('.chart-y span')].map((e) => e.textContent)).toEqual(['100%', '50%', '0%']);
    const mem = render(<Chart label="Memory of plc1" unit="MiB" points={[{ t: 1, v: 140 }, { t: 6, v: 170 }]} />);
    expect([...mem.container.querySelectorAll('.chart-y span')].map((e) => e.textContent)).toEqual(['200 MiB', '100 MiB', '0 MiB']);
    expect(screen.getByRole('img', { name: 'Memory of plc1' }).textContent).toContain('scale 0 to 200 MiB');
  });

  it('rounds the scale to 1, 2 or 5 × 10ⁿ and labels it without noise', () => {
    expect([0.22, 0.5, 0.51, 1.1, 187, 200, 201, 0, -3].map(niceTop)).toEqual([0.5, 0.5, 1, 2, 200, 200, 500, 1, 1]);
    expect([axisLabel(0.25, '%'), axisLabel(2.5, 'MiB'), axisLabel(150, 'MiB'), axisLabel(0, '%')]).toEqual(['0.25%', '2.5 MiB', '150 MiB', '0%']);
  });
});

describe('Sparkline', () => {
  const ys = (d: string): number[] => [...d.matchAll(/,(\d+\.\d)/g)].map((m) => Number(m[1]));

  it('keeps a flat series flat', () => {
    const flat = [1, 2, 3, 4].map((t) => ({ t, v: 0.4 }));
    const { lo, hi } = sparkRange(flat, 2);
    expect(hi - lo).toBe(2);
    expect(new Set(ys(toPath(flat, hi, lo))).size).toBe(1);
  });

  it('shows a small change across most of its height (a 0–100 scale would draw it as a flat line)', () => {
    const pts = [{ t: 1, v: 3 }, { t: 2, v: 3.2 }, { t: 3, v: 6 }];
    const { lo, hi } = sparkRange(pts, 2);
    const y = ys(toPath(pts, hi, lo));
    expect(Math.max(...y) - Math.min(...y)).toBe(120);
    const old = ys(toPath(pts, 100));
    expect(Math.max(...old) - Math.min(...old)).toBeLessThan(5);
  });

  it('stays above zero for a series that does, and names its range', () => {
    expect(sparkRange([{ t: 1, v: 0.1 }, { t: 2, v: 0.2 }], 2)).toEqual({ lo: 0, hi: 2 });
    render(<Sparkline label="CPU of plc1, last hour" points={[{ t: 1, v: 0.5 }, { t: 2, v: 3 }]} />);
    expect(screen.getByRole('img', { name: 'CPU of plc1, last hour' }).textContent).toBe('CPU of plc1, last hour: 0.5% to 3%');
  });
});
