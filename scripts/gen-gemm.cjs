#!/usr/bin/env node
/**
 * Generates the WebAssembly SIMD matrix-product kernel used on the wasm backend (src-main/engine/kernels/).
 *
 *   node scripts/gen-gemm.cjs          writes src-main/engine/kernels/gemm-wasm.ts (the module as base64)
 *   node scripts/gen-gemm.cjs --wat    prints the WebAssembly text
 *
 * The text is generated (the micro-kernel's MR × NR register block is unrolled here) and assembled with wabt, the
 * WebAssembly binary toolkit. A unit test regenerates it and checks the checked-in base64 is up to date.
 *
 * Layout (all f32, byte pointers into the memory imported from tfjs-backend-wasm, so no copies in or out):
 *   pack_a(src, dst, M, K, trans)  A is logically [M, K] (stored [K, M] when trans); dst = panels of MR rows:
 *                                  dst[p][k][r] = A[p·MR + r, k], zero past row M.
 *   pack_b(src, dst, K, N, trans)  B is logically [K, N] (stored [N, K] when trans); dst = panels of NR columns:
 *                                  dst[q][k][c] = B[k, q·NR + c], zero past column N.
 *   gemm(ap, bp, c, M, N, K, bias, act, tmp)
 *                                  C[M, N] (row-major) = act(A B + bias); bias = pointer to NR-padded [N] or 0;
 *                                  act 0 = linear, 1 = relu; tmp = MR·NR·4 bytes of scratch for ragged edges.
 * The inner loop holds an MR × NR block of C in MR·NR/4 SIMD registers; per k it loads NR/4 vectors of B and
 * broadcasts MR scalars of A (v128.load32_splat), i.e. MR·NR multiply-adds for MR + NR/4 loads.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MR = Number(process.env.GEMM_MR ?? 4);
const NR = Number(process.env.GEMM_NR ?? 8);
const NV = NR / 4;

function wat() {
  const accs = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) accs.push(`$c${r}_${v}`);
  const L = (s) => s;
  const lines = [];
  const push = (s) => lines.push(s);
  push('(module');
  push('  (import "env" "memory" (memory 1))');
  push(`  (global (export "MR") i32 (i32.const ${MR}))`);
  push(`  (global (export "NR") i32 (i32.const ${NR}))`);

  // ---- pack_a ----
  push(`  (func (export "pack_a") (param $src i32) (param $dst i32) (param $M i32) (param $K i32) (param $trans i32)
    (local $p i32) (local $np i32) (local $k i32) (local $r i32) (local $i i32) (local $v f32)
    (local.set $np (i32.div_u (i32.add (local.get $M) (i32.const ${MR - 1})) (i32.const ${MR})))
    (block $pdone (loop $ploop
      (br_if $pdone (i32.ge_u (local.get $p) (local.get $np)))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $r (i32.const 0))
        (block $rdone (loop $rloop
          (br_if $rdone (i32.ge_u (local.get $r) (i32.const ${MR})))
          (local.set $i (i32.add (i32.mul (local.get $p) (i32.const ${MR})) (local.get $r)))
          (if (i32.lt_u (local.get $i) (local.get $M))
            (then (local.set $v (f32.load (i32.add (local.get $src) (i32.shl
                (if (result i32) (local.get $trans)
                  (then (i32.add (i32.mul (local.get $k) (local.get $M)) (local.get $i)))
                  (else (i32.add (i32.mul (local.get $i) (local.get $K)) (local.get $k))))
                (i32.const 2))))))
            (else (local.set $v (f32.const 0))))
          (f32.store (local.get $dst) (local.get $v))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rloop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kloop)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $ploop)))
  )`);

  // ---- pack_b ----
  // Fast path: B not transposed and a full panel: NV vector copies per k.
  const fastCopy = [];
  for (let v = 0; v < NV; v++) {
    fastCopy.push(`(v128.store offset=${16 * v} (local.get $dst) (v128.load offset=${16 * v} (local.get $s)))`);
  }
  push(`  (func (export "pack_b") (param $src i32) (param $dst i32) (param $K i32) (param $N i32) (param $trans i32)
    (local $q i32) (local $nq i32) (local $k i32) (local $c i32) (local $j i32) (local $v f32) (local $s i32)
    (local.set $nq (i32.div_u (i32.add (local.get $N) (i32.const ${NR - 1})) (i32.const ${NR})))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $nq)))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $K)))
        (if (i32.and (i32.eqz (local.get $trans))
                     (i32.le_u (i32.mul (i32.add (local.get $q) (i32.const 1)) (i32.const ${NR})) (local.get $N)))
          (then
            (local.set $s (i32.add (local.get $src)
              (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (i32.mul (local.get $q) (i32.const ${NR}))) (i32.const 2))))
            ${fastCopy.join('\n            ')}
            (local.set $dst (i32.add (local.get $dst) (i32.const ${NR * 4}))))
          (else
            (local.set $c (i32.const 0))
            (block $cdone (loop $cloop
              (br_if $cdone (i32.ge_u (local.get $c) (i32.const ${NR})))
              (local.set $j (i32.add (i32.mul (local.get $q) (i32.const ${NR})) (local.get $c)))
              (if (i32.lt_u (local.get $j) (local.get $N))
                (then (local.set $v (f32.load (i32.add (local.get $src) (i32.shl
                    (if (result i32) (local.get $trans)
                      (then (i32.add (i32.mul (local.get $j) (local.get $K)) (local.get $k)))
                      (else (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j))))
                    (i32.const 2))))))
                (else (local.set $v (f32.const 0))))
              (f32.store (local.get $dst) (local.get $v))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br $cloop)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kloop)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qloop)))
  )`);

  // ---- gemm ----
  const locals = accs.map((a) => `(local ${a} v128)`).join(' ');
  const bvs = [];
  for (let v = 0; v < NV; v++) bvs.push(`$b${v}`, `$bias${v}`);
  const zero = accs.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join('\n          ');
  const inner = [];
  for (let v = 0; v < NV; v++) inner.push(`(local.set $b${v} (v128.load offset=${16 * v} (local.get $pb)))`);
  for (let r = 0; r < MR; r++) {
    inner.push(`(local.set $a (v128.load32_splat offset=${4 * r} (local.get $pa)))`);
    for (let v = 0; v < NV; v++) {
      inner.push(
        `(local.set $c${r}_${v} (f32x4.add (local.get $c${r}_${v}) (f32x4.mul (local.get $a) (local.get $b${v}))))`,
      );
    }
  }
  const epilogue = [];
  epilogue.push(`(if (local.get $bias) (then
            ${accs.map((a) => `(local.set ${a} (f32x4.add (local.get ${a}) (local.get $bias${a.split('_')[1]})))`).join('\n            ')}))`);
  epilogue.push(`(if (i32.eq (local.get $act) (i32.const 1)) (then
            ${accs.map((a) => `(local.set ${a} (f32x4.max (local.get ${a}) (v128.const i32x4 0 0 0 0)))`).join('\n            ')}))`);
  for (let r = 0; r < MR; r++) {
    const stores = [];
    const tmpStores = [];
    for (let v = 0; v < NV; v++) {
      stores.push(`(v128.store offset=${16 * v} (local.get $dst) (local.get $c${r}_${v}))`);
      tmpStores.push(`(v128.store offset=${16 * v} (local.get $tmp) (local.get $c${r}_${v}))`);
    }
    epilogue.push(`(local.set $i (i32.add (i32.mul (local.get $p) (i32.const ${MR})) (i32.const ${r})))
          (if (i32.lt_u (local.get $i) (local.get $M)) (then
            (local.set $dst (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j0)) (i32.const 2))))
            (if (local.get $full)
              (then ${stores.join(' ')})
              (else
                ${tmpStores.join(' ')}
                (local.set $jj (i32.const 0))
                (block $edone (loop $eloop
                  (br_if $edone (i32.ge_u (local.get $jj) (local.get $ncols)))
                  (f32.store (i32.add (local.get $dst) (i32.shl (local.get $jj) (i32.const 2)))
                    (f32.load (i32.add (local.get $tmp) (i32.shl (local.get $jj) (i32.const 2)))))
                  (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
                  (br $eloop)))))))`);
  }
  const biasLoads = [];
  for (let v = 0; v < NV; v++) {
    biasLoads.push(
      `(local.set $bias${v} (v128.load offset=${16 * v} (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2)))))`,
    );
  }
  push(`  (func (export "gemm") (param $ap i32) (param $bp i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
      (param $bias i32) (param $act i32) (param $tmp i32)
    (local $q i32) (local $nq i32) (local $p i32) (local $np i32) (local $k i32) (local $pa i32) (local $pb i32)
    (local $i i32) (local $j0 i32) (local $jj i32) (local $ncols i32) (local $full i32) (local $dst i32)
    (local $a v128) ${bvs.map((b) => `(local ${b} v128)`).join(' ')}
    ${locals}
    (local.set $np (i32.div_u (i32.add (local.get $M) (i32.const ${MR - 1})) (i32.const ${MR})))
    (local.set $nq (i32.div_u (i32.add (local.get $N) (i32.const ${NR - 1})) (i32.const ${NR})))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $nq)))
      (local.set $j0 (i32.mul (local.get $q) (i32.const ${NR})))
      (local.set $ncols (i32.sub (local.get $N) (local.get $j0)))
      (local.set $full (i32.ge_u (local.get $ncols) (i32.const ${NR})))
      (if (local.get $bias) (then
        ${biasLoads.join('\n        ')}))
      (local.set $p (i32.const 0))
      (block $pdone (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $np)))
          ${zero}
        (local.set $pa (i32.add (local.get $ap) (i32.mul (local.get $p) (i32.mul (local.get $K) (i32.const ${MR * 4})))))
        (local.set $pb (i32.add (local.get $bp) (i32.mul (local.get $q) (i32.mul (local.get $K) (i32.const ${NR * 4})))))
        (local.set $k (local.get $K))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.eqz (local.get $k)))
          ${inner.join('\n          ')}
          (local.set $pa (i32.add (local.get $pa) (i32.const ${MR * 4})))
          (local.set $pb (i32.add (local.get $pb) (i32.const ${NR * 4})))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $kloop)))
          ${epilogue.join('\n          ')}
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qloop)))
  )`);
  push(')');
  void L;
  return lines.join('\n');
}

async function build() {
  const wabt = await require('wabt')();
  const mod = wabt.parseWat('gemm.wat', wat(), { simd: true });
  mod.validate();
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return Buffer.from(buffer);
}

function tsSource(bytes) {
  const b64 = bytes.toString('base64');
  const chunks = b64.match(/.{1,100}/g) ?? [];
  return `// Generated by scripts/gen-gemm.cjs (WebAssembly SIMD GEMM, MR = ${MR}, NR = ${NR}); do not edit. Regenerate: node scripts/gen-gemm.cjs
export const GEMM_MR = ${MR};
export const GEMM_NR = ${NR};
export const GEMM_WASM_BASE64 =
${chunks.map((c) => `  '${c}'`).join(' +\n')};
`;
}

module.exports = { wat, build, tsSource, MR, NR };

if (require.main === module) {
  if (process.argv.includes('--wat')) {
    process.stdout.write(wat() + '\n');
  } else {
    build().then((bytes) => {
      const out = path.join(__dirname, '..', 'src-main', 'engine', 'kernels', 'gemm-wasm.ts');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, tsSource(bytes));
      console.log(`wrote ${path.relative(process.cwd(), out)} (${bytes.length} bytes of wasm)`);
    });
  }
}
