/*
 * ELBO Studio's native LDA E-step: the per-document loop of src-main/engine/models/lda/kernel.ts in C, so that a
 * run on the native path does the same arithmetic in the same order (results equal to the JS kernel up to the last
 * bits of exp/log; tested in kernel-native.test.ts). Registered on the addon's exports by elbo_native.c's init.
 *
 * For one document with unique words j (counts n_j), gathered topic rows B_j [K] and θ̃_k = exp(ψ(γ_k)):
 *   z_j = Σ_k θ̃_k B_jk,   γ_k ← α_k + θ̃_k Σ_j (n_j / z_j) B_jk,
 * until mean_k |Δγ_k| < tol or maxIter sweeps (Blei, Ng & Jordan 2003 §5.2; Hoffman, Blei & Bach 2010 Alg. 2); then
 * the expected counts θ̃_k B_jk n_j / z_j (θ̃ = exp(E[log θ]) of the final γ) go into sstats [V × K], the bound terms and
 * E[log θ] are summed, and an optional second corpus is scored under θ = γ / Σγ (document completion).
 * B is dense [V × K] (word-major) or lazy: B_wk = exp(ψ(a μ_wk + η)) · exp(−ψrow_k), cached per thread with a version
 * stamp.
 * The sweep's sums use four interleaved partial sums, as the JS kernel does; compiled with -ffp-contract=off and
 * vectorised for AVX2 where the CPU has it (target_clones), which keeps that order of additions lane by lane.
 *
 * Export: ldaEStep(docPtr, wordIds, counts, docs, K, dense|null, mu|null, a, eta, psiRow|null, version, cache|null,
 *   stamp|null, alpha, maxIter, tol, init (0 prior, 1 store, 2 jitter), jitterSeed, gammaStore|null, sstats|null,
 *   touchStamp|null, touchMark, touchedOut|null, computeBound, scorePtr|null, scoreWords|null, scoreCounts|null, out)
 *   out = [docs, tokens, sweeps, bound, scoredLogLik, scoredTokens, scoredDocs, touchedCount, sumElogTheta_0..K−1].
 */
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define LDA_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LDA_CLONES
#endif

/* ---------------------------------------------------------------- special functions (special.ts, same series) */

static double digamma(double x) {
  if (!(x > 0)) {
    if (isnan(x) || x == floor(x)) return NAN;
    return digamma(1 - x) - M_PI / tan(M_PI * x);
  }
  double r = 0;
  if (x < 6) {
    if (x < 1e-8) {
      r = -1 / x;
      x += 1;
    }
    double p = 0, q = 1;
    while (x < 6) {
      p = p * x + q;
      q *= x;
      x += 1;
    }
    r -= p / q;
  }
  const double f = 1 / (x * x);
  const double t =
      f * (-1.0 / 12 +
           f * (1.0 / 120 +
                f * (-1.0 / 252 +
                     f * (1.0 / 240 +
                          f * (-1.0 / 132 +
                               f * (691.0 / 32760 + f * (-1.0 / 12 + f * (3617.0 / 8160 + f * (-43867.0 / 14364)))))))));
  return r + log(x) - 0.5 / x + t;
}

static double exp_digamma(double x) {
  if (!(x > 0)) return exp(digamma(x));
  double shift = 0;
  if (x < 6) {
    if (x < 1e-8) {
      shift = 1 / x;
      x += 1;
    }
    double p = 0, q = 1;
    while (x < 6) {
      p = p * x + q;
      q *= x;
      x += 1;
    }
    shift += p / q;
  }
  const double f = 1 / (x * x);
  const double u =
      -0.5 / x +
      f * (-1.0 / 12 +
           f * (1.0 / 120 +
                f * (-1.0 / 252 +
                     f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12 + f * (3617.0 / 8160))))))));
  const double e =
      1 + u * (1 + u * (1.0 / 2 +
                        u * (1.0 / 6 +
                             u * (1.0 / 24 +
                                  u * (1.0 / 120 +
                                       u * (1.0 / 720 + u * (1.0 / 5040 + u * (1.0 / 40320 + u / 362880))))))));
  const double base = x * e;
  return shift == 0 ? base : base * exp(-shift);
}

static const double LANCZOS[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                                  771.32342877765313,   -176.61502916214059,   12.507343278686905,
                                  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};

static double lgamma_l(double x) {
  if (x < 0.5) return log(M_PI / fabs(sin(M_PI * x))) - lgamma_l(1 - x);
  x -= 1;
  double a = LANCZOS[0];
  const double t = x + 7 + 0.5;
  for (int i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * log(2 * M_PI) + (x + 0.5) * log(t) - t + log(a);
}

static uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* ---------------------------------------------------------------- the sweep */

/* acc_k = Σ_j (n_j / z_j) rows_jk, z_j = Σ_k eth_k rows_jk (four interleaved partial sums, as kernel.ts sweep). */
LDA_CLONES
static void sweep(const double *restrict rows, const float *restrict counts, int n, int K, const double *restrict eth,
                  double *restrict acc) {
  for (int k = 0; k < K; k++) acc[k] = 0;
  const int K4 = K - (K % 4);
  for (int j = 0; j < n; j++) {
    const double *row = rows + (size_t)j * K;
    double z[4] = {1e-100, 0, 0, 0};
    int k = 0;
    for (; k < K4; k += 4) {
      z[0] += eth[k] * row[k];
      z[1] += eth[k + 1] * row[k + 1];
      z[2] += eth[k + 2] * row[k + 2];
      z[3] += eth[k + 3] * row[k + 3];
    }
    for (; k < K; k++) z[0] += eth[k] * row[k];
    const double r = (double)counts[j] / (z[0] + z[1] + z[2] + z[3]);
    for (k = 0; k < K; k++) acc[k] += r * row[k];
  }
}

/* ---------------------------------------------------------------- the E-step */

typedef struct {
  const uint32_t *docPtr, *wordIds, *docs;
  const float *counts;
  size_t nDocs;
  int K;
  const double *dense;
  const double *mu;
  double a, eta;
  const double *psiRow;
  int32_t version;
  double *cache;
  int32_t *stamp;
  const double *alpha;
  int maxIter;
  double tol;
  int init;
  uint32_t jitterSeed;
  double *gammaStore, *sstats;
  int32_t *touchStamp;
  int32_t touchMark;
  uint32_t *touchedOut;
  int computeBound;
  const uint32_t *scorePtr, *scoreWords;
  const float *scoreCounts;
  double *out;
} EStep;

static int estep(const EStep *o) {
  const int K = o->K;
  double *res = o->out;
  for (int i = 0; i < 8 + K; i++) res[i] = 0;
  double *sumElog = res + 8;
  size_t maxN = 0;
  for (size_t i = 0; i < o->nDocs; i++) {
    const uint32_t d = o->docs[i];
    const size_t n = o->docPtr[d + 1] - o->docPtr[d];
    if (n > maxN) maxN = n;
  }
  double *buf = malloc(sizeof(double) * ((size_t)K * (maxN + 5) + maxN + 1));
  if (!buf) return 0;
  double *gamma = buf, *eth = buf + K, *elog = buf + 2 * K, *acc = buf + 3 * K, *expNegPsi = buf + 4 * K;
  double *rows = buf + 5 * K;
  if (!o->dense)
    for (int k = 0; k < K; k++) expNegPsi[k] = exp(-o->psiRow[k]);
  double *ratio = rows + (size_t)K * maxN;
  double alphaSum = 0, lgAlpha = 0;
  for (int k = 0; k < K; k++) {
    alphaSum += o->alpha[k];
    lgAlpha += lgamma_l(o->alpha[k]);
  }
  const double docConst = lgamma_l(alphaSum) - lgAlpha;
  size_t touched = 0;

  for (size_t i = 0; i < o->nDocs; i++) {
    const uint32_t d = o->docs[i];
    const uint32_t a = o->docPtr[d], b = o->docPtr[d + 1];
    const int n = (int)(b - a);
    if (n == 0) continue;
    const float *cnt = o->counts + a;
    double N = 0;
    for (int j = 0; j < n; j++) {
      const uint32_t w = o->wordIds[a + j];
      double *dst = rows + (size_t)j * K;
      if (o->dense) {
        memcpy(dst, o->dense + (size_t)w * K, sizeof(double) * K);
      } else {
        double *c = o->cache + (size_t)w * K;
        if (o->stamp[w] != o->version) {
          const double *m = o->mu + (size_t)w * K;
          for (int k = 0; k < K; k++) c[k] = exp_digamma(o->a * m[k] + o->eta) * expNegPsi[k];
          o->stamp[w] = o->version;
        }
        memcpy(dst, c, sizeof(double) * K);
      }
      N += cnt[j];
    }
    if (o->init == 1 && o->gammaStore) {
      memcpy(gamma, o->gammaStore + (size_t)d * K, sizeof(double) * K);
    } else if (o->init == 2) {
      uint32_t h = fmix32(o->jitterSeed ^ (uint32_t)((d + 1u) * 0x9e3779b9u));
      for (int k = 0; k < K; k++) {
        h = fmix32(h + 0x6d2b79f5u);
        gamma[k] = 1 + 0.1 * (((double)h / 4294967296.0) * 3.4641016151377544 - 1.7320508075688772);
      }
    } else {
      const double add = N / K;
      for (int k = 0; k < K; k++) gamma[k] = o->alpha[k] + add;
    }
    for (int k = 0; k < K; k++) eth[k] = exp_digamma(gamma[k]);

    int it = 0;
    for (; it < o->maxIter; it++) {
      sweep(rows, cnt, n, K, eth, acc);
      double change = 0;
      for (int k = 0; k < K; k++) {
        const double g = o->alpha[k] + eth[k] * acc[k];
        change += fabs(g - gamma[k]);
        gamma[k] = g;
      }
      for (int k = 0; k < K; k++) eth[k] = exp_digamma(gamma[k]);
      if (change / K < o->tol) {
        it++;
        break;
      }
    }
    res[2] += it;
    {
      double s = 0;
      for (int k = 0; k < K; k++) s += gamma[k];
      const double ps = digamma(s);
      for (int k = 0; k < K; k++) {
        const double e = digamma(gamma[k]) - ps;
        elog[k] = e;
        eth[k] = exp(e);
      }
    }
    double ll = 0;
    for (int j = 0; j < n; j++) {
      const double *row = rows + (size_t)j * K;
      double z = 1e-100;
      for (int k = 0; k < K; k++) z += eth[k] * row[k];
      const double c = cnt[j];
      ratio[j] = c / z;
      ll += c * log(z);
    }
    if (o->sstats) {
      for (int j = 0; j < n; j++) {
        const uint32_t w = o->wordIds[a + j];
        double *s = o->sstats + (size_t)w * K;
        const double *row = rows + (size_t)j * K;
        const double r = ratio[j];
        for (int k = 0; k < K; k++) s[k] += eth[k] * r * row[k];
        if (o->touchStamp && o->touchStamp[w] != o->touchMark) {
          o->touchStamp[w] = o->touchMark;
          o->touchedOut[touched++] = w;
        }
      }
    }
    if (o->computeBound) {
      double gs = 0, t = 0;
      for (int k = 0; k < K; k++) {
        const double g = gamma[k];
        gs += g;
        t += (o->alpha[k] - g) * elog[k] + lgamma_l(g);
      }
      res[3] += ll + t - lgamma_l(gs) + docConst;
    }
    for (int k = 0; k < K; k++) sumElog[k] += elog[k];
    if (o->gammaStore) memcpy(o->gammaStore + (size_t)d * K, gamma, sizeof(double) * K);
    res[0] += 1;
    res[1] += N;

    if (o->scorePtr && o->dense) {
      const uint32_t sa = o->scorePtr[d], sb = o->scorePtr[d + 1];
      if (sb > sa) {
        double gs = 0;
        for (int k = 0; k < K; k++) gs += gamma[k];
        for (uint32_t j = sa; j < sb; j++) {
          const double *row = o->dense + (size_t)o->scoreWords[j] * K;
          double p = 0;
          for (int k = 0; k < K; k++) p += gamma[k] * row[k];
          const double c = o->scoreCounts[j];
          res[4] += c * log(p / gs);
          res[5] += c;
        }
        res[6] += 1;
      }
    }
  }
  res[7] = (double)touched;
  free(buf);
  return 1;
}

/* ---------------------------------------------------------------- Node-API glue */

#define LDA_CHECK(call)                                                                                                \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, NULL, "elbo_native.ldaEStep: Node-API call failed: " #call);                             \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

/* The data of typed array argument i of the expected type and at least `min` elements, or NULL (null/undefined
 * allowed when `optional`); *ok = 0 after throwing. */
static __thread size_t t_len; /* length of the array typed() last returned */
static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t min, int optional, int i, int *ok) {
  t_len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) {
    *ok = 0;
    return NULL;
  }
  if (t == napi_null || t == napi_undefined) {
    if (optional) return NULL;
    napi_throw_type_error(env, NULL, "elbo_native.ldaEStep: a required typed array is missing");
    *ok = 0;
    return NULL;
  }
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (!is || napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != want ||
      length < min) {
    char msg[128];
    snprintf(msg, sizeof msg, "elbo_native.ldaEStep: argument %d has the wrong type or is shorter than %zu", i, min);
    napi_throw_type_error(env, NULL, msg);
    *ok = 0;
    return NULL;
  }
  t_len = length;
  return data;
}

static napi_value js_lda_estep(napi_env env, napi_callback_info info) {
  size_t argc = 28;
  napi_value v[28];
  LDA_CHECK(napi_get_cb_info(env, info, &argc, v, NULL, NULL));
  if (argc != 28) {
    napi_throw_type_error(env, NULL, "elbo_native.ldaEStep expects 28 arguments");
    return NULL;
  }
  int ok = 1;
  EStep o;
  memset(&o, 0, sizeof o);
  int32_t K = 0, maxIter = 0, init = 0, version = 0, touchMark = 0;
  uint32_t seed = 0;
  bool bound = false;
  LDA_CHECK(napi_get_value_int32(env, v[4], &K));
  LDA_CHECK(napi_get_value_double(env, v[7], &o.a));
  LDA_CHECK(napi_get_value_double(env, v[8], &o.eta));
  LDA_CHECK(napi_get_value_int32(env, v[10], &version));
  LDA_CHECK(napi_get_value_int32(env, v[14], &maxIter));
  LDA_CHECK(napi_get_value_double(env, v[15], &o.tol));
  LDA_CHECK(napi_get_value_int32(env, v[16], &init));
  LDA_CHECK(napi_get_value_uint32(env, v[17], &seed));
  LDA_CHECK(napi_get_value_int32(env, v[21], &touchMark));
  LDA_CHECK(napi_get_value_bool(env, v[23], &bound));
  if (K < 1) {
    napi_throw_range_error(env, NULL, "elbo_native.ldaEStep: expected K >= 1");
    return NULL;
  }
  size_t nPtr = 0, nDocs = 0, nnz = 0;
  napi_typedarray_type ty;
  void *dummy;
  LDA_CHECK(napi_get_typedarray_info(env, v[0], &ty, &nPtr, &dummy, NULL, NULL));
  LDA_CHECK(napi_get_typedarray_info(env, v[1], &ty, &nnz, &dummy, NULL, NULL));
  LDA_CHECK(napi_get_typedarray_info(env, v[3], &ty, &nDocs, &dummy, NULL, NULL));
  o.docPtr = typed(env, v[0], napi_uint32_array, 1, 0, 0, &ok);
  if (ok) o.wordIds = typed(env, v[1], napi_uint32_array, 0, 0, 1, &ok);
  if (ok) o.counts = typed(env, v[2], napi_float32_array, nnz, 0, 2, &ok);
  if (ok) o.docs = typed(env, v[3], napi_uint32_array, 0, 0, 3, &ok);
  if (ok) o.dense = typed(env, v[5], napi_float64_array, 0, 1, 5, &ok);
  const size_t lenDense = t_len;
  if (ok) o.mu = typed(env, v[6], napi_float64_array, 0, 1, 6, &ok);
  const size_t lenMu = t_len;
  if (ok) o.psiRow = typed(env, v[9], napi_float64_array, (size_t)K, 1, 9, &ok);
  if (ok) o.cache = typed(env, v[11], napi_float64_array, 0, 1, 11, &ok);
  const size_t lenCache = t_len;
  if (ok) o.stamp = typed(env, v[12], napi_int32_array, 0, 1, 12, &ok);
  const size_t lenStamp = t_len;
  if (ok) o.alpha = typed(env, v[13], napi_float64_array, (size_t)K, 0, 13, &ok);
  if (ok) o.gammaStore = typed(env, v[18], napi_float64_array, 0, 1, 18, &ok);
  const size_t lenGamma = t_len;
  if (ok) o.sstats = typed(env, v[19], napi_float64_array, 0, 1, 19, &ok);
  const size_t lenSstats = t_len;
  if (ok) o.touchStamp = typed(env, v[20], napi_int32_array, 0, 1, 20, &ok);
  const size_t lenTouch = t_len;
  if (ok) o.touchedOut = typed(env, v[22], napi_uint32_array, 0, 1, 22, &ok);
  const size_t lenTouchedOut = t_len;
  if (ok) o.scorePtr = typed(env, v[24], napi_uint32_array, nPtr, 1, 24, &ok);
  if (ok) o.scoreWords = typed(env, v[25], napi_uint32_array, 0, 1, 25, &ok);
  const size_t lenScoreWords = t_len;
  if (ok) o.scoreCounts = typed(env, v[26], napi_float32_array, lenScoreWords, 1, 26, &ok);
  if (ok) o.out = typed(env, v[27], napi_float64_array, 8 + (size_t)K, 0, 27, &ok);
  if (!ok) return NULL;
  if (!o.dense && !(o.mu && o.psiRow && o.cache && o.stamp)) {
    napi_throw_type_error(env, NULL, "elbo_native.ldaEStep: needs dense topics or mu, psiRow, cache and stamp");
    return NULL;
  }
  if ((o.touchStamp != NULL) != (o.touchedOut != NULL)) {
    napi_throw_type_error(env, NULL, "elbo_native.ldaEStep: touchStamp and touchedOut go together");
    return NULL;
  }
  /* V from the topic arrays; every document index, pointer and word id in range of the arrays it indexes. */
  const size_t V = o.dense ? lenDense / (size_t)K : lenMu / (size_t)K;
  if ((!o.dense && (lenCache < V * K || lenStamp < V)) || (o.sstats && lenSstats < V * K) ||
      (o.touchStamp && (lenTouch < V || lenTouchedOut < V)) || (o.scorePtr && !(o.scoreWords && o.scoreCounts))) {
    napi_throw_range_error(env, NULL, "elbo_native.ldaEStep: a V-sized array is shorter than V (or K) requires");
    return NULL;
  }
  for (size_t i = 0; i < nDocs; i++) {
    const uint32_t d = o.docs[i];
    if ((size_t)d + 1 >= nPtr || o.docPtr[d] > o.docPtr[d + 1] || o.docPtr[d + 1] > nnz ||
        (o.gammaStore && ((size_t)d + 1) * K > lenGamma) ||
        (o.scorePtr && (o.scorePtr[d] > o.scorePtr[d + 1] || o.scorePtr[d + 1] > lenScoreWords))) {
      napi_throw_range_error(env, NULL, "elbo_native.ldaEStep: a document index or pointer is out of range");
      return NULL;
    }
    for (uint32_t j = o.docPtr[d]; j < o.docPtr[d + 1]; j++) {
      if (o.wordIds[j] >= V) {
        napi_throw_range_error(env, NULL, "elbo_native.ldaEStep: a word id is not below V");
        return NULL;
      }
    }
    if (o.scorePtr)
      for (uint32_t j = o.scorePtr[d]; j < o.scorePtr[d + 1]; j++)
        if (o.scoreWords[j] >= V) {
          napi_throw_range_error(env, NULL, "elbo_native.ldaEStep: a scored word id is not below V");
          return NULL;
        }
  }
  o.nDocs = nDocs;
  o.K = K;
  o.version = version;
  o.maxIter = maxIter;
  o.init = init;
  o.jitterSeed = seed;
  o.touchMark = touchMark;
  o.computeBound = bound;
  if (!estep(&o)) {
    napi_throw_error(env, NULL, "elbo_native.ldaEStep: out of memory");
    return NULL;
  }
  return NULL;
}

/* Called once from elbo_native.c's module init. */
int lda_native_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"ldaEStep", NULL, js_lda_estep, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
