import { describe, expect, it } from 'vitest';
import { errorText, formatBytes, formatDuration, formatMetric, secondsBetween } from './format';

describe('format', () => {
  it('durations', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(7.54)).toBe('7.5 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3 * 3600 + 60 * 5)).toBe('3 h 05 min');
    expect(formatDuration(null)).toBe('—');
  });
  it('metrics and bytes', () => {
    expect(formatMetric(-26.1)).toBe('-26.10');
    expect(formatMetric(-196.43)).toBe('-196.4');
    expect(formatMetric(undefined)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(500 * 1024 * 1024)).toBe('500 MB');
  });
  it('seconds between ISO times', () => {
    expect(secondsBetween('2026-01-01T00:00:00Z', '2026-01-01T00:01:30Z')).toBe(90);
    expect(secondsBetween(null, null)).toBeNull();
  });
  it('error text keeps the hint', () => {
    expect(errorText({ message: 'm', hint: 'h' })).toEqual({ message: 'm', hint: 'h' });
    expect(errorText('x')).toEqual({ message: 'x' });
  });
});

describe('formatMeanSe', async () => {
  const { formatMeanSe } = await import('./format');
  it('rounds the mean to the precision of its standard error', () => {
    expect(formatMeanSe(-2.51534, 0.01234)).toBe('-2.515 ± 0.012');
    expect(formatMeanSe(1234.5, 27)).toBe('1235 ± 27');
    expect(formatMeanSe(0.5, Number.NaN)).toBe('0.500');
    expect(formatMeanSe(0.5, 0)).toBe('0.500 ± 0');
  });
});
