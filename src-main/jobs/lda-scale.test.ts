// LDA end to end in bounded memory: the synthetic benchmark (bench/lda-synthetic.ts: CSV → import → prepared corpus →
// one online pass with held-out perplexity → every table exported) in a child process whose JavaScript heap is capped
// at 40 MB. Texts, the corpus and θ must therefore stream or live in typed arrays: the doc-topic table built as one
// string (its ~20 MB of text plus the 30,000 line strings it is joined from; the old export) exhausts a 40 MB heap on
// its own (checked with node --max-old-space-size=40), as would every text held as a string with the rest. Not timed; the million-document figures come from
// `npm run bench -- lda --synthetic 1000000` on a quiet machine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('LDA at scale', () => {
  it(
    'imports, fits, evaluates and exports 30,000 documents with the JS heap capped at 40 MB',
    { timeout: 600_000 },
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-lda-scale-'));
      try {
        const root = path.resolve(__dirname, '../..');
        const child = spawnSync(
          process.execPath,
          [
            '--max-old-space-size=40',
            '--import',
            'tsx',
            path.join(root, 'bench', 'index.ts'),
            'lda',
            '--synthetic',
            '30000',
            '--heldout-docs',
            '1500',
            '--keep',
            dir,
          ],
          { cwd: root, encoding: 'utf8', timeout: 590_000 },
        );
        expect(child.status, child.stderr.slice(-2000)).toBe(0);
        const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
          documents: number;
          heldoutDocuments: number;
          perplexityCompletion: number;
          peakRssMB: number;
          exportBytes: Record<string, number>;
          recovery: { distances: number[] };
        };
        expect(r.documents).toBe(30_000);
        expect(r.heldoutDocuments).toBe(1500);
        // Below the uniform model (V = 8,000) by a wide margin after one pass.
        expect(r.perplexityCompletion).toBeLessThan(8000);
        expect(r.recovery.distances).toHaveLength(50);
        // θ of every row, one line each, written as a stream.
        const dt = path.join(dir, 'exports', 'doc-topic.csv');
        const lines = fs.readFileSync(dt, 'utf8').trimEnd().split('\n');
        expect(lines).toHaveLength(30_001);
        expect(lines[0]).toMatch(/^document,topic_1,.*,topic_50,dominant_topic,empty$/);
        expect(fs.statSync(dt).size).toBe(r.exportBytes.docTopic);
        // Fixed costs (Node, two E-step workers, V × K arrays) dominate here; the corpus itself is ~20 MB.
        expect(r.peakRssMB).toBeLessThan(700);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
