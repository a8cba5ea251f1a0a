"""PyTorch peer of `npm run bench -- vae`: the canonical VAE of REFERENCE.md (784-400-20, ReLU, Bernoulli likelihood
on grey levels / 255, analytic KL, Adam 1e-3, batch 128), one epoch of the 60,000 Fashion-MNIST training images.

    python3 bench/vae_torch.py --threads 1 [--images /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz]

Prints one JSON line: seconds per epoch (optimiser steps only, after 20 warm-up steps), ms per step, threads, the
BLAS torch runs on, and the train ELBO per image after the epoch. Called by bench/vae.ts side by side with ELBO
Studio's own epoch; runnable alone.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_images(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit(f"{path}: not an idx3 image file (magic {magic})")
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(n, rows * cols).astype(np.float32) / 255.0


def blas():
    lib = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    try:
        return os.path.realpath(lib)
    except OSError:
        return "unknown"


class Vae(torch.nn.Module):
    def __init__(self, d=784, h=400, z=20):
        super().__init__()
        self.e = torch.nn.Linear(d, h)
        self.mu = torch.nn.Linear(h, z)
        self.lv = torch.nn.Linear(h, z)
        self.d1 = torch.nn.Linear(z, h)
        self.out = torch.nn.Linear(h, d)

    def loss(self, x):
        h = F.relu(self.e(x))
        mu, lv = self.mu(h), self.lv(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        logits = self.out(F.relu(self.d1(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp())
        return (rec + kl) / x.shape[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--images", default="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rows", type=int, default=0, help="use the first N images only (a quick check; 0 = all)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    path = a.images if os.path.exists(a.images) else a.images[:-3]
    x = torch.from_numpy(read_images(path))
    if a.rows > 0:
        x = x[: a.rows]
    n = x.shape[0]
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb):
        opt.zero_grad(set_to_none=True)
        loss = model.loss(xb)
        loss.backward()
        opt.step()
        return loss

    for i in range(20):  # warm-up (allocator, threads)
        step(x[i * 128 : (i + 1) * 128])
    perm = torch.randperm(n)
    steps = 0
    t0 = time.perf_counter()
    for s in range(0, n, 128):
        step(x[perm[s : s + 128]])
        steps += 1
    sec = time.perf_counter() - t0
    with torch.no_grad():
        elbo = -float(model.loss(x[:10000]))
    print(
        json.dumps(
            {
                "secondsPerEpoch": sec,
                "msPerStep": 1000 * sec / steps,
                "steps": steps,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "blas": blas(),
                "trainElbo": elbo,
            }
        )
    )


if __name__ == "__main__":
    main()
