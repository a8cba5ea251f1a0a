import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFile, importCsv, previewCsv, type ImportProgressInfo } from './index';
import { expectFailedImport, expectImportError, scratch, type Scratch } from './test-support/helpers';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.cleanup());

const dest = (name = 'ds'): string => join(s.dir, name);

describe('bad input: a clear IMPORT_FAILED naming line and column, and no dataset left behind', () => {
  it('rejects an empty file', async () => {
    await expectFailedImport(s, '', /is empty \(0 bytes\)/);
    const f = s.file('empty.csv', '');
    await expectImportError(() => previewCsv(f, 'empty.csv'), /"empty\.csv" is empty/);
  });

  it('rejects a file of blank lines', async () => {
    await expectFailedImport(s, '\n\r\n  \n', /empty/);
  });

  it('rejects a header without rows', async () => {
    await expectFailedImport(s, 'a,b,c\n', /header .*but no data rows/, {}, /at least one row/);
    const f = s.file('hdr.csv', 'a,b,c\r\n');
    await expectImportError(() => previewCsv(f, 'hdr.csv'), /has a header \(line 1\) but no data rows/);
  });

  it('rejects ragged rows with the line and the field counts', async () => {
    await expectFailedImport(s, 'a,b,c\n1,2,3\n4,5\n7,8,9\n', /^Line 3 has 2 fields, expected 3/);
    await expectFailedImport(s, 'a,b,c\n1,2,3\n4,5,6,7\n', /^Line 3 has 4 fields, expected 3.*column 4 is extra/);
  });

  it('counts lines inside quoted multi-line fields when reporting a ragged row', async () => {
    await expectFailedImport(s, 'a,b\n"x\ny\nz",1\n2\n', /^Line 5 has 1 fields, expected 2/);
  });

  it('reports a ragged row far after the sample', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 3000; i++) lines.push(i === 2600 ? `${i}` : `${i},${i * 2}`);
    await expectFailedImport(s, `${lines.join('\n')}\n`, /^Line 2602 has 1 fields, expected 2/);
  });

  it('rejects text in a column the user forced to numeric', async () => {
    const err = await expectFailedImport(
      s,
      'name,age\nann,31\nbob,abc\n',
      /^Line 3, column "age": "abc" is not a number$/,
      {
        columns: [{ name: 'age', type: 'numeric', role: 'feature' }],
      },
    );
    expect(err.hint).toMatch(/categorical or text/);
    await expectFailedImport(s, 'name,age\nann,31\nbob,2\n', /^Line 2, column "name": "ann" is not a number$/, {
      columns: [{ name: 'name', type: 'numeric', role: 'feature' }],
    });
  });

  it('rejects text in a numeric column after the inference sample', async () => {
    const lines = ['id,age,score'];
    for (let i = 0; i < 6000; i++) lines.push(`${i},${i === 5121 ? 'abc' : 20 + (i % 50)},${i / 7}`);
    await expectFailedImport(s, `${lines.join('\n')}\n`, /^Line 5123, column "age": "abc" is not a number$/);
  });

  it('rejects a binary file renamed .csv (NUL bytes)', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    await expectFailedImport(s, png, /is not a text file: byte 9 is a NUL byte \(line 3\)/, {}, /binary file/);
    const f = s.file('bin.csv', png);
    await expectImportError(() => previewCsv(f, 'photo.csv'), /"photo\.csv" is not a text file/);
  });

  it('reads a file that is not UTF-8 from its first bytes as windows-1252, and says so', async () => {
    const latin1 = Buffer.from('name;city;t\nann;Montr\xe9al;1\nbo;Z\xfcrich;2\n', 'latin1');
    const f = s.file('latin1.csv', latin1);
    const p = await previewCsv(f, 'latin1.csv');
    expect(p.rows).toEqual([
      ['ann', 'Montréal', '1'],
      ['bo', 'Zürich', '2'],
    ]);
    expect(p.warnings.join('\n')).toMatch(/"latin1\.csv" is not UTF-8; it was read as windows-1252/);
    const r = await importCsv(f, dest(), { columns: [{ name: 'city', type: 'categorical', role: 'feature' }] });
    expect(r.preprocessing.encoding).toBe('windows-1252');
    expect(r.schema.find((c) => c.name === 'city')?.levels).toEqual(['Montréal', 'Zürich']);
  });

  it('checks the whole file as UTF-8: a bad byte after the first 64 KB fails naming its line, nothing becomes U+FFFD', async () => {
    const lines = ['name,city'];
    for (let i = 0; i < 4000; i++) lines.push(`person${i},Zurich`);
    const head = Buffer.from(lines.join('\n') + '\n', 'utf8');
    expect(head.length).toBeGreaterThan(64 * 1024);
    const content = Buffer.concat([head, Buffer.from('late,Z\xfcrich\n', 'latin1'), Buffer.from('last,Bern\n')]);
    const err = await expectFailedImport(
      s,
      content,
      /is not valid UTF-8 text: the byte at line 4002 \(byte \d+ of the file\) is not UTF-8/,
      {},
      /Windows-1252/,
    );
    expect(err.message).not.toContain('\ufffd');
    // The fix the hint names: choose the encoding.
    const f = s.file('late-ok.csv', content);
    const r = await importCsv(f, dest('chosen'), {
      encoding: 'windows-1252',
      columns: [{ name: 'city', type: 'categorical', role: 'feature' }],
    });
    expect(r.schema.find((c) => c.name === 'city')?.levels).toEqual(['Bern', 'Zurich', 'Zürich']);
    expect(r.preprocessing.encoding).toBe('windows-1252');
  });

  it('names UTF-16 files', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]);
    await expectFailedImport(s, utf16, /UTF-16/, {}, /UTF-8/);
  });

  it('rejects duplicate headers', async () => {
    await expectFailedImport(s, 'a,b,a\n1,2,3\n', /^Line 1: duplicate header "a" in columns 1 and 3$/, {}, /rename/);
    await expectFailedImport(s, 'a, b ,b\n1,2,3\n', /duplicate header "b" in columns 2 and 3/);
  });

  it('rejects empty headers', async () => {
    await expectFailedImport(s, 'a,,c\n1,2,3\n', /^Line 1, column 2: the header is empty$/);
    await expectFailedImport(s, 'a,b,"  "\n1,2,3\n', /^Line 1, column 3: the header is empty$/);
  });

  it('rejects a categorical column with more than 1000 levels, suggesting text or identifier', async () => {
    const lines = ['code,x'];
    for (let i = 0; i < 1500; i++) lines.push(`c${i},${i}`);
    await expectFailedImport(
      s,
      `${lines.join('\n')}\n`,
      /^Line 1002, column "code": more than 1000 distinct values \(the 1001st is "c1000"\); choose type text or identifier/,
      { columns: [{ name: 'code', type: 'categorical', role: 'feature' }] },
      /text or identifier/,
    );
  });

  it('rejects a third value in a binary column', async () => {
    await expectFailedImport(
      s,
      'a,b\nyes,1\nno,2\nmaybe,3\n',
      /^Line 4, column "a": "maybe" is a third distinct value in a binary column/,
      {
        columns: [{ name: 'a', type: 'binary', role: 'feature' }],
      },
      /categorical/,
    );
  });

  it('widens a column the sample saw as 0/1 to numeric when a later row holds another number (MNIST edge pixels)', async () => {
    // 2,500 rows of 0/1 (more than the 2,000-row sample, '1' appearing first), then 121 and 7.
    const rows = ['px,other'];
    for (let i = 0; i < 2500; i++) rows.push(`${i % 3 === 0 ? 1 : 0},${i}`);
    rows.push('121,1', '7,2');
    const src = s.file('wide.csv', `${rows.join('\n')}\n`);
    const preview = await previewCsv(src, 'wide.csv');
    expect(preview.columns.find((c) => c.name === 'px')!.type).toBe('binary');
    const out = join(s.dir, 'wide');
    const r = await importCsv(src, out, {});
    expect(r.widened).toEqual(['px']);
    const col = r.schema.find((c) => c.name === 'px')!;
    expect(col.type).toBe('numeric');
    const v = DatasetFile.open(out).column('px');
    expect(Array.from(v.subarray(0, 6))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(v.subarray(2500))).toEqual([121, 7]);
    const ones = Math.ceil(2500 / 3);
    expect(col.stats!.mean).toBeCloseTo((ones + 128) / 2502, 5);
    expect(col.stats!.max).toBe(121);
  });

  it('keeps a 0/1 column binary with its values as codes, whichever comes first', async () => {
    const src = s.file('bits.csv', 'b,x\n1,1\n0,2\n1,3\n');
    const out = join(s.dir, 'bits');
    const r = await importCsv(src, out, {});
    expect(r.widened).toEqual([]);
    const col = r.schema.find((c) => c.name === 'b')!;
    expect(col.type).toBe('binary');
    expect(col.levels).toEqual(['0', '1']);
    expect(Array.from(DatasetFile.open(out).column('b'))).toEqual([1, 0, 1]);
  });

  it('rejects an unclosed quote', async () => {
    await expectFailedImport(s, 'a,b\n1,"open\n2,3\n', /opened on line 2 is never closed/);
    // The line where the quote opens, not the end of the file (issue 18).
    await expectFailedImport(s, 'a,b\n1,2\n\n3,"open\n4,5\n6,7\n', /opened on line 4 is never closed/);
  });

  it('bounds memory on a stray quote that would swallow the rest of a big file', async () => {
    const body = '1,2\n'.repeat(2_500_000); // 10 MB after the quote
    await expectFailedImport(s, `a,b\n1,"oops\n${body}`, /longer than 8 MB/, {}, /stray double quote/);
  });

  it('fails when dropping rows with missing values leaves nothing', async () => {
    await expectFailedImport(s, 'a,b\n1,\n2,NA\n', /All 2 rows have a missing value.*"b" is missing in 2 rows/, {
      columns: [{ name: 'b', type: 'numeric', role: 'feature' }],
    });
  });

  it('fails to impute a column without any value', async () => {
    await expectFailedImport(s, 'a,b\n1,\n2,NA\n', /Column "b" has no values at all/, {
      missing: 'impute',
      columns: [{ name: 'b', type: 'numeric', role: 'feature' }],
    });
  });

  it('rejects a column choice for a column that does not exist', async () => {
    await expectFailedImport(s, 'a,b\n1,2\n', /"zz" was chosen but the file has no such column/, {
      columns: [{ name: 'zz', type: 'numeric', role: 'feature' }],
    });
  });

  it('refuses a destination folder that already holds files, and leaves it alone', async () => {
    const src = s.file('ok.csv', 'a\n1\n');
    mkdirSync(dest());
    writeFileSync(join(dest(), 'keep.txt'), 'x');
    await expectImportError(() => importCsv(src, dest(), {}), /already exists and is not empty/);
    expect(readdirSync(dest())).toEqual(['keep.txt']);
  });

  it('rejects a missing source file', async () => {
    await expectImportError(() => importCsv(join(s.dir, 'nope.csv'), dest(), {}), /Cannot read/);
    expect(existsSync(dest())).toBe(false);
  });

  it('cancels through the AbortSignal and removes the destination', async () => {
    const rows: string[] = ['a,b,c'];
    for (let i = 0; i < 300_000; i++) rows.push(`${i},${i % 7},${(i * 0.37).toFixed(3)}`);
    const src = s.file('big.csv', `${rows.join('\n')}\n`);
    const ac = new AbortController();
    let seen = 0;
    await expectImportError(
      () =>
        importCsv(src, dest(), {
          signal: ac.signal,
          onProgress: (p) => {
            seen = p.rows;
            if (p.rows > 1000) ac.abort();
          },
        }),
      /cancelled/,
    );
    expect(seen).toBeGreaterThan(1000);
    expect(existsSync(dest())).toBe(false);
  });

  it('rejects an already aborted signal before touching the destination', async () => {
    const src = s.file('ok.csv', 'a\n1\n');
    const ac = new AbortController();
    ac.abort();
    await expectImportError(() => importCsv(src, dest(), { signal: ac.signal }), /cancelled/);
    expect(existsSync(dest())).toBe(false);
  });
});

describe('parsing', () => {
  it('reads quoted fields with commas, quotes and newlines, CRLF and a BOM', async () => {
    const csv = '\ufeffid,text,n\r\n1,"a, b","1.5"\r\n2,"line1\r\nline2",2\r\n3,"say ""hi""",3\r\n';
    const src = s.file('q.csv', csv);
    const p = await previewCsv(src, 'q.csv');
    expect(p.headers).toEqual(['id', 'text', 'n']);
    expect(p.delimiter).toBe(',');
    expect(p.rows).toEqual([
      ['1', 'a, b', '1.5'],
      ['2', 'line1\r\nline2', '2'],
      ['3', 'say "hi"', '3'],
    ]);
    await importCsv(src, dest(), { columns: [{ name: 'text', type: 'text', role: 'text' }] });
    const ds = DatasetFile.open(dest());
    expect(ds.strings('text')).toEqual(['a, b', 'line1\r\nline2', 'say "hi"']);
    expect(Array.from(ds.column('n'))).toEqual([1.5, 2, 3]);
  });

  it.each([
    [';', 'semicolon'],
    ['\t', 'tab'],
    ['|', 'pipe'],
    [',', 'comma'],
  ])('sniffs the %j delimiter (%s)', async (d) => {
    const csv = [`x${d}y${d}name`, `1${d}2.5${d}"a, b; c| d"`, `3${d}4${d}plain`].join('\n');
    const src = s.file('d.csv', csv);
    const p = await previewCsv(src, 'd.csv');
    expect(p.delimiter).toBe(d);
    expect(p.headers).toEqual(['x', 'y', 'name']);
    expect(p.rows[0]).toEqual(['1', '2.5', 'a, b; c| d']);
    const r = await importCsv(src, dest(), { delimiter: 'auto' });
    expect(r.preprocessing.delimiter).toBe(d);
    expect(Array.from(DatasetFile.open(dest()).column('y'))).toEqual([2.5, 4]);
  });

  it('ignores delimiters inside quotes when sniffing', async () => {
    const src = s.file('q.csv', 'a;b\n"1,2,3,4";5\n"6,7,8,9";10\n');
    expect((await previewCsv(src, 'q.csv')).delimiter).toBe(';');
  });

  it('honours an explicit delimiter', async () => {
    const src = s.file('q.csv', 'a;b,c\n1;2,3\n');
    const p = await previewCsv(src, 'q.csv', { delimiter: ',' });
    expect(p.headers).toEqual(['a;b', 'c']);
    const p2 = await previewCsv(src, 'q.csv', { delimiter: ';' });
    expect(p2.headers).toEqual(['a', 'b,c']);
  });

  it('accepts a multi-byte character cut by the 64 KB look-ahead', async () => {
    const row = `${'é'.repeat(10)},1\n`; // 23 bytes
    const content = `nam,n\n${row.repeat(4000)}`;
    // Row 2849 starts at byte 6 + 2849·23 = 65533, so its second "é" spans bytes 65535–65536: across the 64 KB cut.
    expect(Buffer.from(content).subarray(65535, 65537)).toEqual(Buffer.from('é'));
    const src = s.file('mb.csv', content);
    const p = await previewCsv(src, 'mb.csv');
    expect(p.headers).toEqual(['nam', 'n']);
    const r = await importCsv(src, dest(), {});
    expect(r.rows).toBe(4000);
    expect(DatasetFile.open(dest()).strings('nam')[3999]).toBe('é'.repeat(10));
  });

  it('skips blank lines and takes a last line without a newline', async () => {
    const src = s.file('b.csv', 'a,b\n1,2\n\n3,4');
    const r = await importCsv(src, dest(), {});
    expect(r.rows).toBe(2);
    expect(Array.from(DatasetFile.open(dest()).column('b'))).toEqual([2, 4]);
  });

  it('limits the preview to showRows and the sample to sampleRows', async () => {
    const lines = ['a'];
    for (let i = 0; i < 100; i++) lines.push(String(i));
    const src = s.file('n.csv', lines.join('\n'));
    const p = await previewCsv(src, 'n.csv', { showRows: 5, sampleRows: 30 });
    expect(p.rows).toHaveLength(5);
    expect(p.sampledRows).toBe(30);
    expect(p.bytes).toBe(readFileSync(src).length);
    expect(p.sourceName).toBe('n.csv');
  });
});

describe('type inference', () => {
  it('infers numeric, binary, categorical, text and identifier columns with suggested roles', async () => {
    const colours = ['red', 'green', 'blue'];
    const lines = ['user_id,age,smoker,flag,active,colour,review,code,label'];
    for (let i = 0; i < 60; i++) {
      lines.push(
        [
          `u${1000 + i}`,
          i % 9 === 0 ? 'NA' : String(20 + i * 0.5),
          i % 2 ? 'yes' : 'no',
          i % 3 ? '1' : '0',
          i % 4 ? 'true' : 'false',
          colours[i % 3],
          `"This is review number ${i}, which has quite a few words in it"`,
          `K${(i * 7919) % 10007}X`,
          String(i % 10),
        ].join(','),
      );
    }
    const p = await previewCsv(s.file('t.csv', lines.join('\n')), 't.csv');
    const by = Object.fromEntries(p.columns.map((c) => [c.name, c]));
    expect(by.user_id).toMatchObject({ type: 'identifier', role: 'ignore' });
    expect(by.age).toMatchObject({ type: 'numeric', role: 'feature', missing: 7 });
    expect(by.smoker).toMatchObject({ type: 'binary', role: 'feature', distinct: 2 });
    expect(by.flag).toMatchObject({ type: 'binary' });
    expect(by.active).toMatchObject({ type: 'binary' });
    expect(by.colour).toMatchObject({ type: 'categorical', role: 'feature', distinct: 3 });
    expect(by.review).toMatchObject({ type: 'text', role: 'text' });
    expect(by.code).toMatchObject({ type: 'identifier', role: 'ignore' });
    expect(by.label).toMatchObject({ type: 'categorical', role: 'label', distinct: 10 });
    for (const c of p.columns) expect(c.reason.length).toBeGreaterThan(5);
    expect(p.sampledRows).toBe(60);
  });

  it('treats empty, NA, NaN, null and None as missing', async () => {
    const p = await previewCsv(s.file('m.csv', 'x,y\n1,a\n,b\nNA,c\nNaN,a\nnull,b\nNone,c\n n/a ,a\n2,b\n'), 'm.csv');
    expect(p.columns[0]).toMatchObject({ name: 'x', type: 'numeric', missing: 6, distinct: 2 });
  });

  it('suggests the label role for target, y, class and category', async () => {
    const p = await previewCsv(
      s.file('l.csv', 'target,y,class,category,x\n1.5,2.5,a,b,3\n2.5,3.5,c,d,4\n7.5,1.5,a,b,5\n'),
      'l.csv',
    );
    expect(p.columns.map((c) => c.role)).toEqual(['label', 'label', 'label', 'label', 'feature']);
  });

  it('reads a column named like an id as an identifier even with repeats', async () => {
    const p = await previewCsv(s.file('pid.csv', 'patient_id,visit,v\n7,1,0.5\n7,2,0.7\n9,1,0.1\n'), 'pid.csv');
    expect(p.columns[0]).toMatchObject({
      type: 'identifier',
      role: 'ignore',
      reason: 'the name looks like an identifier',
    });
    expect(p.columns[1]).toMatchObject({ type: 'numeric' });
  });

  it('reads a row counter as an identifier, but not a short numeric column', async () => {
    const lines = ['n,v'];
    for (let i = 1; i <= 30; i++) lines.push(`${i},${(i * 13) % 7}`);
    const p = await previewCsv(s.file('c.csv', lines.join('\n')), 'c.csv');
    expect(p.columns[0]).toMatchObject({ type: 'identifier', role: 'ignore' });
    expect(p.columns[1]).toMatchObject({ type: 'numeric' });
  });

  it('warns when a mostly numeric column has a stray text value in the sample', async () => {
    const lines = ['v'];
    for (let i = 0; i < 40; i++) lines.push(i === 17 ? 'oops' : String(i % 5));
    const p = await previewCsv(s.file('w.csv', lines.join('\n')), 'w.csv');
    expect(p.columns[0]?.type).toBe('categorical');
    expect(p.warnings.join('\n')).toMatch(/"oops" on line 19 is not/);
  });

  it('marks a column with no values as text to ignore', async () => {
    const p = await previewCsv(s.file('e.csv', 'a,b\n1,\n2,NA\n'), 'e.csv');
    expect(p.columns[1]).toMatchObject({ type: 'text', role: 'ignore', missing: 2 });
  });
});

describe('storage round trip', () => {
  it('stores values, levels, strings and stats, and reads them back', async () => {
    const csv = [
      'id,x,sex,colour,note,label',
      'a1,0.1,F,red,"hello, world",2',
      'a2,-3.25,M,green,,0',
      'a3,1e3,F,blue,"two\nlines",1',
      'a4,7,M,red,fine,2',
    ].join('\n');
    const src = s.file('r.csv', csv);
    const r = await importCsv(src, dest(), {
      sourceName: 'r.csv',
      columns: [
        { name: 'colour', type: 'categorical', role: 'feature' },
        { name: 'note', type: 'text', role: 'text' },
        { name: 'label', type: 'categorical', role: 'label' },
      ],
    });
    expect(r.rows).toBe(4);
    expect(r.droppedRows).toBe(0);
    expect(r.contentHash).toBe(createHash('sha256').update(readFileSync(src)).digest('hex'));
    const files = readdirSync(dest()).sort();
    expect(files).toEqual(['data.f32', 'meta.json', 'strings.bin', 'strings.idx']);
    const total = files.reduce((n, f) => n + readFileSync(join(dest(), f)).length, 0);
    expect(r.bytes).toBe(total);
    // data.f32: 4 float columns (x, sex, colour, label) × 4 rows × 4 bytes.
    expect(readFileSync(join(dest(), 'data.f32')).length).toBe(4 * 4 * 4);

    const ds = DatasetFile.open(dest());
    expect(ds.rows).toBe(4);
    expect(ds.schema.map((c) => [c.name, c.type, c.role])).toEqual([
      ['id', 'identifier', 'ignore'],
      ['x', 'numeric', 'feature'],
      ['sex', 'binary', 'feature'],
      ['colour', 'categorical', 'feature'],
      ['note', 'text', 'text'],
      ['label', 'categorical', 'label'],
    ]);
    expect(Array.from(ds.column('x'))).toEqual([Math.fround(0.1), -3.25, 1000, 7]);
    const x = ds.schema[1]?.stats;
    expect(x?.min).toBe(-3.25);
    expect(x?.max).toBe(1000);
    const xs = [Math.fround(0.1), -3.25, 1000, 7];
    const mean = xs.reduce((a, b) => a + b) / 4;
    expect(x?.mean).toBeCloseTo(mean, 6);
    expect(x?.std).toBeCloseTo(Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / 4), 6);
    expect(ds.schema[2]?.levels).toEqual(['F', 'M']);
    expect(Array.from(ds.column('sex'))).toEqual([0, 1, 0, 1]);
    expect(ds.schema[3]?.levels).toEqual(['blue', 'green', 'red']);
    expect(Array.from(ds.column('colour'))).toEqual([2, 1, 0, 2]);
    expect(ds.schema[5]?.levels).toEqual(['0', '1', '2']);
    expect(Array.from(ds.column('label'))).toEqual([2, 0, 1, 2]);
    expect(ds.schema[4]?.missing).toBe(1);
    expect(ds.strings('note')).toEqual(['hello, world', '', 'two\nlines', 'fine']);
    expect(ds.strings('id')).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(ds.strings('colour')).toEqual(['red', 'green', 'blue', 'red']);
    expect(ds.matrix(['x', 'label'], { rows: [3, 0] })).toEqual(Float32Array.from([7, 2, Math.fround(0.1), 2]));
    expect(ds.slice(1, 2)).toEqual({
      columns: ['id', 'x', 'sex', 'colour', 'note', 'label'],
      rows: [
        ['a2', -3.25, 'M', 'green', null, 0],
        ['a3', 1000, 'F', 'blue', 'two\nlines', 1],
      ],
    });
    expect(ds.slice(0, 1).rows[0]?.[1]).toBe(0.1); // shown as the short decimal, stored as float32
    expect(ds.slice(3, 100).rows).toHaveLength(1);
    expect(ds.slice(10, 5).rows).toHaveLength(0);
    expect(() => ds.column('note')).toThrow(/text/);
    expect(() => ds.column('nope')).toThrow(/no column "nope"/);
    expect(() => ds.matrix(['x'], { rows: [4] })).toThrow(/outside/);
  });

  it('assembles many blocks correctly (small block size, partial last block)', async () => {
    const n = 5003;
    const lines = ['a,b,c,t'];
    for (let i = 0; i < n; i++) lines.push(`${i},${-i * 0.5},${i % 3 === 0 ? 'x' : 'y'},t${i}`);
    const r = await importCsv(s.file('m.csv', lines.join('\n')), dest(), {
      blockBytes: 4096,
      columns: [
        { name: 'c', type: 'categorical', role: 'feature' },
        { name: 't', type: 'text', role: 'text' },
        { name: 'a', type: 'numeric', role: 'feature' },
      ],
    });
    expect(r.rows).toBe(n);
    const ds = DatasetFile.open(dest());
    const a = ds.column('a');
    const b = ds.column('b');
    const c = ds.column('c');
    for (let i = 0; i < n; i++) {
      expect(a[i]).toBe(i);
      expect(b[i]).toBe(-i * 0.5 + 0);
      expect(c[i]).toBe(i % 3 === 0 ? 0 : 1);
    }
    expect(ds.schema[0]?.stats?.mean).toBeCloseTo((n - 1) / 2, 6);
    expect(ds.schema[0]?.stats?.std).toBeCloseTo(Math.sqrt((n * n - 1) / 12), 4);
    expect(ds.slice(4999, 10).rows).toEqual([
      [4999, -2499.5, 'y', 't4999'],
      [5000, -2500, 'y', 't5000'],
      [5001, -2500.5, 'x', 't5001'],
      [5002, -2501, 'y', 't5002'],
    ]);
    expect(ds.strings('t')[4321]).toBe('t4321');
  });

  it('handles non-ASCII text in string columns and levels', async () => {
    const r = await importCsv(
      s.file('u.csv', 'ville,n,mot\nMontréal,1,"naïve café ☕ über"\nZürich,2,日本語\nMontréal,3,x\n'),
      dest(),
      {
        columns: [{ name: 'mot', type: 'text', role: 'text' }],
      },
    );
    expect(r.rows).toBe(3);
    const ds = DatasetFile.open(dest());
    expect(ds.schema[0]?.levels).toEqual(['Montréal', 'Zürich']);
    expect(ds.strings('mot')).toEqual(['naïve café ☕ über', '日本語', 'x']);
    expect(ds.slice(1, 1).rows[0]).toEqual(['Zürich', 2, '日本語']);
  });

  it('reports progress at most about ten times per second, ending with done', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},${i % 13}`);
    const src = s.file('p.csv', lines.join('\n'));
    const calls: (ImportProgressInfo & { t: number })[] = [];
    const t0 = Date.now();
    const r = await importCsv(src, dest(), { onProgress: (p) => calls.push({ ...p, t: Date.now() }) });
    const seconds = (Date.now() - t0) / 1000;
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 4);
    expect(calls[0]?.phase).toBe('parsing');
    expect(calls.at(-1)).toMatchObject({
      phase: 'done',
      rows: r.rows,
      bytesRead: r.rows > 0 ? calls.at(-1)?.totalBytes : 0,
    });
    expect(calls.some((c) => c.phase === 'writing')).toBe(true);
    const parsing = calls.filter((c) => c.phase === 'parsing');
    for (let i = 1; i < parsing.length; i++)
      expect((parsing[i]?.t ?? 0) - (parsing[i - 1]?.t ?? 0)).toBeGreaterThanOrEqual(95);
  });
});

describe('missing values', () => {
  const csv = ['x,c,b,t,ign', '1,red,yes,a,', ',red,no,b,NA', '3,,yes,,z', '4,blue,,c,w', '8,red,yes,d,'].join('\n');
  const columns = [
    { name: 'c', type: 'categorical' as const, role: 'feature' as const },
    { name: 't', type: 'text' as const, role: 'text' as const },
    { name: 'ign', type: 'identifier' as const, role: 'ignore' as const },
  ];

  it('drops rows with a missing value in a used numeric, binary or categorical column', async () => {
    const r = await importCsv(s.file('m.csv', csv), dest(), { missing: 'drop', columns });
    expect(r.rows).toBe(2);
    expect(r.droppedRows).toBe(3);
    expect(r.preprocessing).toMatchObject({ missing: 'drop', droppedRows: 3 });
    const ds = DatasetFile.open(dest());
    expect(Array.from(ds.column('x'))).toEqual([1, 8]);
    expect(ds.strings('t')).toEqual(['a', 'd']);
    expect(ds.schema.map((c) => c.missing)).toEqual([1, 1, 1, 1, 3]);
    expect(ds.schema[0]?.stats).toMatchObject({ min: 1, max: 8, mean: 4.5, std: 3.5 });
  });

  it('imputes the mean for numeric columns and the mode for binary and categorical ones', async () => {
    const r = await importCsv(s.file('m.csv', csv), dest(), { missing: 'impute', columns });
    expect(r.rows).toBe(5);
    expect(r.droppedRows).toBe(0);
    const ds = DatasetFile.open(dest());
    expect(Array.from(ds.column('x'))).toEqual([1, 4, 3, 4, 8]);
    expect(ds.strings('c')).toEqual(['red', 'red', 'red', 'blue', 'red']);
    expect(ds.strings('b')).toEqual(['yes', 'no', 'yes', 'yes', 'yes']);
    expect(ds.schema[2]?.levels).toEqual(['no', 'yes']);
    expect(ds.slice(2, 1).rows[0]).toEqual([3, 'red', 'yes', null, 'z']);
    for (const name of ['x', 'c', 'b']) expect(ds.column(name).some((v) => Number.isNaN(v))).toBe(false);
    // Stats are over stored (imputed) values.
    const xs = [1, 4, 3, 4, 8];
    expect(ds.schema[0]?.stats?.std).toBeCloseTo(Math.sqrt(xs.reduce((a, v) => a + (v - 4) ** 2, 0) / 5), 6);
  });
});

describe('ignored columns', () => {
  it('keeps ignored text and identifier columns as strings and does not store ignored numeric ones', async () => {
    const r = await importCsv(s.file('i.csv', 'id,a,b,c\nr1,1,x,oops\nr2,2,y,\n'), dest(), {
      columns: [
        { name: 'b', type: 'categorical', role: 'ignore' },
        { name: 'c', type: 'numeric', role: 'ignore' },
      ],
    });
    // An ignored column is not validated ("oops" is fine) and its missing cells drop nothing.
    expect(r.rows).toBe(2);
    expect(r.schema.map((c) => [c.name, c.role])).toEqual([
      ['id', 'ignore'],
      ['a', 'feature'],
    ]);
    const ds = DatasetFile.open(dest());
    expect(ds.slice(0, 2)).toEqual({
      columns: ['id', 'a'],
      rows: [
        ['r1', 1],
        ['r2', 2],
      ],
    });
    expect(() => ds.column('id')).toThrow(/ignored/);
    expect(readFileSync(join(dest(), 'data.f32')).length).toBe(2 * 4);
  });
});

describe('standardisation', () => {
  it('keeps raw values and standardises numeric columns on request', async () => {
    const lines = ['x,y,b'];
    for (let i = 0; i < 100; i++) lines.push(`${10 + i * 2},${i % 2 === 0 ? 5 : 5},${i % 2}`);
    const r = await importCsv(s.file('s.csv', lines.join('\n')), dest(), { standardize: true });
    expect(r.preprocessing.standardize).toBe(true);
    const ds = DatasetFile.open(dest());
    expect(ds.column('x')[3]).toBe(16);
    const m = ds.matrix(['x', 'y', 'b'], { standardize: true });
    const col = (j: number): number[] => Array.from({ length: 100 }, (_, i) => m[i * 3 + j] as number);
    const x = col(0);
    const mean = x.reduce((a, v) => a + v) / 100;
    const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / 100);
    expect(mean).toBeCloseTo(0, 5);
    expect(sd).toBeCloseTo(1, 5);
    expect(col(1).every((v) => v === 0)).toBe(true); // constant column: x − mean
    expect(col(2)).toEqual(Array.from({ length: 100 }, (_, i) => i % 2)); // binary untouched
    expect(ds.matrix(['x'])).toEqual(ds.matrix(['x'], { standardize: true })); // default follows the flag
    expect(ds.matrix(['x'], { standardize: false })[0]).toBe(10);
  });
});

describe('numbers and lines as they come from spreadsheets', () => {
  it('reads decimal commas in a semicolon file as numbers, and says so', async () => {
    const f = s.file('de.csv', 'x;y;name\n1,5;2,25;a\n-0,75;1.234,5;b\n3;4;c\n');
    const p = await previewCsv(f, 'de.csv');
    expect(p.columns[0]).toMatchObject({ type: 'numeric', decimalComma: true });
    expect(p.columns[1]).toMatchObject({ type: 'numeric', decimalComma: true });
    expect(p.warnings.join('\n')).toMatch(
      /Columns "x", "y" use a decimal comma \(1,5 = 1\.5\) and are read as numbers/,
    );
    const r = await importCsv(f, dest());
    expect(r.preprocessing.decimalComma).toEqual(['x', 'y']);
    const ds = DatasetFile.open(dest());
    expect(Array.from(ds.column('x'))).toEqual([1.5, -0.75, 3]);
    expect(Array.from(ds.column('y'))).toEqual([2.25, 1234.5, 4]);
  });

  it('keeps commas as delimiters in a comma file (no decimal-comma guessing)', async () => {
    const p = await previewCsv(s.file('en.csv', 'x,y\n1,5\n2,6\n'), 'en.csv');
    expect(p.columns.map((c) => c.decimalComma)).toEqual([undefined, undefined]);
  });

  it('reads ?, Inf, -Infinity, #DIV/0! and 1e400 in a numeric column as missing, named in a warning, never a change of type', async () => {
    const lines = ['v,w'];
    for (let i = 0; i < 40; i++)
      lines.push(
        `${i === 3 ? '?' : i === 7 ? 'Inf' : i === 9 ? '1e400' : i === 11 ? '-Infinity' : i === 13 ? '#DIV/0!' : (i * 0.37).toFixed(2)},${i % 3}`,
      );
    const f = s.file('gaps.csv', lines.join('\n'));
    const p = await previewCsv(f, 'gaps.csv');
    expect(p.columns[0]).toMatchObject({ type: 'numeric', missing: 5 });
    expect(p.warnings.join('\n')).toMatch(
      /Column "v": 5 sampled values are not a finite number \(e\.g\. "\?" on line 5\); they are read as missing/,
    );
    const r = await importCsv(f, dest(), { missing: 'impute' });
    expect(r.schema[0]).toMatchObject({ name: 'v', type: 'numeric', missing: 5 });
    expect(r.preprocessing.warnings?.join('\n')).toMatch(
      /Column "v": 5 values are not a finite number \(e\.g\. "\?" on line 5\); they were read as missing \(imputed\)/,
    );
    const col = Array.from(DatasetFile.open(dest()).column('v'));
    expect(col.every(Number.isFinite)).toBe(true);
  });

  it('names non-finite values found after the sample too, instead of failing the import', async () => {
    const lines = ['v'];
    for (let i = 0; i < 3000; i++) lines.push(i === 2500 ? 'inf' : String(i / 10));
    const r = await importCsv(s.file('late.csv', lines.join('\n')), dest());
    expect(r.rows).toBe(2999);
    expect(r.preprocessing.warnings?.[0]).toMatch(
      /1 value is not a finite number \(e\.g\. "inf" on line 2502\); it was read as missing \(rows dropped\)/,
    );
  });

  it('keeps "?" as a level of a word column', async () => {
    const p = await previewCsv(s.file('w.csv', 'c\nred\n?\nblue\nred\n'), 'w.csv');
    expect(p.columns[0]).toMatchObject({ type: 'categorical', missing: 0 });
  });

  it('reads mixed CRLF and LF line endings as one file', async () => {
    const f = s.file('mixed.csv', 'a,b,c\r\n1,2,3\n4,5,6\r\n7,8,9\n');
    const r = await importCsv(f, dest());
    expect(r.rows).toBe(3);
    expect(Array.from(DatasetFile.open(dest()).column('c'))).toEqual([3, 6, 9]);
  });
});
