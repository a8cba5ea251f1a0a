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
 * reproduces the wasm backend's op-by-op update bit for bit (the file is compiled with -ffp-contract=off):
 *   m' = m·β₁ + g·(1 − β₁),  v' = v·β₂ + g²·(1 − β₂),  θ' = θ − ((m' / (1 − β₁ᵗ)) / (√(v' / (1 − β₂ᵗ)) + ε)) · η.
 *
 * Exports: gemm(buffer, aOff, bOff, cOff, M, N, K, transA, transB, biasOff, act, batchA, batchB, batch)
 *          adam(buffer, thetaOff, mOff, vOff, gOff, thetaOut, mOut, vOut, n, β₁, 1 − β₁, β₂, 1 − β₂, 1 − β₁ᵗ,
 *               1 − β₂ᵗ, ε, η)
 *          info() → { isa, threads, maxThreads }; setThreads(n) → n.
 */
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
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

static void choose_kernel(void) {
#ifdef HAVE_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    g_kernel = kernel_avx2;
    g_isa = "avx2-fma";
    return;
  }
  g_isa = "sse2";
#endif
}

/* ---------------------------------------------------------------- packing */

/* A is logically [M, K]: element (i, k) at a[i*K + k], or a[k*M + i] when transposed (stored [K, M]). */
static inline float a_at(const float *a, int M, int K, int trans, int i, int k) {
  return trans ? a[(size_t)k * M + i] : a[(size_t)i * K + k];
}
/* B is logically [K, N]: element (k, j) at b[k*N + j], or b[j*K + k] when transposed (stored [N, K]). */
static inline float b_at(const float *b, int K, int N, int trans, int k, int j) {
  return trans ? b[(size_t)j * K + k] : b[(size_t)k * N + j];
}

/* Rows i0 … i0+mc−1, depth p0 … p0+kc−1 of A into MR-row panels: dst[panel][k][r], zero past mc. */
static void pack_a(const float *a, int M, int K, int trans, int i0, int mc, int p0, int kc, float *dst) {
  for (int ip = 0; ip < mc; ip += MR) {
    const int rows = mc - ip < MR ? mc - ip : MR;
    if (!trans) {
      for (int k = 0; k < kc; k++) {
        float *d = dst + k * MR;
        int r = 0;
        for (; r < rows; r++) d[r] = a[(size_t)(i0 + ip + r) * K + p0 + k];
        for (; r < MR; r++) d[r] = 0.0f;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        const float *src = a + (size_t)(p0 + k) * M + i0 + ip;
        float *d = dst + k * MR;
        int r = 0;
        for (; r < rows; r++) d[r] = src[r];
        for (; r < MR; r++) d[r] = 0.0f;
      }
    }
    dst += (size_t)kc * MR;
  }
}

/* Depth p0 … p0+kc−1, columns j0 … j0+nc−1 of B into NR-column panels: dst[panel][k][c], zero past nc. */
static void pack_b(const float *b, int K, int N, int trans, int p0, int kc, int j0, int nc, float *dst) {
  for (int jp = 0; jp < nc; jp += NR) {
    const int cols = nc - jp < NR ? nc - jp : NR;
    if (!trans) {
      for (int k = 0; k < kc; k++) {
        const float *src = b + (size_t)(p0 + k) * N + j0 + jp;
        float *d = dst + k * NR;
        int c = 0;
        for (; c < cols; c++) d[c] = src[c];
        for (; c < NR; c++) d[c] = 0.0f;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        float *d = dst + k * NR;
        int c = 0;
        for (; c < cols; c++) d[c] = b[(size_t)(j0 + jp + c) * K + p0 + k];
        for (; c < NR; c++) d[c] = 0.0f;
      }
    }
    dst += (size_t)kc * NR;
  }
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
 * Work sharing, robust to a busy machine: a large product is cut into chunks of C (about 4 per thread) and the
 * calling thread and the pool's workers claim chunks from one atomic counter until none is left. The caller never
 * waits for a worker to be scheduled: if the workers are slow to wake it computes every chunk itself, and it waits
 * only for chunks a worker has already claimed. The counter carries the job's generation in its high 32 bits, so a
 * worker waking late cannot claim a chunk of a later job with the earlier job's description.
 */

#define MAX_CHUNKS 64

typedef struct {
  const Product *p;
  int byRows, nchunks;
  int bounds[MAX_CHUNKS + 1];
} Job;

static pthread_mutex_t g_pool_use = PTHREAD_MUTEX_INITIALIZER; /* one caller at a time */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;
static pthread_t g_workers[MAX_THREADS];
static Scratch g_worker_scratch[MAX_THREADS];
static Job g_job;
static uint64_t g_claim = 0;   /* (generation << 32) | (chunks << 16) | next chunk; atomic */
static int g_done_chunks = 0;  /* atomic */
static int g_failed = 0;       /* atomic */
static uint32_t g_generation = 0;
static int g_started = 0; /* worker threads running */
static int g_threads = 1; /* threads used per product, caller included */

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
  const Job *j = &g_job;
  const Product *p = j->p;
  const int ok = j->byRows ? region(p, j->bounds[c], j->bounds[c + 1], 0, p->N, s)
                           : region(p, 0, p->M, j->bounds[c], j->bounds[c + 1], s);
  if (!ok) __atomic_store_n(&g_failed, 1, __ATOMIC_RELEASE);
  if (__atomic_add_fetch(&g_done_chunks, 1, __ATOMIC_ACQ_REL) == j->nchunks) {
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

/* Products below this many multiply-adds run on the calling thread (a wake-up costs more than they do). */
#define PARALLEL_MIN_MACS (1L << 20)

static int product(const Product *p) {
  const long macs = (long)p->M * p->N * p->K;
  const int T = g_threads;
  if (T > 1 && macs >= PARALLEL_MIN_MACS && pthread_mutex_trylock(&g_pool_use) == 0) {
    ensure_workers(T);
    const int threads = g_started + 1 < T ? g_started + 1 : T;
    /* Chunks of rows (MR-aligned) when M ≥ N, else of columns (NR-aligned): about 4 per thread. */
    const int byRows = p->M >= p->N;
    const int len = byRows ? p->M : p->N;
    const int unit = byRows ? MR : NR;
    const int units = (len + unit - 1) / unit;
    int n = 4 * threads;
    if (n > units) n = units;
    if (n > MAX_CHUNKS) n = MAX_CHUNKS;
    if (threads > 1 && n > 1) {
      Job *j = &g_job;
      j->p = p;
      j->byRows = byRows;
      j->nchunks = n;
      for (int c = 0; c <= n; c++) {
        const int b = (int)((long)units * c / n) * unit;
        j->bounds[c] = b > len ? len : b;
      }
      __atomic_store_n(&g_done_chunks, 0, __ATOMIC_RELEASE);
      __atomic_store_n(&g_failed, 0, __ATOMIC_RELEASE);
      pthread_mutex_lock(&g_mu);
      const uint32_t gen = ++g_generation;
      __atomic_store_n(&g_claim, ((uint64_t)gen << 32) | ((uint64_t)n << 16), __ATOMIC_RELEASE);
      pthread_cond_broadcast(&g_wake);
      pthread_mutex_unlock(&g_mu);
      int c;
      while ((c = claim(gen)) >= 0) run_chunk(c, &t_scratch);
      /* Only chunks a worker claimed can be outstanding now. */
      pthread_mutex_lock(&g_mu);
      while (__atomic_load_n(&g_done_chunks, __ATOMIC_ACQUIRE) < n) pthread_cond_wait(&g_done_cv, &g_mu);
      pthread_mutex_unlock(&g_mu);
      const int ok = !__atomic_load_n(&g_failed, __ATOMIC_ACQUIRE);
      pthread_mutex_unlock(&g_pool_use);
      return ok;
    }
    pthread_mutex_unlock(&g_pool_use);
  }
  return region(p, 0, p->M, 0, p->N, &t_scratch);
}

/* ---------------------------------------------------------------- Node-API glue */

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "elbo_native: Node-API call failed: " #call);                                      \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) {
    napi_throw_type_error(env, NULL, "elbo_native.gemm expects 14 arguments");
    return NULL;
  }
  void *data = NULL;
  size_t bytes = 0;
  bool isAb = false;
  CHECK(napi_is_arraybuffer(env, argv[0], &isAb));
  if (!isAb) {
    napi_throw_type_error(env, NULL, "elbo_native.gemm: argument 0 must be an ArrayBuffer");
    return NULL;
  }
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  double v[13];
  for (int i = 0; i < 13; i++) CHECK(napi_get_value_double(env, argv[i + 1], &v[i]));
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

/* One Adam update of n parameters (see the header); outputs may not alias inputs. Float32 throughout. */
static void adam_update(const float *theta, const float *m, const float *v, const float *g, float *to, float *mo,
                        float *vo, size_t n, const float c[9]) {
  const float b1 = c[0], omb1 = c[1], b2 = c[2], omb2 = c[3], oma1 = c[4], oma2 = c[5], eps = c[6], step = c[7];
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * omb1;
    const float gg = gi * gi;
    const float vi = v[i] * b2 + gg * omb2;
    const float mhat = mi / oma1;
    const float vhat = vi / oma2;
    const float den = sqrtf(vhat) + eps;
    const float d = (mhat / den) * step;
    mo[i] = mi;
    vo[i] = vi;
    to[i] = theta[i] - d;
  }
}

static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 17) {
    napi_throw_type_error(env, NULL, "elbo_native.adam expects 17 arguments");
    return NULL;
  }
  void *data = NULL;
  size_t bytes = 0;
  bool isAb = false;
  CHECK(napi_is_arraybuffer(env, argv[0], &isAb));
  if (!isAb) {
    napi_throw_type_error(env, NULL, "elbo_native.adam: argument 0 must be an ArrayBuffer");
    return NULL;
  }
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  double off[7], n = 0, cd[8];
  for (int i = 0; i < 7; i++) CHECK(napi_get_value_double(env, argv[1 + i], &off[i]));
  CHECK(napi_get_value_double(env, argv[8], &n));
  for (int i = 0; i < 8; i++) CHECK(napi_get_value_double(env, argv[9 + i], &cd[i]));
  for (int i = 0; i < 7; i++) {
    if (off[i] < 0 || off[i] + 4.0 * n > bytes || ((int64_t)off[i]) % 4 != 0) {
      napi_throw_range_error(env, NULL, "elbo_native.adam: operands outside the buffer or misaligned");
      return NULL;
    }
  }
  float c[9];
  for (int i = 0; i < 8; i++) c[i] = (float)cd[i];
  uint8_t *b = (uint8_t *)data;
  adam_update((const float *)(b + (size_t)off[0]), (const float *)(b + (size_t)off[1]),
              (const float *)(b + (size_t)off[2]), (const float *)(b + (size_t)off[3]), (float *)(b + (size_t)off[4]),
              (float *)(b + (size_t)off[5]), (float *)(b + (size_t)off[6]), (size_t)n, c);
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

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

NAPI_MODULE_INIT() {
  pthread_once(&g_once, choose_kernel);
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  extern int lda_native_register(napi_env env, napi_value exports); /* native/lda_native.c: ldaEStep */
  if (!lda_native_register(env, exports)) return NULL;
  return exports;
}
