/** Reports: a run or a comparison as one self-contained HTML file (charts as inline SVG). */
import { AppError } from '../../src-shared/ipc/app-error';
import type { Handlers } from '../../src-shared/ipc/contract';
import { buildReport, type ReportRun } from '../export/report';
import type { Services } from './services';

const REPORT_ARTIFACTS = ['evaluation', 'test-evaluation', 'views', 'topics', 'splits', 'posterior', 'gradVariance'];

export function registerExport(s: Services): Pick<Handlers, 'runs:report'> {
  return {
    'runs:report': async ({ runIds, charts: viewCharts, title }) => {
      const runs: ReportRun[] = runIds.map((id) => {
        const run = s.repos.runs.get(id);
        if (!run) throw new AppError('NOT_FOUND', `No run with id ${id}`);
        const artifacts: Record<string, unknown> = {};
        for (const name of REPORT_ARTIFACTS) {
          const a = s.repos.artifacts.get(id, name);
          if (a) artifacts[name] = a.data;
        }
        return { run, dataset: s.repos.datasets.get(run.datasetId), series: s.repos.metrics.series(id), artifacts };
      });
      let report;
      try {
        report = buildReport({
          runs,
          appVersion: s.version,
          generatedAt: new Date().toISOString(),
          versions: { node: process.versions.node, tfjs: '4.22.0', mode: s.mode },
          ...(viewCharts ? { viewCharts } : {}),
          ...(title ? { title } : {}),
        });
      } catch (e) {
        const message = (e as Error).message;
        throw new AppError(
          'BAD_REQUEST',
          message,
          /kinds/.test(message) ? 'Compare runs of one model kind.' : 'Export the report again from the compare view.',
        );
      }
      const fileName =
        runIds.length === 1 ? `elbo-studio-run-${runIds[0]}.html` : `elbo-studio-compare-${runIds.join('-')}.html`;
      return { html: report.html, fileName, charts: report.charts };
    },
  };
}
