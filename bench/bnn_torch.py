"""PyTorch peer of `npm run bench -- bnn`: Bayes by Backprop (Blundell et al. 2015) on the Hernandez-Lobato & Adams
(2015) protocol, with the splits ELBO Studio used in the same bench run.

    python3 bench/bnn_torch.py --input splits.json --threads 1 [--lrt]

The input JSON (written by bench/bnn.ts) holds the raw table and the split indices:
    {"x": [[...row...], ...], "binary": [false, ...], "y": [...], "splits": [{"train": [...], "test": [...]}, ...],
     "hidden": 50, "epochs": 300, "batch": 32, "lr": 0.001, "samples": 200, "priorScale": 1, "initScale": 0.01,
     "noiseInit": 0.5, "seed": 1}
Per split: numeric inputs and the target standardised on the training rows (population sd; 0/1 columns kept as
they are, as ELBO Studio encodes them), a mean-field Gaussian over every weight and bias (sigma = softplus(rho),
means He-initialised, sigma initialised to initScale), prior N(0, priorScale^2) with the KL in closed form, a learned
Gaussian noise sd (softplus, initialised to noiseInit in standardised units), per-datum loss
    -(1/B) sum_b log N(y_b; f_w(x_b), s^2) + KL(q || p) / N,
one weight draw per step (--lrt: the local reparameterisation trick instead, as ELBO Studio's mean-field layers),
Adam(lr) over shuffled minibatches for `epochs` epochs, then `samples` weight draws for the predictive: test RMSE of
the predictive mean and test log-likelihood (1/n) sum_i log (1/S) sum_s N(y_i; f_s(x_i), s^2), both in the target's
original units. Prints one JSON line: per-split metrics, wall and CPU seconds (training + prediction) per split.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def inverse_softplus(y):
    return math.log(math.expm1(y))


class MeanFieldLinear(torch.nn.Module):
    def __init__(self, i, o, init_scale, lrt):
        super().__init__()
        self.w_mu = torch.nn.Parameter(torch.randn(i, o) * math.sqrt(2.0 / i))
        self.w_rho = torch.nn.Parameter(torch.full((i, o), inverse_softplus(init_scale)))
        self.b_mu = torch.nn.Parameter(torch.zeros(o))
        self.b_rho = torch.nn.Parameter(torch.full((o,), inverse_softplus(init_scale)))
        self.lrt = lrt

    def forward(self, x):
        w_sd = F.softplus(self.w_rho)
        b_sd = F.softplus(self.b_rho)
        if self.lrt:
            gamma = torch.addmm(self.b_mu, x, self.w_mu)
            delta = torch.addmm(b_sd * b_sd, x * x, w_sd * w_sd)
            return gamma + delta.sqrt() * torch.randn_like(gamma)
        w = self.w_mu + w_sd * torch.randn_like(w_sd)
        b = self.b_mu + b_sd * torch.randn_like(b_sd)
        return torch.addmm(b, x, w)

    def kl(self, prior_scale):
        total = 0.0
        for mu, rho in ((self.w_mu, self.w_rho), (self.b_mu, self.b_rho)):
            s = F.softplus(rho)
            total = total + torch.sum(
                math.log(prior_scale) - torch.log(s) + (s * s + mu * mu) / (2 * prior_scale**2) - 0.5
            )
        return total

    def sample(self, S):
        """S weight draws: W [S, I, O], b [S, 1, O]."""
        w = self.w_mu + F.softplus(self.w_rho) * torch.randn((S,) + tuple(self.w_mu.shape))
        b = self.b_mu + F.softplus(self.b_rho) * torch.randn((S,) + tuple(self.b_mu.shape))
        return w, b.unsqueeze(1)


class Bnn(torch.nn.Module):
    def __init__(self, d, hidden, init_scale, noise_init, lrt):
        super().__init__()
        self.l1 = MeanFieldLinear(d, hidden, init_scale, lrt)
        self.l2 = MeanFieldLinear(hidden, 1, init_scale, lrt)
        self.noise_rho = torch.nn.Parameter(torch.tensor(inverse_softplus(noise_init)))

    def forward(self, x):
        return self.l2(F.relu(self.l1(x))).squeeze(-1)

    def kl(self, prior_scale):
        return self.l1.kl(prior_scale) + self.l2.kl(prior_scale)

    def noise_sd(self):
        return F.softplus(self.noise_rho)


def standardise(x, y, binary, train):
    xt = x[train]
    mean = xt.mean(0)
    sd = xt.std(0, unbiased=False)
    sd = torch.where(sd > 1e-12, sd, torch.ones_like(sd))
    keep = torch.tensor(binary, dtype=torch.bool)
    mean = torch.where(keep, torch.zeros_like(mean), mean)
    sd = torch.where(keep, torch.ones_like(sd), sd)
    my = float(y[train].mean())
    sy = float(y[train].std(unbiased=False))
    return (x - mean) / sd, (y - my) / sy, my, sy


def fit_split(cfg, x_raw, y_raw, split, seed, lrt):
    torch.manual_seed(seed)
    train = torch.tensor(split["train"], dtype=torch.long)
    test = torch.tensor(split["test"], dtype=torch.long)
    x, y, my, sy = standardise(x_raw, y_raw, cfg["binary"], train)
    xtr, ytr = x[train], y[train]
    n = xtr.shape[0]
    B = min(cfg["batch"], n)
    model = Bnn(x.shape[1], cfg["hidden"], cfg["initScale"], cfg["noiseInit"], lrt)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    prior = cfg["priorScale"]
    for _ in range(cfg["epochs"]):
        perm = torch.randperm(n)
        for s in range(0, n, B):
            idx = perm[s : s + B]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=True)
            sigma = model.noise_sd()
            r = yb - model(xb)
            nll = 0.5 * math.log(2 * math.pi) + torch.log(sigma) + 0.5 * torch.mean(r * r) / (sigma * sigma)
            loss = nll + model.kl(prior) / n
            loss.backward()
            opt.step()
    with torch.no_grad():
        S = cfg["samples"]
        xt = x[test]
        w1, b1 = model.l1.sample(S)
        w2, b2 = model.l2.sample(S)
        mu = torch.baddbmm(b2, F.relu(torch.baddbmm(b1, xt.expand(S, -1, -1), w1)), w2).squeeze(-1)  # [S, n]
        sigma = float(model.noise_sd())
        yt = y_raw[test]
        pred = my + sy * mu.mean(0)
        rmse = float(torch.sqrt(torch.mean((pred - yt) ** 2)))
        z = (y[test] - mu) / sigma
        logp = -0.5 * math.log(2 * math.pi) - math.log(sigma) - 0.5 * z * z
        ll = float(torch.mean(torch.logsumexp(logp, 0) - math.log(S))) - math.log(sy)
    return {"rmse": rmse, "logLik": ll, "noiseSd": sigma * sy}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lrt", action="store_true", help="local reparameterisation trick instead of weight draws")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.input) as f:
        cfg = json.load(f)
    x = torch.tensor(cfg["x"], dtype=torch.float32)
    y = torch.tensor(cfg["y"], dtype=torch.float32)
    per = []
    for i, split in enumerate(cfg["splits"]):
        w0, c0 = time.perf_counter(), time.process_time()
        m = fit_split(cfg, x, y, split, cfg["seed"] + i, a.lrt)
        m["seconds"] = time.perf_counter() - w0
        m["cpuSeconds"] = time.process_time() - c0
        per.append(m)
    k = len(per)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "estimator": "lrt" if a.lrt else "weights",
                "splits": k,
                "perSplit": per,
                "secondsPerSplit": sum(m["seconds"] for m in per) / k,
                "cpuSecondsPerSplit": sum(m["cpuSeconds"] for m in per) / k,
            }
        )
    )


if __name__ == "__main__":
    main()
