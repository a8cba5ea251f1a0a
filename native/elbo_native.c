/*
 * ELBO Studio's optional native compute path: single-precision matrix products for the tfjs wasm backend's
 * BatchMatMul / _FusedMatMul kernels (src-main/engine/kernels/native-matmul.ts), as a Node-API addon in plain C.
 *
 *   C[M, N] = act(op(A) op(B) + bias),  op(X) = X or Xᵀ,  act = identity or relu,  row-major f32,
 *
 * computed in place on the caller's ArrayBuffer (the wasm heap): operands are read and the product written at byte
 * offsets, no copies across the boundary. The algorithm is the Goto–van de Geijn blocking (Goto & van de Geijn 2008,
 * "Anatomy of high-performance matrix multiplication"; BLIS's five loops): B is packed into KC × NR column panels,
 * A into MC × KC blocks of MR-row panels (packing makes transposed operands free), and an MR × NR micro-kernel keeps
 * that block of C in registers: 6 × 16 with AVX2 + FMA (12 ymm accumulators, 2 loads of B and 6 broadcasts of A per
 * k), chosen at run time by CPUID; otherwise a portable C kernel of the same shape that the compiler vectorises with
 * the baseline ISA (SSE2 on x86-64). Large products are shared with a small pool of POSIX threads (chunks of rows of C
 * when M ≥ N, else of columns, claimed from an atomic counter; each thread packs its own panels; see "thread pool");
 * the pool serves one caller at a time, a concurrent caller computes on its own thread.
 *
 * Also one fused Adam update (Kingma & Ba 2015) per parameter tensor, in tfjs' order of float32 operations so a run
 * reproduces the wasm backend's op-by-op update bit for bit (the file is compiled with -ffp-contract=off), 8 lanes
 * at a time with AVX2 and split over the same pool when the tensor is large:
 *   m' = m·β₁ + g·(1 − β₁),  v' = v·β₂ + g²·(1 − β₂),  θ' = θ − ((m' / (1 − β₁ᵗ)) / (√(v' / (1 − β₂ᵗ)) + ε)) · η.
 *
 * Exports: gemm(buffer, aOff, bOff, cOff, M, N, K, transA, transB, biasOff, act, batchA, batchB, batch)
 *          adam(buffer, thetaOff, mOff, vOff, gOff, thetaOut, mOut, vOut, n, β₁, 1 − β₁, β₂, 1 − β₂, 1 − β₁ᵗ,
 *               1 − β₂ᵗ, ε, η)
 *          bernoulli(buffer, xOff, lOff, outOff, rows, d, B), bernoulliGrad(buffer, xOff, lOff, dyOff, outOff, rows, d, B)
 *          reluBackward(buffer, yOff, dyOff, deltaOff, dbOff, B, N)   (see their sections below)
 *          info() → { isa, threads, maxThreads }; setThreads(n) → n.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 3072
#define MAX_THREADS 8

/* ---------------------------------------------------------------- micro-kernels */

typedef void (*kernel_fn)(int kc, const float *a, const float *b, float *c, int ldc, int first);

/* Portable kernel: C[MR × NR] (+)= Ap[kc × MR]ᵀ Bp[kc × NR]; vectorised by the compiler. */
static void kernel_generic(int kc, const float *a, const float *b, float *c, int ldc, int first) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (int k = 0; k < kc; k++) {
    const float *bk = b + k * NR;
    const float *ak = a + k * MR;
    for (int r = 0; r < MR; r++) {
      const float ar = ak[r];
      for (int j = 0; j < NR; j++) acc[r][j] += ar * bk[j];
    }
  }
  for (int r = 0; r < MR; r++) {
    float *cr = c + (size_t)r * ldc;
    if (first)
      for (int j = 0; j < NR; j++) cr[j] = acc[r][j];
    else
      for (int j = 0; j < NR; j++) cr[j] += acc[r][j];
  }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1

__attribute__((target("avx2,fma"))) static void kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc,
                                                            int first) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 ar;
    ar = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(ar, b0, c00);
    c01 = _mm256_fmadd_ps(ar, b1, c01);
    ar = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ar, b0, c10);
    c11 = _mm256_fmadd_ps(ar, b1, c11);
    ar = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ar, b0, c20);
    c21 = _mm256_fmadd_ps(ar, b1, c21);
    ar = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ar, b0, c30);
    c31 = _mm256_fmadd_ps(ar, b1, c31);
    ar = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(ar, b0, c40);
    c41 = _mm256_fmadd_ps(ar, b1, c41);
    ar = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(ar, b0, c50);
    c51 = _mm256_fmadd_ps(ar, b1, c51);
    a += MR;
    b += NR;
  }
#define STORE_ROW(r, x0, x1)                                                                                           \
  do {                                                                                                                 \
    float *cr = c + (size_t)(r) * ldc;                                                                                 \
    if (first) {                                                                                                       \
      _mm256_storeu_ps(cr, x0);                                                                                        \
      _mm256_storeu_ps(cr + 8, x1);                                                                                    \
    } else {                                                                                                           \
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), x0));                                                    \
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), x1));                                            \
    }                                                                                                                  \
  } while (0)
  STORE_ROW(0, c00, c01);
  STORE_ROW(1, c10, c11);
  STORE_ROW(2, c20, c21);
  STORE_ROW(3, c30, c31);
  STORE_ROW(4, c40, c41);
  STORE_ROW(5, c50, c51);
#undef STORE_ROW
}
#endif

static kernel_fn g_kernel = kernel_generic;
static const char *g_isa = "generic";


/* ---------------------------------------------------------------- packing */

/*
 * One packing routine for both operands: `n` lines (rows of A, columns of B) of depth `kc` into panels of `w` lines
 * (w = MR for A, NR for B): dst[panel][k][line], zero past n. Element (line l, depth k) is at src[l·ls + k·ks], so
 * any operand, transposed or not, is a pair of strides: A (i, k) is a[i·K + k], or a[k·M + i] when stored [K, M];
 * B (k, j) is b[k·N + j], or b[j·K + k] when stored [N, K].
 */
static void pack(const float *src, size_t ls, size_t ks, int n, int kc, int w, float *dst) {
  for (int l0 = 0; l0 < n; l0 += w) {
    const int lines = n - l0 < w ? n - l0 : w;
    const float *s0 = src + (size_t)l0 * ls;
    for (int k = 0; k < kc; k++) {
      const float *sk = s0 + (size_t)k * ks;
      float *d = dst + (size_t)k * w;
      int l = 0;
      if (ls == 1)
        for (; l < lines; l++) d[l] = sk[l]; /* contiguous lines: a vectorised copy */
      else
        for (; l < lines; l++) d[l] = sk[(size_t)l * ls];
      for (; l < w; l++) d[l] = 0.0f;
    }
    dst += (size_t)kc * w;
  }
}

/* Rows i0 … i0+mc−1, depth p0 … p0+kc−1 of A (logically [M, K]) into MR-row panels. */
static void pack_a(const float *a, int M, int K, int trans, int i0, int mc, int p0, int kc, float *dst) {
  if (trans) pack(a + (size_t)p0 * M + i0, 1, (size_t)M, mc, kc, MR, dst);
  else pack(a + (size_t)i0 * K + p0, (size_t)K, 1, mc, kc, MR, dst);
}

/* Depth p0 … p0+kc−1, columns j0 … j0+nc−1 of B (logically [K, N]) into NR-column panels. */
static void pack_b(const float *b, int K, int N, int trans, int p0, int kc, int j0, int nc, float *dst) {
  if (trans) pack(b + (size_t)j0 * K + p0, (size_t)K, 1, nc, kc, NR, dst);
  else pack(b + (size_t)p0 * N + j0, 1, (size_t)N, nc, kc, NR, dst);
}

/* ---------------------------------------------------------------- one region of C */

typedef struct {
  const float *a, *b;
  float *c;
  const float *bias; /* [N] or NULL */
  int M, N, K, transA, transB, act;
} Product;

typedef struct {
  float *pa, *pb;
  size_t pa_n, pb_n;
} Scratch;

static int grow(float **p, size_t *have, size_t want) {
  if (*have >= want) return 1;
  free(*p);
  *p = NULL;
  if (posix_memalign((void **)p, 64, want * sizeof(float)) != 0) {
    *p = NULL;
    *have = 0;
    return 0;
  }
  *have = want;
  return 1;
}

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

/* C[m0:m1, n0:n1] of the product (all of K), then bias and relu on that region. Returns 0 on allocation failure. */
static int region(const Product *p, int m0, int m1, int n0, int n1, Scratch *s) {
  const int K = p->K, N = p->N;
  float tmp[MR * NR] __attribute__((aligned(64)));
  if (!grow(&s->pa, &s->pa_n, (size_t)round_up(MC, MR) * KC)) return 0;
  if (!grow(&s->pb, &s->pb_n, (size_t)round_up(NC < n1 - n0 ? NC : n1 - n0, NR) * KC)) return 0;
  if (K == 0) {
    for (int i = m0; i < m1; i++) memset(p->c + (size_t)i * N + n0, 0, sizeof(float) * (size_t)(n1 - n0));
  }
  for (int jc = n0; jc < n1; jc += NC) {
    const int nc = n1 - jc < NC ? n1 - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const int first = pc == 0;
      pack_b(p->b, K, N, p->transB, pc, kc, jc, nc, s->pb);
      for (int ic = m0; ic < m1; ic += MC) {
        const int mc = m1 - ic < MC ? m1 - ic : MC;
        pack_a(p->a, p->M, K, p->transA, ic, mc, pc, kc, s->pa);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const float *bp = s->pb + (size_t)(jr / NR) * kc * NR;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            const float *ap = s->pa + (size_t)(ir / MR) * kc * MR;
            float *cc = p->c + (size_t)(ic + ir) * N + jc + jr;
            if (mr == MR && nr == NR) {
              g_kernel(kc, ap, bp, cc, N, first);
            } else {
              /* Ragged edge: the full block into tmp, then the valid part into C. */
              g_kernel(kc, ap, bp, tmp, NR, 1);
              for (int r = 0; r < mr; r++) {
                float *cr = cc + (size_t)r * N;
                const float *tr = tmp + r * NR;
                if (first)
                  for (int j = 0; j < nr; j++) cr[j] = tr[j];
                else
                  for (int j = 0; j < nr; j++) cr[j] += tr[j];
              }
            }
          }
        }
      }
    }
  }
  if (p->bias || p->act) {
    for (int i = m0; i < m1; i++) {
      float *cr = p->c + (size_t)i * N;
      if (p->bias)
        for (int j = n0; j < n1; j++) cr[j] += p->bias[j];
      if (p->act == 1)
        for (int j = n0; j < n1; j++) cr[j] = cr[j] > 0.0f ? cr[j] : 0.0f;
    }
  }
  return 1;
}

/* ---------------------------------------------------------------- thread pool
 *
 * Work sharing, robust to a busy machine: a job is cut into chunks (about 4 per thread) and the calling thread and
 * the pool's workers claim chunks from one atomic counter until none is left. The caller never waits for a worker to
 * be scheduled: if the workers are slow to wake it computes every chunk itself, and it waits only for chunks a worker
 * has already claimed. The counter carries the job's generation in its high 32 bits, so a worker waking late cannot
 * claim a chunk of a later job with the earlier job's description. A job is a function of (its argument, a chunk
 * index, the thread's scratch) returning 0 on failure: a product's rows or columns of C, or a slice of an Adam update.
 */

#define MAX_CHUNKS 64

typedef int (*chunk_fn)(const void *arg, int chunk, Scratch *s);

typedef struct {
  chunk_fn fn;
  const void *arg;
  int nchunks;
} Job;

static pthread_mutex_t g_pool_use = PTHREAD_MUTEX_INITIALIZER; /* one caller at a time */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;
static pthread_t g_workers[MAX_THREADS];
static Scratch g_worker_scratch[MAX_THREADS];
static Job g_job;
static uint64_t g_claim = 0;  /* (generation << 32) | (chunks << 16) | next chunk; atomic */
static int g_done_chunks = 0; /* atomic */
static int g_failed = 0;      /* atomic */
static uint32_t g_generation = 0;
static int g_started = 0; /* worker threads running */
static int g_threads = 1; /* threads used per job, caller included */

/* Claims the next chunk of generation `gen`, or −1 when there is none (or the job is not that generation's). */
static int claim(uint32_t gen) {
  uint64_t v = __atomic_load_n(&g_claim, __ATOMIC_ACQUIRE);
  for (;;) {
    /* The chunk count travels in the word itself: a late worker never reads a job being rewritten. */
    const int next = (int)(v & 0xffff), n = (int)((v >> 16) & 0xffff);
    if ((uint32_t)(v >> 32) != gen || next >= n) return -1;
    if (__atomic_compare_exchange_n(&g_claim, &v, v + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return next;
  }
}

static void run_chunk(int c, Scratch *s) {
  /* Read the job before this chunk counts as done: once all are, the caller may start the next job. */
  const Job j = g_job;
  if (!j.fn(j.arg, c, s)) __atomic_store_n(&g_failed, 1, __ATOMIC_RELEASE);
  if (__atomic_add_fetch(&g_done_chunks, 1, __ATOMIC_ACQ_REL) == j.nchunks) {
    pthread_mutex_lock(&g_mu);
    pthread_cond_broadcast(&g_done_cv);
    pthread_mutex_unlock(&g_mu);
  }
}

static void *worker_main(void *arg) {
  const int id = (int)(intptr_t)arg; /* 1 … */
  uint32_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&g_mu);
    while (g_generation == seen) pthread_cond_wait(&g_wake, &g_mu);
    seen = g_generation;
    pthread_mutex_unlock(&g_mu);
    int c;
    while ((c = claim(seen)) >= 0) run_chunk(c, &g_worker_scratch[id]);
  }
  return NULL;
}

static void ensure_workers(int n) {
  while (g_started < n - 1 && g_started < MAX_THREADS - 1) {
    if (pthread_create(&g_workers[g_started + 1], NULL, worker_main, (void *)(intptr_t)(g_started + 1)) != 0) break;
    pthread_detach(g_workers[g_started + 1]);
    g_started++;
  }
}

static __thread Scratch t_scratch; /* the calling thread's own packing buffers */
static pthread_key_t g_scratch_key;   /* frees them when that thread exits (a run's worker thread does) */

static void free_scratch(void *p) {
  Scratch *s = (Scratch *)p;
  free(s->pa);
  free(s->pb);
  s->pa = s->pb = NULL;
  s->pa_n = s->pb_n = 0;
}

/* The calling thread's scratch, registered for freeing at the thread's exit on first use. */
static Scratch *caller_scratch(void) {
  if (!t_scratch.pa && !t_scratch.pb) pthread_setspecific(g_scratch_key, &t_scratch);
  return &t_scratch;
}

/*
 * Runs fn on chunks 0 … nchunks−1 (nchunks ≤ MAX_CHUNKS), shared with the pool when it has more than one thread and
 * is free, else all on the calling thread. Returns 0 if any chunk failed.
 */
static int pool_run(chunk_fn fn, const void *arg, int nchunks) {
  if (nchunks > 1 && g_threads > 1 && pthread_mutex_trylock(&g_pool_use) == 0) {
    ensure_workers(g_threads);
    if (g_started > 0) {
      g_job.fn = fn;
      g_job.arg = arg;
      g_job.nchunks = nchunks;
      __atomic_store_n(&g_done_chunks, 0, __ATOMIC_RELEASE);
      __atomic_store_n(&g_failed, 0, __ATOMIC_RELEASE);
      pthread_mutex_lock(&g_mu);
      const uint32_t gen = ++g_generation;
      __atomic_store_n(&g_claim, ((uint64_t)gen << 32) | ((uint64_t)nchunks << 16), __ATOMIC_RELEASE);
      pthread_cond_broadcast(&g_wake);
      pthread_mutex_unlock(&g_mu);
      int c;
      while ((c = claim(gen)) >= 0) run_chunk(c, caller_scratch());
      /* Only chunks a worker claimed can be outstanding now. */
      pthread_mutex_lock(&g_mu);
      while (__atomic_load_n(&g_done_chunks, __ATOMIC_ACQUIRE) < nchunks) pthread_cond_wait(&g_done_cv, &g_mu);
      pthread_mutex_unlock(&g_mu);
      const int ok = !__atomic_load_n(&g_failed, __ATOMIC_ACQUIRE);
      pthread_mutex_unlock(&g_pool_use);
      return ok;
    }
    pthread_mutex_unlock(&g_pool_use);
  }
  int ok = 1;
  for (int c = 0; c < nchunks; c++) ok &= fn(arg, c, caller_scratch());
  return ok;
}

/* Chunks for a job over `units` equal units: about 4 per thread of the pool, at most one per unit. */
static int chunks_for(long units) {
  long n = 4L * g_threads;
  if (n > units) n = units;
  if (n > MAX_CHUNKS) n = MAX_CHUNKS;
  return n < 1 ? 1 : (int)n;
}

/* ---------------------------------------------------------------- products on the pool */

/* Products below this many multiply-adds run on the calling thread (a wake-up costs more than they do). */
#define PARALLEL_MIN_MACS (1L << 20)

typedef struct {
  const Product *p;
  int byRows, unit, len, units, nchunks;
} ProductJob;

static int product_chunk(const void *arg, int c, Scratch *s) {
  const ProductJob *j = (const ProductJob *)arg;
  int b0 = (int)((long)j->units * c / j->nchunks) * j->unit, b1 = (int)((long)j->units * (c + 1) / j->nchunks) * j->unit;
  if (b0 > j->len) b0 = j->len;
  if (b1 > j->len) b1 = j->len;
  return j->byRows ? region(j->p, b0, b1, 0, j->p->N, s) : region(j->p, 0, j->p->M, b0, b1, s);
}

static int product(const Product *p) {
  const long macs = (long)p->M * p->N * p->K;
  if (g_threads < 2 || macs < PARALLEL_MIN_MACS) return region(p, 0, p->M, 0, p->N, caller_scratch());
  /* Chunks of rows (MR-aligned) when M ≥ N, else of columns (NR-aligned). */
  ProductJob j;
  j.p = p;
  j.byRows = p->M >= p->N;
  j.len = j.byRows ? p->M : p->N;
  j.unit = j.byRows ? MR : NR;
  j.units = (j.len + j.unit - 1) / j.unit;
  j.nchunks = chunks_for(j.units);
  return pool_run(product_chunk, &j, j.nchunks);
}

/* ---------------------------------------------------------------- Adam
 *
 * One Adam update of n parameters (see the header); outputs may not alias inputs. Float32 throughout, each operation
 * rounded as tfjs rounds it (no contraction into FMA, true division), so the AVX form gives the same bits as the
 * scalar one: IEEE single-precision add, multiply, divide and square root are correctly rounded in every width.
 */

typedef struct {
  const float *theta, *m, *v, *g;
  float *to, *mo, *vo;
  size_t n;
  float c[8]; /* β₁, 1 − β₁, β₂, 1 − β₂, 1 − β₁ᵗ, 1 − β₂ᵗ, ε, η */
  int nchunks;
} AdamJob;

static void adam_scalar(const AdamJob *j, size_t i0, size_t i1) {
  const float b1 = j->c[0], omb1 = j->c[1], b2 = j->c[2], omb2 = j->c[3], oma1 = j->c[4], oma2 = j->c[5],
              eps = j->c[6], step = j->c[7];
  for (size_t i = i0; i < i1; i++) {
    const float gi = j->g[i];
    const float mi = j->m[i] * b1 + gi * omb1;
    const float gg = gi * gi;
    const float vi = j->v[i] * b2 + gg * omb2;
    const float mhat = mi / oma1;
    const float vhat = vi / oma2;
    const float den = sqrtf(vhat) + eps;
    const float d = (mhat / den) * step;
    j->mo[i] = mi;
    j->vo[i] = vi;
    j->to[i] = j->theta[i] - d;
  }
}

typedef void (*adam_fn)(const AdamJob *j, size_t i0, size_t i1);
static adam_fn g_adam = adam_scalar;

#ifdef HAVE_X86
__attribute__((target("avx2"))) static void adam_avx2(const AdamJob *j, size_t i0, size_t i1) {
  const __m256 b1 = _mm256_set1_ps(j->c[0]), omb1 = _mm256_set1_ps(j->c[1]), b2 = _mm256_set1_ps(j->c[2]),
               omb2 = _mm256_set1_ps(j->c[3]), oma1 = _mm256_set1_ps(j->c[4]), oma2 = _mm256_set1_ps(j->c[5]),
               eps = _mm256_set1_ps(j->c[6]), step = _mm256_set1_ps(j->c[7]);
  size_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    const __m256 gi = _mm256_loadu_ps(j->g + i);
    const __m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(j->m + i), b1), _mm256_mul_ps(gi, omb1));
    const __m256 vi =
        _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(j->v + i), b2), _mm256_mul_ps(_mm256_mul_ps(gi, gi), omb2));
    const __m256 mhat = _mm256_div_ps(mi, oma1);
    const __m256 vhat = _mm256_div_ps(vi, oma2);
    const __m256 den = _mm256_add_ps(_mm256_sqrt_ps(vhat), eps);
    const __m256 d = _mm256_mul_ps(_mm256_div_ps(mhat, den), step);
    _mm256_storeu_ps(j->mo + i, mi);
    _mm256_storeu_ps(j->vo + i, vi);
    _mm256_storeu_ps(j->to + i, _mm256_sub_ps(_mm256_loadu_ps(j->theta + i), d));
  }
  adam_scalar(j, i, i1);
}
#endif

/* Slices of 16 floats (one 64-byte line) so that no two threads write the same cache line. */
static int adam_chunk(const void *arg, int c, Scratch *s) {
  (void)s;
  const AdamJob *j = (const AdamJob *)arg;
  const size_t lines = (j->n + 15) / 16;
  size_t i0 = lines * (size_t)c / (size_t)j->nchunks * 16, i1 = lines * (size_t)(c + 1) / (size_t)j->nchunks * 16;
  if (i0 > j->n) i0 = j->n;
  if (i1 > j->n) i1 = j->n;
  g_adam(j, i0, i1);
  return 1;
}

/* Updates below this many parameters run on the calling thread. */
#define PARALLEL_MIN_PARAMS (1L << 16)

static void adam_update(AdamJob *j) {
  j->nchunks = j->n >= PARALLEL_MIN_PARAMS && g_threads > 1 ? chunks_for((long)((j->n + 15) / 16)) : 1;
  pool_run(adam_chunk, j, j->nchunks);
}

/* ---------------------------------------------------------------- Bernoulli log-likelihood
 *
 * Per row r of logits l [R, d] against data x [B, d] (row r mod B, so x broadcasts against a leading batch of l):
 *   out[r] = Σ_j x_j l_j − softplus(l_j),  softplus(l) = max(l, 0) + log1p(e^{−|l|}),
 * and its gradient  ∂out[r]/∂l_j · dy[r] = dy[r] · (x_j − σ(l_j)),  σ(l) = 1 / (1 + e^{−l}).
 * The same expressions as bernoulliLogLikFast (models/vae/model.ts) runs op by op; here e^x and log(u) are Cephes'
 * single-precision polynomials (Moshier 1989, ~1 ulp) eight lanes at a time with AVX2, libm otherwise, so results
 * agree with the wasm ops to float rounding (not to the bit: the row sum's order differs too).
 */

static inline float softplus_scalar(float l) { return (l > 0.0f ? l : 0.0f) + log1pf(expf(-fabsf(l))); }
static inline float sigmoid_scalar(float l) { return 1.0f / (1.0f + expf(-l)); }

typedef void (*bern_fn)(const float *x, const float *l, float *out, int d);
typedef void (*bern_grad_fn)(const float *x, const float *l, float dy, float *out, int d);

static void bern_row_scalar(const float *x, const float *l, float *out, int d) {
  float s = 0.0f;
  for (int j = 0; j < d; j++) s += x[j] * l[j] - softplus_scalar(l[j]);
  *out = s;
}

static void bern_grad_row_scalar(const float *x, const float *l, float dy, float *out, int d) {
  for (int j = 0; j < d; j++) out[j] = dy * (x[j] - sigmoid_scalar(l[j]));
}

static bern_fn g_bern = bern_row_scalar;
static bern_grad_fn g_bern_grad = bern_grad_row_scalar;

#ifdef HAVE_X86
/* e^x, Cephes expf: x = n ln 2 + r (ln 2 in two parts), e^r by a degree-6 polynomial, times 2^n. */
__attribute__((target("avx2"))) static inline __m256 exp_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.3762626647949f));
  const __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                                 _mm256_set1_ps(0.5f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(-2.12194440e-4f)));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.3981999507E-3f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(4.1665795894E-2f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(5.0000001201E-1f));
  y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, z), x), _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

/* log1p(t) for t ∈ [0, 1]: u = 1 + t, Cephes logf of u (mantissa in [√½, √2)), plus the rounding of 1 + t, c / u. */
__attribute__((target("avx2"))) static inline __m256 log1p_unit_avx2(__m256 t) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 u = _mm256_add_ps(one, t);
  const __m256 c = _mm256_sub_ps(t, _mm256_sub_ps(u, one)); /* exact: 1 + t − u */
  const __m256 big = _mm256_cmp_ps(u, _mm256_set1_ps(1.41421356237f), _CMP_GT_OQ);
  const __m256 e = _mm256_and_ps(big, one);                                   /* exponent: 0 or 1 */
  const __m256 m = _mm256_blendv_ps(u, _mm256_mul_ps(u, _mm256_set1_ps(0.5f)), big); /* [√½, √2) */
  const __m256 x = _mm256_sub_ps(m, one);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(7.0376836292E-2f);
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(-1.1514610310E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.1676998740E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(-1.2420140846E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.4249322787E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(-1.6668057665E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(2.0000714765E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(-2.4999993993E-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(3.3333331174E-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, x), z);
  y = _mm256_add_ps(y, _mm256_mul_ps(e, _mm256_set1_ps(-2.12194440e-4f)));
  y = _mm256_sub_ps(y, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_add_ps(_mm256_add_ps(x, y), _mm256_mul_ps(e, _mm256_set1_ps(0.693359375f)));
  return _mm256_add_ps(r, _mm256_div_ps(c, u));
}

__attribute__((target("avx2"))) static void bern_row_avx2(const float *x, const float *l, float *out, int d) {
  const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
  __m256 acc = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= d; j += 8) {
    const __m256 lj = _mm256_loadu_ps(l + j);
    const __m256 t = exp_avx2(_mm256_or_ps(lj, sign)); /* e^{−|l|} */
    const __m256 sp = _mm256_add_ps(_mm256_max_ps(lj, zero), log1p_unit_avx2(t));
    acc = _mm256_add_ps(acc, _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(x + j), lj), sp));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, acc);
  float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; j < d; j++) s += x[j] * l[j] - softplus_scalar(l[j]);
  *out = s;
}

__attribute__((target("avx2"))) static void bern_grad_row_avx2(const float *x, const float *l, float dy, float *out,
                                                               int d) {
  const __m256 one = _mm256_set1_ps(1.0f), dyv = _mm256_set1_ps(dy), sign = _mm256_set1_ps(-0.0f);
  int j = 0;
  for (; j + 8 <= d; j += 8) {
    const __m256 lj = _mm256_loadu_ps(l + j);
    const __m256 sig = _mm256_div_ps(one, _mm256_add_ps(one, exp_avx2(_mm256_xor_ps(lj, sign))));
    _mm256_storeu_ps(out + j, _mm256_mul_ps(dyv, _mm256_sub_ps(_mm256_loadu_ps(x + j), sig)));
  }
  for (; j < d; j++) out[j] = dy * (x[j] - sigmoid_scalar(l[j]));
}
#endif

/* ---------------------------------------------------------------- relu layer backward
 *
 * For y = relu(x W + b) [B, N] and the gradient dy [B, N]: δ = dy ⊙ [y > 0] and ∂b = Σ_i δ[i, ·], in one pass. The
 * column sums run over rows in order, as the wasm backend's Sum does, so ∂b is the op-by-op value to the bit.
 */
static void relu_backward(const float *y, const float *dy, float *delta, float *db, int B, int N) {
  for (int j = 0; j < N; j++) db[j] = 0.0f;
  for (int i = 0; i < B; i++) {
    const float *yr = y + (size_t)i * N, *dr = dy + (size_t)i * N;
    float *o = delta + (size_t)i * N;
    for (int j = 0; j < N; j++) {
      const float d = dr[j] * (yr[j] > 0.0f ? 1.0f : 0.0f); /* dy · step(y), signed zeros included */
      o[j] = d;
      db[j] += d;
    }
  }
}

/* ---------------------------------------------------------------- Node-API glue */

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "elbo_native: Node-API call failed: " #call);                                      \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

#define MAX_BUFFER_ARGS 17 /* adam: the buffer, 7 offsets, the length and 8 constants */

/* Reads argument 0 as an ArrayBuffer and arguments 1 … n as numbers into v; NULL data (and an exception) on failure. */
static void *buffer_args(napi_env env, napi_callback_info info, size_t n, double *v, size_t *bytes, const char *name) {
  napi_value argv[MAX_BUFFER_ARGS];
  size_t argc = MAX_BUFFER_ARGS;
  bool isAb = false;
  void *data = NULL;
  char msg[96];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != n + 1) {
    snprintf(msg, sizeof msg, "elbo_native.%s expects %d arguments, got %d", name, (int)n + 1, (int)argc);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  if (napi_is_arraybuffer(env, argv[0], &isAb) != napi_ok || !isAb) {
    snprintf(msg, sizeof msg, "elbo_native.%s: argument 0 must be an ArrayBuffer", name);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  if (napi_get_arraybuffer_info(env, argv[0], &data, bytes) != napi_ok) return NULL;
  for (size_t i = 0; i < n; i++)
    if (napi_get_value_double(env, argv[i + 1], &v[i]) != napi_ok) return NULL;
  return data;
}

static int in_buffer(double off, double count, size_t bytes) {
  return off >= 0 && off + 4.0 * count <= (double)bytes && ((int64_t)off) % 4 == 0;
}

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  double v[13];
  size_t bytes = 0;
  void *data = buffer_args(env, info, 13, v, &bytes, "gemm");
  if (!data) return NULL;
  const double aOff = v[0], bOff = v[1], cOff = v[2];
  const int M = (int)v[3], N = (int)v[4], K = (int)v[5], transA = v[6] != 0, transB = v[7] != 0;
  const double biasOff = v[8];
  const int act = (int)v[9], batchA = (int)v[10], batchB = (int)v[11], batch = (int)v[12];
  const double aBytes = 4.0 * M * K * batchA, bBytes = 4.0 * K * N * batchB, cBytes = 4.0 * M * N * batch;
  if (M < 0 || N < 0 || K < 0 || batch < 1 || batchA < 1 || batchB < 1 || aOff < 0 || bOff < 0 || cOff < 0 ||
      aOff + aBytes > bytes || bOff + bBytes > bytes || cOff + cBytes > bytes ||
      (biasOff >= 0 && biasOff + 4.0 * N > bytes) || ((int64_t)aOff | (int64_t)bOff | (int64_t)cOff) % 4 != 0) {
    napi_throw_range_error(env, NULL, "elbo_native.gemm: operands outside the buffer or misaligned");
    return NULL;
  }
  uint8_t *base = (uint8_t *)data;
  for (int t = 0; t < batch; t++) {
    Product p;
    p.a = (const float *)(base + (size_t)aOff) + (size_t)(batchA == 1 ? 0 : t) * M * K;
    p.b = (const float *)(base + (size_t)bOff) + (size_t)(batchB == 1 ? 0 : t) * K * N;
    p.c = (float *)(base + (size_t)cOff) + (size_t)t * M * N;
    p.bias = biasOff >= 0 ? (const float *)(base + (size_t)biasOff) : NULL;
    p.M = M;
    p.N = N;
    p.K = K;
    p.transA = transA;
    p.transB = transB;
    p.act = act;
    if (M > 0 && N > 0 && !product(&p)) {
      napi_throw_error(env, NULL, "elbo_native.gemm: out of memory for packing buffers");
      return NULL;
    }
  }
  return NULL;
}

static napi_value js_adam(napi_env env, napi_callback_info info) {
  double v[16];
  size_t bytes = 0;
  void *data = buffer_args(env, info, 16, v, &bytes, "adam");
  if (!data) return NULL;
  const double *off = v, n = v[7], *cd = v + 8;
  for (int i = 0; i < 7; i++) {
    if (!in_buffer(off[i], n, bytes)) {
      napi_throw_range_error(env, NULL, "elbo_native.adam: operands outside the buffer or misaligned");
      return NULL;
    }
  }
  uint8_t *b = (uint8_t *)data;
  AdamJob j;
  j.theta = (const float *)(b + (size_t)off[0]);
  j.m = (const float *)(b + (size_t)off[1]);
  j.v = (const float *)(b + (size_t)off[2]);
  j.g = (const float *)(b + (size_t)off[3]);
  j.to = (float *)(b + (size_t)off[4]);
  j.mo = (float *)(b + (size_t)off[5]);
  j.vo = (float *)(b + (size_t)off[6]);
  j.n = (size_t)n;
  for (int i = 0; i < 8; i++) j.c[i] = (float)cd[i];
  adam_update(&j);
  return NULL;
}

/* bernoulli(buffer, xOff, lOff, outOff, rows, d, B): out[r] for r < rows (see the section above). */
static napi_value js_bernoulli(napi_env env, napi_callback_info info) {
  double v[6];
  size_t bytes = 0;
  uint8_t *b = buffer_args(env, info, 6, v, &bytes, "bernoulli");
  if (!b) return NULL;
  const int rows = (int)v[3], d = (int)v[4], B = (int)v[5];
  if (rows < 0 || d < 0 || B < 1 || !in_buffer(v[0], (double)B * d, bytes) || !in_buffer(v[1], (double)rows * d, bytes) ||
      !in_buffer(v[2], rows, bytes)) {
    napi_throw_range_error(env, NULL, "elbo_native.bernoulli: operands outside the buffer or misaligned");
    return NULL;
  }
  const float *x = (const float *)(b + (size_t)v[0]), *l = (const float *)(b + (size_t)v[1]);
  float *out = (float *)(b + (size_t)v[2]);
  for (int r = 0; r < rows; r++) g_bern(x + (size_t)(r % B) * d, l + (size_t)r * d, out + r, d);
  return NULL;
}

/* bernoulliGrad(buffer, xOff, lOff, dyOff, outOff, rows, d, B): out[r, j] = dy[r] (x[r mod B, j] − σ(l[r, j])). */
static napi_value js_bernoulli_grad(napi_env env, napi_callback_info info) {
  double v[7];
  size_t bytes = 0;
  uint8_t *b = buffer_args(env, info, 7, v, &bytes, "bernoulliGrad");
  if (!b) return NULL;
  const int rows = (int)v[4], d = (int)v[5], B = (int)v[6];
  if (rows < 0 || d < 0 || B < 1 || !in_buffer(v[0], (double)B * d, bytes) || !in_buffer(v[1], (double)rows * d, bytes) ||
      !in_buffer(v[2], rows, bytes) || !in_buffer(v[3], (double)rows * d, bytes)) {
    napi_throw_range_error(env, NULL, "elbo_native.bernoulliGrad: operands outside the buffer or misaligned");
    return NULL;
  }
  const float *x = (const float *)(b + (size_t)v[0]), *l = (const float *)(b + (size_t)v[1]);
  const float *dy = (const float *)(b + (size_t)v[2]);
  float *out = (float *)(b + (size_t)v[3]);
  for (int r = 0; r < rows; r++)
    g_bern_grad(x + (size_t)(r % B) * d, l + (size_t)r * d, dy[r], out + (size_t)r * d, d);
  return NULL;
}

/* reluBackward(buffer, yOff, dyOff, deltaOff, dbOff, B, N): see "relu layer backward". */
static napi_value js_relu_backward(napi_env env, napi_callback_info info) {
  double v[6];
  size_t bytes = 0;
  uint8_t *b = buffer_args(env, info, 6, v, &bytes, "reluBackward");
  if (!b) return NULL;
  const int B = (int)v[4], N = (int)v[5];
  const double n = (double)B * N;
  if (B < 0 || N < 0 || !in_buffer(v[0], n, bytes) || !in_buffer(v[1], n, bytes) || !in_buffer(v[2], n, bytes) ||
      !in_buffer(v[3], N, bytes)) {
    napi_throw_range_error(env, NULL, "elbo_native.reluBackward: operands outside the buffer or misaligned");
    return NULL;
  }
  relu_backward((const float *)(b + (size_t)v[0]), (const float *)(b + (size_t)v[1]), (float *)(b + (size_t)v[2]),
                (float *)(b + (size_t)v[3]), B, N);
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, isa, threads, maxThreads;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_string_utf8(env, g_isa, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_int32(env, g_threads, &threads));
  CHECK(napi_create_int32(env, MAX_THREADS, &maxThreads));
  CHECK(napi_set_named_property(env, out, "isa", isa));
  CHECK(napi_set_named_property(env, out, "threads", threads));
  CHECK(napi_set_named_property(env, out, "maxThreads", maxThreads));
  return out;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n = 1;
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &n));
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&g_pool_use);
  g_threads = n;
  pthread_mutex_unlock(&g_pool_use);
  napi_value out;
  CHECK(napi_create_int32(env, n, &out));
  return out;
}

/* The micro-kernel and Adam kernel for this CPU, chosen once at load. */
static void choose_kernel(void) {
#ifdef HAVE_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    g_kernel = kernel_avx2;
    g_adam = adam_avx2;
    g_bern = bern_row_avx2;
    g_bern_grad = bern_grad_row_avx2;
    g_isa = "avx2-fma";
    return;
  }
  g_isa = "sse2";
#endif
}

/*
 * Pins this library in memory for the life of the process. Node unloads (dlcloses) an addon when the last worker
 * thread that loaded it exits and the main thread never did; the pool's detached threads would then sleep in
 * unmapped code on unmapped condition variables, and a later load at the same address re-initialises those variables
 * under the sleepers (observed: the next two-thread product never completes). One extra reference, never released,
 * keeps the code, the pool and its state alive across loads.
 */
static void pin_library(void) {
  Dl_info self;
  if (dladdr((void *)&pin_library, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

static void module_once(void) {
  pin_library();
  pthread_key_create(&g_scratch_key, free_scratch);
  choose_kernel();
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

NAPI_MODULE_INIT() {
  pthread_once(&g_once, module_once);
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"bernoulli", NULL, js_bernoulli, NULL, NULL, NULL, napi_default, NULL},
      {"bernoulliGrad", NULL, js_bernoulli_grad, NULL, NULL, NULL, napi_default, NULL},
      {"reluBackward", NULL, js_relu_backward, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  extern int lda_native_register(napi_env env, napi_value exports); /* native/lda_native.c: ldaEStep */
  if (!lda_native_register(env, exports)) return NULL;
  return exports;
}
