/**
 * The check a chart drawn by the renderer passes before the main process embeds it in an HTML report (the report
 * channels' viewCharts); the renderer's tests run its own SVG export through the same check.
 */

/** SVG elements ECharts' SVG renderer writes; anything else in a view chart is refused. */
const SVG_TAGS = new Set([
  'svg',
  'g',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'image',
  'defs',
  'clippath',
  'lineargradient',
  'radialgradient',
  'stop',
  'pattern',
  'style',
  'title',
  'desc',
  'mask',
]);

/**
 * Checks an SVG handed in by the renderer before it is embedded: one <svg> element of known drawing elements, no
 * event-handler attributes, no scripts, no external references (the report must open offline and run nothing).
 * Returns the SVG trimmed; throws with the reason otherwise.
 */
export function checkSvg(svg: string, id: string): string {
  // ECharts wraps its CSS in CDATA; unwrap it (the only declaration allowed) so the CSS is checked like the rest.
  const t = svg.trim().replace(/(<style[^>]*>)\s*<!\[CDATA\[([^<]*?)\]\]>\s*(<\/style>)/g, '$1$2$3');
  if (!/^<svg[\s>]/.test(t) || !t.endsWith('</svg>')) throw new Error(`Chart "${id}" is not an SVG image`);
  if (/<!|<\?/.test(t)) throw new Error(`Chart "${id}" holds a declaration or processing instruction`);
  const outside = (v: string) => /javascript:/i.test(v) || /url\(\s*(?!["']?\s*(?:data:|#))/i.test(v);
  for (const m of t.matchAll(/<\/?([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const tag = m[1]!.toLowerCase();
    if (!SVG_TAGS.has(tag)) throw new Error(`Chart "${id}" holds a <${tag}> element`);
    for (const a of (m[2] ?? '').matchAll(/([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      const name = a[1]!.toLowerCase();
      const value = (a[2] ?? a[3] ?? a[4] ?? '').trim();
      if (name.startsWith('on')) throw new Error(`Chart "${id}" holds an event handler`);
      if (
        ((name === 'href' || name.endsWith(':href') || name === 'src') && !/^(data:|#)/i.test(value)) ||
        outside(value)
      ) {
        throw new Error(`Chart "${id}" refers to an outside resource`);
      }
    }
  }
  if ([...t.matchAll(/<style[^>]*>([^<]*)<\/style>/g)].some((m) => /@import/i.test(m[1]!) || outside(m[1]!))) {
    throw new Error(`Chart "${id}" refers to an outside resource`);
  }
  return t;
}
