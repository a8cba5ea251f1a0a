"""Peers of `npm run bench -- lda`: scikit-learn's online LatentDirichletAllocation and gensim's LdaModel, fitted on
the very corpus ELBO Studio prepared (bench/lda.ts writes it), with the same K, alpha, eta, tau0, kappa, batch size,
passes and E-step rule (mean |delta gamma| < tol, at most max_iter sweeps per document: both libraries use that rule).

    python3 bench/lda_peers.py --corpus DIR --peer sklearn|gensim --out lambda.f64

DIR holds meta.json and the training documents as CSR arrays (train_docptr.u32, train_words.u32, train_counts.f32).
Writes the fitted topics lambda [K x V] (topic-major, float64 little-endian) to --out, so held-out perplexity is
computed by ELBO Studio's own code on every library's topics (one definition), and prints one JSON line: process CPU
seconds (time.process_time: every thread of the process) and wall seconds per pass, the library's version and the
BLAS numpy runs on. Run with OPENBLAS_NUM_THREADS=1 (bench/lda.ts sets it) for the single-thread comparison.
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def load(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    ptr = np.fromfile(os.path.join(d, "train_docptr.u32"), dtype="<u4").astype(np.int64)
    words = np.fromfile(os.path.join(d, "train_words.u32"), dtype="<u4").astype(np.int32)
    counts = np.fromfile(os.path.join(d, "train_counts.f32"), dtype="<f4").astype(np.float64)
    return meta, ptr, words, counts


def blas():
    try:
        return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    except OSError:
        return "unknown"


def run_sklearn(meta, ptr, words, counts, seed):
    import scipy.sparse as sp
    import sklearn
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.utils import gen_batches
    from sklearn.utils.parallel import Parallel

    D = len(ptr) - 1
    X = sp.csr_matrix((counts, words, ptr), shape=(D, meta["V"]))
    lda = LatentDirichletAllocation(
        n_components=meta["K"],
        doc_topic_prior=meta["alpha"],
        topic_word_prior=meta["eta"],
        learning_method="online",
        learning_decay=meta["kappa"],
        learning_offset=meta["tau0"],
        batch_size=meta["batchSize"],
        max_iter=meta["passes"],
        total_samples=D,
        mean_change_tol=meta["tol"],
        max_doc_update_iter=meta["maxIter"],
        evaluate_every=-1,
        n_jobs=1,
        random_state=seed,
    )
    if not all(hasattr(lda, m) for m in ("_check_non_neg_array", "_init_latent_vars", "_em_step")):
        # Another scikit-learn: its public fit, timed whole (the per-pass figures are then the mean of the passes).
        c0, w0 = time.process_time(), time.perf_counter()
        lda.fit(X)
        c, w = time.process_time() - c0, time.perf_counter() - w0
        P = meta["passes"]
        return lda.components_, [c / P] * P, [w / P] * P, (0.0, 0.0), f"scikit-learn {sklearn.__version__}", False
    # LatentDirichletAllocation.fit's online loop (scikit-learn 1.2), one pass at a time so each is timed.
    cpu = []
    wall = []
    c0, w0 = time.process_time(), time.perf_counter()
    X = lda._check_non_neg_array(X, reset_n_features=True, whom="LatentDirichletAllocation.fit")
    lda._init_latent_vars(X.shape[1], dtype=X.dtype)
    setup = (time.process_time() - c0, time.perf_counter() - w0)
    with Parallel(n_jobs=1) as parallel:
        for _ in range(meta["passes"]):
            c0, w0 = time.process_time(), time.perf_counter()
            for s in gen_batches(D, meta["batchSize"]):
                lda._em_step(X[s, :], total_samples=D, batch_update=False, parallel=parallel)
            lda.n_iter_ += 1
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return lda.components_, cpu, wall, setup, f"scikit-learn {sklearn.__version__}", True


def run_gensim(meta, ptr, words, counts, seed):
    import gensim
    from gensim.models import LdaModel

    D = len(ptr) - 1
    corpus = [
        list(zip(words[ptr[d] : ptr[d + 1]].tolist(), counts[ptr[d] : ptr[d + 1]].tolist())) for d in range(D)
    ]
    id2word = {i: str(i) for i in range(meta["V"])}
    K = meta["K"]
    c0, w0 = time.process_time(), time.perf_counter()
    model = LdaModel(
        id2word=id2word,
        num_topics=K,
        alpha=np.full(K, meta["alpha"]),
        eta=meta["eta"],
        decay=meta["kappa"],
        offset=meta["tau0"],
        chunksize=meta["batchSize"],
        passes=1,
        iterations=meta["maxIter"],
        gamma_threshold=meta["tol"],
        update_every=1,
        eval_every=None,
        random_state=seed,
        dtype=np.float64,
    )
    setup = (time.process_time() - c0, time.perf_counter() - w0)
    # One update() call with all passes, as LdaModel(corpus, passes=P) runs it (gensim's ρ depends on the pass
    # index inside the call), so the per-pass figures are the mean of the passes.
    c0, w0 = time.process_time(), time.perf_counter()
    model.update(corpus, passes=meta["passes"], chunks_as_numpy=False)
    c, w = time.process_time() - c0, time.perf_counter() - w0
    P = meta["passes"]
    return model.state.get_lambda(), [c / P] * P, [w / P] * P, setup, f"gensim {gensim.__version__}", False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--peer", choices=["sklearn", "gensim"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    meta, ptr, words, counts = load(a.corpus)
    run = run_sklearn if a.peer == "sklearn" else run_gensim
    lam, cpu, wall, setup, version, per_pass = run(meta, ptr, words, counts, a.seed)
    lam = np.ascontiguousarray(lam, dtype="<f8")
    if lam.shape != (meta["K"], meta["V"]):
        sys.exit(f"expected lambda of shape {(meta['K'], meta['V'])}, got {lam.shape}")
    lam.tofile(a.out)
    print(
        json.dumps(
            {
                "peer": a.peer,
                "version": version,
                "cpuSecondsPerPass": cpu,
                "secondsPerPass": wall,
                "perPassMeasured": per_pass,
                "setupCpuSeconds": setup[0],
                "blas": blas(),
                "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
