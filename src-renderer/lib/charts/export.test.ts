import { describe, expect, it } from 'vitest';
import { chartFileName, compactSvg, optionTitle, optionToSvg, pngBase64, slug } from './export';
import { compareCurvesOption, latentMapOption, posteriorOption } from './options/vae-charts';
import { coverageOption } from './options/bnn-charts';
import { checkSvg } from '../../../src-shared/schemas/chart-svg';

/** Every element opened is closed (or self-closed), in order: a cheap well-formedness check without a DOM. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[3]) stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('chart export', () => {
  it('names files after the run or comparison and the chart title', () => {
    expect(chartFileName('run 12', 'Training curves', 'png')).toBe('run-12-training-curves.png');
    expect(chartFileName('compare 3 4', 'Posterior q(z | x) — #3 planar:8', 'svg')).toBe(
      'compare-3-4-posterior-q-z-x-3-planar-8.svg',
    );
    expect(chartFileName('', 'Größe / Ähnlichkeit', 'svg')).toBe('große-ahnlichkeit.svg');
    expect(chartFileName('run 7', 'Run 7 loss', 'png')).toBe('run-7-loss.png');
    expect(chartFileName('', '///', 'png')).toBe('chart.png');
    expect(slug('话题 3: 猫')).toBe('话题-3-猫');
    expect(slug('x'.repeat(200))).toHaveLength(80);
    expect(optionTitle({ title: { text: 'ELBO' } })).toBe('ELBO');
    expect(optionTitle({ title: [{ text: 'A' }] })).toBe('A');
    expect(optionTitle({})).toBe('');
  });

  it('draws a canvas chart option again as an SVG document (curves, large scatter, heatmap cells with a visual map)', () => {
    const curves = compareCurvesOption(
      [
        {
          label: '#1 meanfield',
          color: '#3b5bdb',
          train: [
            [1, -30],
            [2, -28],
            [3, -27],
          ],
          val: [
            [1, -31],
            [2, -29],
            [3, -28],
          ],
        },
        {
          label: '#2 iaf:4',
          color: '#e8590c',
          train: [
            [1, -29],
            [2, -27.5],
          ],
          val: [],
        },
      ],
      'epoch',
      'train_elbo',
    );
    const map = latentMapOption({
      points: Array.from({ length: 300 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3)] as [number, number]),
      rows: Array.from({ length: 300 }, (_, i) => i),
      axes: ['z₁', 'z₂'],
      colors: null,
      colorKind: null,
      colorBy: null,
    });
    const post = posteriorOption({
      x: [0, 1, 2],
      y: [0, 1],
      density: [
        [0.1, 0.9, 0.1],
        [0.2, 0.5, 0.1],
      ],
      samples: [
        [1, 1],
        [0.5, 0.5],
      ],
    });
    const cov = coverageOption([
      {
        name: 'observed',
        points: [
          { nominal: 0.5, observed: 0.45 },
          { nominal: 0.9, observed: 0.88 },
        ],
        color: '#3b5bdb',
      },
    ]);
    for (const [name, option] of [
      ['curves', curves],
      ['map', map],
      ['posterior', post],
      ['coverage', cov],
    ] as const) {
      const svg = optionToSvg(option, 640, 320);
      expect(svg, name).toMatch(/^<svg width="640" height="320" [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.trimEnd().endsWith('</svg>'), name).toBe(true);
      expect(wellFormed(svg), name).toBe(true);
      // White background, not transparent; drawn marks present.
      expect(svg, name).toMatch(/<rect width="640" height="320" x="0" y="0" fill="#fff"/);
      expect(svg, name).toContain('<path');
      // Accepted by the report as an embeddable chart (no scripts, handlers or outside references).
      expect(() => checkSvg(svg, name)).not.toThrow();
    }
    // The curves carry their legend and axis names as text.
    const svg = optionToSvg(curves, 640, 320);
    expect(svg).toContain('#1 meanfield train');
    expect(svg).toContain('train_elbo');
    // 300 points of the latent map are drawn (large mode draws them into paths, so count the moves).
    const mapSvg = optionToSvg(map, 640, 320);
    expect((mapSvg.match(/M[-\d.]+ [-\d.]+/g) ?? []).length).toBeGreaterThanOrEqual(300);
  });

  it('compacts the SVG: metadata dropped, coordinates cut to 0.1 px, invisible cells left out, text alone', () => {
    const svg = [
      '<svg width="10.1234"><path d="M45.1234 120.5678L-3.14159 2 Z" stroke="#abc"></path>',
      '<path d="M1 0" transform="matrix(3,0,0,3,91.4024,117.8771)" fill="#f03e3e" ecmeta_series_index="3" ecmeta_data_index="33" ecmeta_ssr_type="chart" class="a"></path>',
      '<path d="M-1 -1Z" transform="matrix(4,0,0,3.5,71.5208,219.5)" fill="rgb(255,255,255)" fill-opacity="0" ecmeta_data_index="290"></path>',
      '<path d="M0 0" fill-opacity="0" stroke="#000"></path>',
      '<text x="1.23456">-26.1703</text></svg>',
    ].join('');
    expect(compactSvg(svg)).toBe(
      [
        '<svg width="10.1234"><path d="M45.1 120.5L-3.1 2 Z" stroke="#abc"></path>',
        '<path d="M1 0" transform="matrix(3,0,0,3,91.4,117.8)" fill="#f03e3e" class="a"></path>',
        '<path d="M0 0" fill-opacity="0" stroke="#000"></path>',
        '<text x="1.23456">-26.1703</text></svg>',
      ].join(''),
    );
    const map = latentMapOption({
      points: Array.from({ length: 500 }, (_, i) => [Math.sin(i) * 1.37, Math.cos(i * 1.3) * 0.91] as [number, number]),
      rows: Array.from({ length: 500 }, (_, i) => i),
      axes: ['z₁', 'z₂'],
      colors: null,
      colorKind: null,
      colorBy: null,
    });
    const out = optionToSvg(map, 640, 320);
    expect(out).not.toMatch(/ (d|transform)="[^"]*\d\.\d\d/);
    expect(out).not.toContain('ecmeta_');
    expect(wellFormed(out)).toBe(true);
    // The posterior's empty cells are dropped, its drawn cells kept.
    const post = posteriorOption({
      x: [0, 1, 2, 3],
      y: [0, 1, 2],
      density: [
        [0, 0, 0, 0],
        [0, 1, 0.5, 0],
        [0, 0, 0, 0],
      ],
      samples: [[1, 1]],
    });
    const full = optionToSvg(post, 400, 300);
    expect((full.match(/fill-opacity="0"/g) ?? []).filter(Boolean).length).toBe(0);
    expect(full).toMatch(/fill="#4263eb"/);
  });

  it('sizes the SVG as asked, with a floor, and refuses a data URL that is not a PNG', () => {
    const svg = optionToSvg(
      {
        xAxis: { type: 'value' },
        yAxis: { type: 'value' },
        series: [
          {
            type: 'line',
            data: [
              [0, 1],
              [1, 2],
            ],
          },
        ],
      },
      10.4,
      999.6,
    );
    expect(svg).toMatch(/^<svg width="50" height="1000"/);
    expect(pngBase64('data:image/png;base64,iVBORw0KGgo=')).toBe('iVBORw0KGgo=');
    expect(() => pngBase64('data:image/jpeg;base64,AAAA')).toThrow(/PNG/);
    expect(() => pngBase64('')).toThrow(/PNG/);
  });
});
