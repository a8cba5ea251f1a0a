/**
 * Exporting one chart as a file: PNG from the live canvas chart, SVG by drawing the same option again in an
 * offscreen ECharts instance with the SVG renderer (the canvas renderer cannot write SVG). File names come from the
 * chart's title and the run (or comparison) it belongs to.
 */
import { echarts } from './echarts';

/** A file-name-safe slug: letters and digits of any script, the rest one dash; '' when nothing is left. */
export function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** `run-12-training-curves.png`: the context (run or comparison) then the chart's title; 'chart' when both are empty. */
export function chartFileName(context: string, title: string, ext: 'png' | 'svg'): string {
  const parts = [slug(context), slug(title)].filter(Boolean);
  // A title that already starts with the context ("Run 12 …") is not repeated.
  if (parts.length === 2 && parts[1]!.startsWith(parts[0]!)) parts.shift();
  return `${parts.join('-') || 'chart'}.${ext}`;
}

/** The title an option carries (`title.text`), if any. */
export function optionTitle(option: unknown): string {
  const t = (option as { title?: unknown } | null)?.title;
  const first = Array.isArray(t) ? t[0] : t;
  const text = (first as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : '';
}

/**
 * The chart drawn as an SVG document: same option, white background, no animation, at the given size. Works in
 * the browser and in Node (ECharts' server-side rendering), which is how it is tested.
 */
export function optionToSvg(option: object, width: number, height: number): string {
  const w = Math.max(50, Math.round(width));
  const h = Math.max(50, Math.round(height));
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: w, height: h });
  try {
    chart.setOption({ ...option, animation: false, backgroundColor: '#fff' });
    return compactSvg(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** PNG bytes (base64, without the data: prefix) of a data URL, checked to be a PNG. */
export function pngBase64(dataUrl: string): string {
  const m = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!m) throw new Error('The chart could not be drawn as a PNG image');
  return m[1]!;
}

/**
 * A smaller SVG that draws the same: the renderer's hydration metadata (`ecmeta_*`) dropped, coordinates in path data
 * and transforms cut to 0.1 px, and fully transparent unstroked shapes (empty posterior cells) left out. A latent
 * map of 1,800 points and a posterior grid shrink by about half. Text and colours are left alone.
 */
export function compactSvg(svg: string): string {
  const cut = (v: string) => v.replace(/(-?\d+)\.(\d)\d+/g, '$1.$2');
  return svg
    .replace(/<path [^>]*fill-opacity="0"[^>]*><\/path>\n?/g, (tag) => (/ stroke=/.test(tag) ? tag : ''))
    .replace(/ ecmeta_[a-z_]+="[^"]*"/g, '')
    .replace(/ (d|transform)="([^"]*)"/g, (_, name: string, v: string) => ` ${name}="${cut(v)}"`);
}
