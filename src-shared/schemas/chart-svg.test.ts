import { describe, expect, it } from 'vitest';
import { checkSvg } from './chart-svg';

describe('chart SVG check', () => {
  it('refuses view charts that are not plain drawings: scripts, handlers, outside references', () => {
    const ok =
      '<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg"><style>.a{fill:red}</style><image href="data:image/png;base64,AAAA" width="1" height="1"></image><text>onload=1 &lt;script&gt;</text></svg>';
    expect(checkSvg(`  ${ok}\n`, 'c')).toBe(ok);
    // ECharts' own CSS comes wrapped in CDATA: unwrapped and checked like the rest.
    expect(checkSvg('<svg><style ><![CDATA[.a{fill:red}]]></style></svg>', 'c')).toBe(
      '<svg><style >.a{fill:red}</style></svg>',
    );
    expect(() => checkSvg('<svg><style><![CDATA[@import "http://x/y.css";]]></style></svg>', 'c')).toThrow(
      /outside resource/,
    );
    const bad: Array<[string, RegExp]> = [
      ['<div>no svg</div>', /not an SVG/],
      ['<svg><script>alert(1)</script></svg>', /<script>/],
      ['<svg><foreignObject><div></div></foreignObject></svg>', /<foreignobject>/],
      ['<svg><rect onclick="x()"></rect></svg>', /event handler/],
      ['<svg><rect\nonload=x></rect></svg>', /event handler/],
      ['<svg><image href="http://evil/x.png"></image></svg>', /outside resource/],
      ['<svg><image xlink:href="file:///etc/passwd"></image></svg>', /outside resource/],
      ['<svg><a href="javascript:alert(1)"></a></svg>', /<a>/],
      ['<svg><rect style="fill:url(http://evil/)"></rect></svg>', /outside resource/],
      ['<svg><style>@import "http://evil/x.css";</style></svg>', /outside resource/],
      ['<!DOCTYPE svg [<!ENTITY x "y">]><svg></svg>', /not an SVG/],
      ['<svg><!ENTITY x "y"></svg>', /declaration/],
    ];
    for (const [svg, why] of bad) expect(() => checkSvg(svg, 'c'), svg).toThrow(why);
  });
});
