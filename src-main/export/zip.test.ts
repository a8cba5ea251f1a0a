import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BundleError } from '../engine/models/common/bundle';
import { checkEntryName, crc32, listZipEntries, safeUnzip, unzipBundle, zipFolder } from './zip';
import { unzipBundleOffThread } from './unzip-thread';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-zip-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let work = '';
beforeEach(() => {
  work = fs.mkdtempSync(path.join(root, 'case-'));
});

/** Everything under dir, recursively ('/'-separated). */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

function refusal(fn: () => unknown): BundleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return e as BundleError;
  }
  throw new Error('expected a refusal');
}

describe('zip of a bundle folder', () => {
  it('round-trips every file byte for byte, under a top folder', () => {
    const src = path.join(work, 'src');
    fs.mkdirSync(path.join(src, 'encoder'), { recursive: true });
    fs.writeFileSync(path.join(src, 'manifest.json'), '{"a":1}');
    const bin = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));
    fs.writeFileSync(path.join(src, 'encoder', 'weights.bin'), bin);
    const zip = zipFolder(src, { top: 'my-bundle' });
    expect(
      listZipEntries(zip)
        .map((e) => e.raw)
        .sort(),
    ).toEqual(['my-bundle/encoder/weights.bin', 'my-bundle/manifest.json']);
    const out = path.join(work, 'out');
    expect(safeUnzip(zip, out)).toEqual(['my-bundle/encoder/weights.bin', 'my-bundle/manifest.json']);
    expect(fs.readFileSync(path.join(out, 'my-bundle', 'encoder', 'weights.bin')).equals(bin)).toBe(true);
    expect(fs.readFileSync(path.join(out, 'my-bundle', 'manifest.json'), 'utf8')).toBe('{"a":1}');
  });

  it('refuses to zip a folder holding a symbolic link', () => {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'manifest.json'), '{}');
    fs.symlinkSync('/etc/hostname', path.join(src, 'link'));
    expect(refusal(() => zipFolder(src)).reason).toBe('UNSAFE_PATH');
  });
});

describe('safeUnzip refuses entries that could write outside the folder, and writes nothing', () => {
  const cases: Array<[string, Record<string, Uint8Array | [Uint8Array, { os?: number; attrs?: number }]>, RegExp]> = [
    ['a ../ escape', { 'manifest.json': strToU8('{}'), '../evil': strToU8('owned') }, /climbs out of the folder/],
    [
      'a nested escape',
      { 'ok/manifest.json': strToU8('{}'), 'ok/../../evil': strToU8('owned') },
      /climbs out of the folder/,
    ],
    [
      'a Windows-style escape',
      { 'manifest.json': strToU8('{}'), '..\\evil': strToU8('owned') },
      /climbs out of the folder/,
    ],
    ['an absolute path', { 'manifest.json': strToU8('{}'), '/tmp/elbo-evil-abs': strToU8('owned') }, /absolute path/],
    ['a drive letter', { 'manifest.json': strToU8('{}'), 'C:/evil': strToU8('owned') }, /names a drive/],
    [
      'a symbolic link',
      { 'manifest.json': strToU8('{}'), link: [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] },
      /symbolic link/,
    ],
  ];
  for (const [what, files, message] of cases) {
    it(what, () => {
      const zip = zipSync(files as Parameters<typeof zipSync>[0]);
      const dest = path.join(work, 'models', 'incoming');
      const e = refusal(() => safeUnzip(zip, dest));
      expect(e.reason).toBe('UNSAFE_PATH');
      expect(e.message).toMatch(message);
      expect(e.hint).toMatch(/never write outside the chosen folder/);
      // Nothing written anywhere: not in the destination, not next to it, not above it.
      expect(tree(work)).toEqual([]);
      expect(fs.existsSync('/tmp/elbo-evil-abs')).toBe(false);
    });
  }

  it('entry names: normalises harmless forms and refuses the rest', () => {
    expect(checkEntryName('a/./b//c.json')).toBe('a/b/c.json');
    expect(checkEntryName('dir/')).toBe('dir');
    expect(() => checkEntryName('a/../../b')).toThrow(/climbs out/);
    expect(() => checkEntryName('a\u0000b')).toThrow(/control character/);
  });

  it('refuses a name that is both a file and a folder, and duplicate names', () => {
    const dest = path.join(work, 'd1');
    expect(refusal(() => safeUnzip(zipSync({ a: strToU8('x'), 'a/b': strToU8('y') }), dest)).message).toMatch(
      /both a file and a folder/,
    );
    expect(tree(work)).toEqual([]);
  });
});

describe('safeUnzip reports damage', () => {
  it('a flipped byte in a stored entry fails its CRC check', () => {
    const payload = strToU8('weights weights weights');
    const zip = zipSync({ 'w.bin': [payload, { level: 0 }] });
    const at = Buffer.from(zip).indexOf(Buffer.from('weights'));
    zip[at + 2] = zip[at + 2]! ^ 0xff;
    const e = refusal(() => safeUnzip(zip, path.join(work, 'x')));
    expect(e.reason).toBe('DAMAGED');
    expect(e.message).toMatch(/w\.bin fails its CRC check/);
    expect(tree(work)).toEqual([]);
  });

  it('a truncated zip and a file that is no zip at all', () => {
    const zip = zipSync({ 'manifest.json': strToU8('{"format":"x"}') });
    expect(refusal(() => safeUnzip(zip.subarray(0, zip.length - 30), path.join(work, 'x'))).message).toMatch(
      /cut short/,
    );
    expect(refusal(() => safeUnzip(strToU8('name,value\n1,2\n'.repeat(5)), path.join(work, 'x'))).message).toMatch(
      /not a zip archive/,
    );
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });
});

describe('bundle zips: caps, ratio, unlisted files, off the main thread', () => {
  const manifest = (files: { path: string; bytes: number }[]) =>
    strToU8(
      JSON.stringify({
        format: 'elbo-studio.lda-bundle',
        formatVersion: 1,
        files: files.map((f) => ({ ...f, sha256: '0'.repeat(64) })),
      }),
    );

  it('refuses a zip bomb (a 32 MB entry of zeros packed into kilobytes) before writing anything', () => {
    const bomb = zipSync(
      { 'b/manifest.json': manifest([]), 'b/padding.bin': new Uint8Array(32 * 1024 ** 2) },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(100_000);
    const dest = path.join(work, 'out');
    const e = refusal(() => unzipBundle(bomb, dest));
    expect(e.message).toMatch(/Refusing zip entry "b\/padding\.bin": it unpacks \d+× \(\d+ bytes → 32 MB\).*zip bomb/);
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('refuses more entries or more unpacked bytes than the caps', () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 30; i++) many[`f${i}.txt`] = strToU8('x');
    expect(
      refusal(() =>
        unzipBundle(zipSync(many), path.join(work, 'o1'), {
          maxEntries: 20,
          maxBytes: 1e9,
          maxRatio: 200,
          ratioFloorBytes: 1e6,
        }),
      ).message,
    ).toMatch(/30 entries; a model bundle has at most 20/);
    const big = zipSync({ 'a.bin': new Uint8Array(3 * 1024 ** 2).map((_, i) => (i * 7919) % 251) }, { level: 0 });
    expect(
      refusal(() =>
        unzipBundle(big, path.join(work, 'o2'), {
          maxEntries: 10,
          maxBytes: 1024 ** 2,
          maxRatio: 200,
          ratioFloorBytes: 1e6,
        }),
      ).message,
    ).toMatch(/unpack to more than 1 MB/);
  });

  it('refuses a file the manifest does not list, naming it, and writes nothing', () => {
    const zip = zipSync({
      'm/manifest.json': manifest([{ path: 'lambda.bin', bytes: 3 }]),
      'm/lambda.bin': strToU8('abc'),
      'm/extra.bin': strToU8('sneaky'),
    });
    const dest = path.join(work, 'out');
    const e = refusal(() => unzipBundle(zip, dest));
    expect(e.message).toMatch(/manifest\.json does not list the file m\/extra\.bin/);
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('unpacks a listed bundle, skipping macOS bookkeeping entries', () => {
    const zip = zipSync({
      'm/manifest.json': manifest([{ path: 'lambda.bin', bytes: 3 }]),
      'm/lambda.bin': strToU8('abc'),
      '__MACOSX/m/._lambda.bin': strToU8('rsrc'),
    });
    const dest = path.join(work, 'out');
    expect(unzipBundle(zip, dest)).toEqual(['m/lambda.bin', 'm/manifest.json']);
    expect(tree(dest)).toEqual(['m', 'm/lambda.bin', 'm/manifest.json']);
  });

  it('unpacks on a worker thread with the same results and the same refusals', async () => {
    const good = path.join(work, 'good.zip');
    fs.writeFileSync(
      good,
      zipSync({ 'm/manifest.json': manifest([{ path: 'lambda.bin', bytes: 3 }]), 'm/lambda.bin': strToU8('abc') }),
    );
    expect(await unzipBundleOffThread(good, path.join(work, 'g'))).toEqual(['m/lambda.bin', 'm/manifest.json']);
    const bad = path.join(work, 'bad.zip');
    fs.writeFileSync(
      bad,
      zipSync({ 'm/manifest.json': manifest([]), 'm/x.bin': new Uint8Array(8 * 1024 ** 2) }, { level: 9 }),
    );
    const e = await unzipBundleOffThread(bad, path.join(work, 'b')).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(BundleError);
    expect((e as BundleError).message).toMatch(/zip bomb/);
    expect(fs.existsSync(path.join(work, 'b'))).toBe(false);
  });
});
