import { describe, expect, it } from 'vitest';
import { buildReport, escapeHtml, flatten, verdictHtml, type ReportRun } from './report';
import { runVerdict } from '../../src-shared/domain/verdict';
import { runSpecSchema } from '../../src-shared/schemas/run-spec';
import type { RunSummary } from '../../src-shared/domain/types';

function run(id: number, name: string, family: string, metrics: Record<string, number>, spec: unknown): ReportRun {
  const r: RunSummary = {
    id,
    projectId: 1,
    datasetId: 1,
    datasetName: 'digits',
    name,
    model: 'vae',
    family,
    objective: 'elbo',
    spec: runSpecSchema.parse(spec),
    seed: 1,
    status: 'completed',
    backend: 'wasm',
    error: null,
    createdAt: 'c',
    startedAt: 's',
    finishedAt: 'f',
    metrics,
    notes: '',
    tags: [],
    starred: false,
    verdict: null,
    evidence: null,
  };
  return {
    run: r,
    dataset: {
      id: 1,
      projectId: 1,
      name: 'digits',
      sourceName: 'digits.csv',
      contentHash: 'abcdef0123456789abcdef',
      rows: 1797,
      columns: 65,
      schema: [],
      preprocessing: { missing: 'drop', standardize: false, droppedRows: 0, delimiter: ',' },
      bytes: 1,
      createdAt: 'c',
    },
    series: [
      { name: 'train_elbo', step: [10, 20, 30], epoch: [1, 2, 3], value: [-40, -30, -27], wall: [1, 2, 3] },
      { name: 'val_elbo', step: [10, 20, 30], epoch: [1, 2, 3], value: [-41, -31, -28], wall: [1, 2, 3] },
    ],
    artifacts: { evaluation: { klPerDim: [3.1, 2.2, 0.01, 0.0], activeUnits: { count: 2, total: 4 } } },
  };
}

describe('HTML report', () => {
  it('a run with a gradient-noise readout gets its chart, the ratio in words and a table with SEs', () => {
    const a = run(3, 'score', 'meanfield', {}, { model: 'vae' });
    const stat = (group: string, variance: number) => ({
      group,
      size: 10,
      variance,
      varianceSe: variance / 5,
      signal: variance,
      snr: 1,
      snrSe: 0.1,
    });
    a.artifacts.gradVariance = {
      model: 'vae',
      estimator: 'score',
      repeats: 8,
      rows: 32,
      rowsFrom: 'validation',
      checkpoints: [
        {
          step: 100,
          epoch: 2,
          groups: [stat('encoder.0', 0.4), stat('decoder.out', 0.01)],
          pathwise: [stat('encoder.0', 0.01), stat('decoder.out', 0.01)],
          totalVariance: 4.1,
          pathwiseTotalVariance: 0.2,
          seconds: 0.1,
        },
      ],
      overheadShare: 0.05,
    };
    const rep = buildReport({ runs: [a], appVersion: '0', generatedAt: 'x', versions: {} });
    expect(rep.charts).toContain('grad-variance-3');
    expect(rep.html).toMatch(
      /<figure data-chart="grad-variance-3"><figcaption>[^<]*8 draws on 32 validation rows; dashed: pathwise<\/figcaption><svg/,
    );
    expect(rep.html).toContain('Score-function gradient variance is 20× the pathwise on this model');
    expect(rep.html).toContain(
      '<tr><th>encoder.0</th><td class="num">10</td><td class="num">0.400 ± 0.080</td><td class="num">1.00 ± 0.10</td><td class="num">0.0100 ± 0.0020</td><td class="num">40.0×</td></tr>',
    );
  });

  it('is one self-contained file holding every chart, the metrics, configuration and versions', () => {
    const a = run(
      1,
      'mean-field',
      'meanfield',
      { val_elbo: -28, val_elbo_se: 0.05, loglik: -27.5, loglik_se: 0.3 },
      { model: 'vae' },
    );
    const b = run(
      2,
      'planar <script>',
      'planar:8',
      { val_elbo: -27.6, val_elbo_se: 0.05, loglik: -27.1, loglik_se: 0.3 },
      { model: 'vae', family: { kind: 'planar', length: 8 } },
    );
    const rep = buildReport({
      runs: [a, b],
      appVersion: '0.1.0',
      generatedAt: '2026-11-21',
      versions: { node: 'v20', tfjs: '4.22.0' },
    });
    expect(rep.charts).toEqual(['curve-train_elbo', 'curve-val_elbo', 'kl-per-dim-1', 'kl-per-dim-2']);
    for (const c of rep.charts)
      expect(rep.html).toMatch(
        new RegExp(`<figure data-chart="${c}"><figcaption>[^<]*(<[^/][^>]*>[^<]*)*</figcaption><svg`),
      );
    expect(rep.html.match(/<svg /g)).toHaveLength(4);
    // Offline: no external script, stylesheet or image.
    expect(rep.html).not.toMatch(/<script|src="http|href="http|<link /);
    // Escaped user text.
    expect(rep.html).toContain('planar &lt;script&gt;');
    // The better value is highlighted only beyond 2 SE of the difference (0.4 ± 0.071); 0.4 ± 0.42 is within noise.
    expect(rep.html).toContain('<td class="num best">-27.600 ± 0.050 <span class="diff">(+0.400 ± 0.071)</span></td>');
    expect(rep.html).toMatch(
      /<th title="[^"]*">IS log-likelihood <span class="muted key">loglik<\/span> <span class="muted">↑<\/span> <span class="muted">within noise<\/span><\/th><td class="num">-27\.50 ± 0\.30<\/td><td class="num">-27\.10 ± 0\.30 <span class="diff">\(\+0\.40 ± 0\.42, within noise\)/,
    );
    // The config row that differs is highlighted.
    expect(rep.html).toMatch(
      /<tr class="differs"><th title="[^"]*">Posterior family <span class="muted key">family\.kind<\/span><br><span class="muted help">[^<]*<\/span><\/th><td>meanfield<\/td><td>planar<\/td>/,
    );
    expect(rep.html).toContain('ELBO Studio 0.1.0 · node v20 · tfjs 4.22.0');
    expect(rep.html).toContain('1,797 rows × 65 columns');
    // A single-run report works too, and runs of different kinds are refused.
    expect(buildReport({ runs: [a], appVersion: '0', generatedAt: 'x', versions: {} }).charts).toHaveLength(3);
    const lda = { ...a, run: { ...a.run, model: 'lda' as const } };
    expect(() => buildReport({ runs: [a, lda], appVersion: '0', generatedAt: 'x', versions: {} })).toThrow(
      /different model kinds/,
    );
  });

  it('states each run\'s verdict with its reasons and remedies; a run without one is "not assessed"', () => {
    const failed = run(1, 'diverged', 'meanfield', { eval_rows: 27, loglik_k: 100, loglik: -2.2 }, { model: 'vae' });
    failed.run = {
      ...failed.run,
      status: 'failed',
      error: 'diverged',
      verdict: runVerdict({ status: 'failed', diverged: { step: 412, value: -5.65e13 } }),
    };
    const cautious = run(2, 'cancelled <b>', 'meanfield', {}, { model: 'vae' });
    cautious.run = { ...cautious.run, status: 'cancelled', verdict: runVerdict({ status: 'cancelled' }) };
    const old = run(3, 'old', 'meanfield', {}, { model: 'vae' });
    const rep = buildReport({ runs: [failed, cautious, old], appVersion: '0', generatedAt: 'x', versions: {} });
    expect(rep.html).toContain('<span class="verdict failed">✕ failed</span>');
    expect(rep.html).toContain('Training diverged at step 412: the bound reached -5.650e+13.');
    expect(rep.html).toContain('Lower the learning rate (e.g. by 10×), or set gradient clipping (clip norm 10).');
    expect(rep.html).toContain('<span class="verdict caution">! caution</span>');
    expect(rep.html).toContain('The run was cancelled before it finished.');
    expect(rep.html).toContain('<span class="verdict none">not assessed</span>');
    expect(rep.html).not.toContain('verdict ok');
    // The evaluation's rows and K are stated where the run has one.
    expect(rep.html).toContain('from one evaluation on the same 27 rows with K = 100 draws per row');
    expect(verdictHtml({ status: 'running', verdict: null })).toContain('none yet');
    expect(verdictHtml({ status: 'completed', verdict: { verdict: 'ok', reasons: [] } })).toContain(
      'no problem found in what the run measured (nothing beyond finishing)',
    );
    expect(
      verdictHtml({
        status: 'completed',
        verdict: { verdict: 'ok', reasons: [] },
        evidence: { status: 'completed', convergence: { converged: true, relativeChange: 0.001, tolerance: 0.01 } },
      }),
    ).toContain('✓ ok</span> <span class="muted">no problem found in what the run measured: convergence</span>');
  });

  it('a regression run gets its coefficient table, a coded level naming which level is 1', () => {
    const g = run(5, 'glm', 'meanfield', {}, { model: 'glm', target: 'y' });
    g.run.model = 'glm';
    const row = (name: string, mean: number, dummy?: { column: string; level: string; reference: string }) => ({
      name,
      mean,
      sd: 0.1,
      mcseMean: 0.002,
      mcseSd: 0.001,
      q025: mean - 0.2,
      q05: mean - 0.16,
      q50: mean,
      q95: mean + 0.16,
      q975: mean + 0.2,
      pd: 1,
      ...(dummy ? { dummy } : {}),
    });
    g.artifacts = {
      posterior: {
        coefficients: {
          rows: [
            row('(intercept)', 1),
            row('sex', 2, { column: 'sex', level: 'male', reference: 'female' }),
            row('g[b]', -1, { column: 'g', level: 'b', reference: 'a' }),
            row('x', 0.5),
          ],
          source: { kind: 'draws', draws: 4000 },
        },
      },
    };
    const html = buildReport({ runs: [g], appVersion: '0.1.0', generatedAt: 'now', versions: {} }).html;
    expect(html).toContain('data-report="coefficients"');
    expect(html).toMatch(/data-coefficient="sex"><th>sex = male \(vs female\)<\/th>/);
    expect(html).toMatch(/data-coefficient="g\[b\]"><th>g = b \(vs a\)<\/th>/);
    expect(html).toMatch(/data-coefficient="x"><th>x<\/th>/);
    expect(html).toContain('4,000 draws of q');
    // A VAE run has no such table.
    expect(
      buildReport({
        runs: [run(6, 'vae', 'meanfield', {}, { model: 'vae' })],
        appVersion: '0.1.0',
        generatedAt: 'now',
        versions: {},
      }).html,
    ).not.toContain('data-report="coefficients"');
  });

  it('helpers: escaping and flattening', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(flatten({ a: { b: 1, c: [1, 2] }, d: 'x' })).toEqual({ 'a.b': '1', 'a.c': '1, 2', d: 'x' });
    // Long lists (64 feature columns) are shortened so the table stays readable.
    expect(flatten({ f: Array.from({ length: 64 }, (_, i) => i) }).f).toBe(
      '0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (64 items)',
    );
  });

  it("embeds the compare view's own charts in place of its curves, keeping the model charts the view does not draw", () => {
    const a = run(
      1,
      'mean-field',
      'meanfield',
      { val_elbo: -28, epochs: 2, coverage90: 0.99, coverage90_se: 0.01 },
      { model: 'vae' },
    );
    const b = run(
      2,
      'planar',
      'planar:8',
      { val_elbo: -27.6, epochs: 2, coverage90: 0.88, coverage90_se: 0.01 },
      { model: 'vae', family: { kind: 'planar', length: 8 } },
    );
    const svg = (label: string) =>
      `<svg width="400" height="300" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"><rect width="400" height="300" fill="#fff"></rect><text x="5" y="5">${label}</text></svg>`;
    const viewCharts = [
      { id: 'compare-curves', title: 'Training curves: train_elbo by wall time', svg: svg('curves') },
      { id: 'latent-1', title: 'Latent map — #1 meanfield', svg: svg('map 1') },
      { id: 'kl-per-dim-2', title: 'KL per dimension — #2 (as the view drew it)', svg: svg('kl 2') },
    ];
    const rep = buildReport({
      runs: [a, b],
      appVersion: '0',
      generatedAt: 'x',
      versions: {},
      viewCharts,
      title: 'Flows <vs> mean-field',
    });
    // View charts first, then the report's KL chart of run 1 (run 2's is drawn by the view, so not twice); no server curves.
    expect(rep.charts).toEqual(['compare-curves', 'latent-1', 'kl-per-dim-2', 'kl-per-dim-1']);
    for (const c of rep.charts) expect(rep.html).toContain(`<figure data-chart="${c}">`);
    expect(rep.html).not.toContain('data-chart="curve-train_elbo"');
    expect(rep.html).toContain('<figcaption>Training curves: train_elbo by wall time</figcaption><svg width="400"');
    expect(rep.html).toContain('<h1>Flows &lt;vs&gt; mean-field</h1>');
    // The compare view's rule for the best value: none on a tie or without a side; coverage closest to its level,
    // beyond 2 SE; a metric without standard errors is not ranked at all.
    expect(rep.html).toMatch(
      /<tr><th title="[^"]*">Epochs <span class="muted key">epochs<\/span><\/th><td class="num">2<\/td><td class="num">2 <span class="diff">\(\+0\)<\/span><\/td><\/tr>/,
    );
    expect(rep.html).toMatch(
      /<th title="[^"]*">Coverage of 90 % intervals <span class="muted key">coverage90<\/span> <span class="muted">◎ 90 %<\/span><\/th><td class="num">0\.990 ± 0\.010<\/td><td class="num best">0\.880 ± 0\.010/,
    );
    expect(rep.html).toMatch(
      /<th title="[^"]*">Validation ELBO <span class="muted key">val_elbo<\/span> <span class="muted">↑<\/span> <span class="muted">no SE: not ranked<\/span><\/th><td class="num">-28<\/td><td class="num">-27\.6000 <span class="diff">\(\+0\.4000\)/,
    );
    expect(rep.html.match(/<svg /g)).toHaveLength(4);
    // A chart id given twice is refused.
    expect(() =>
      buildReport({
        runs: [a, b],
        appVersion: '0',
        generatedAt: 'x',
        versions: {},
        viewCharts: [viewCharts[0]!, viewCharts[0]!],
      }),
    ).toThrow(/appears twice/);
  });

  it('says what the import did with missing values and which columns the run left out, and why', () => {
    const r = run(3, 'cars', 'meanfield', {}, { model: 'vae' });
    r.dataset = {
      ...r.dataset!,
      name: 'cars',
      schema: [
        { name: 'Name', type: 'text', role: 'text', missing: 0 },
        { name: 'mpg', type: 'numeric', role: 'feature', missing: 8 },
        { name: 'Origin', type: 'categorical', role: 'feature', missing: 0, levels: ['Europe', 'Japan', 'USA'] },
      ],
      preprocessing: {
        missing: 'impute',
        numericImpute: 'mean',
        imputed: [{ column: 'mpg', cells: 8, how: 'mean', value: 23.5, from: 398 }],
        sourceRows: 406,
        policySource: 'chosen',
        standardize: false,
        droppedRows: 0,
        delimiter: ',',
      },
    };
    const rep = buildReport({ runs: [r], appVersion: '0.1.0', generatedAt: 'g', versions: {} });
    expect(rep.html).toContain(
      '<dd data-report="missing">Impute (chosen): 8 cells in 1 column filled (numeric: mean; binary and categorical: most frequent level); no rows dropped</dd>',
    );
    expect(rep.html).toContain('<dt>Columns used</dt><dd>mpg, Origin</dd>');
    expect(rep.html).toContain('Name <span class="muted">(text: for topic models (LDA))</span>');
  });
});
