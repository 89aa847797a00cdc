#!/usr/bin/env python3
"""Independent check of VmLab's statistics: no statistics library, no VmLab code.

The Welch test of log(mean B / mean A) by the delta method, its 95% ratio interval, the minimum detectable
change (alpha 0.05 two-sided, power 0.80) and Holm's adjustment, written from the textbook formulas. The t
distribution's tail is a numeric integral of its density (Simpson's rule after x = sqrt(df)·tan(θ), which turns the
infinite range into a finite one); its quantiles are found by bisection on that integral.

Inputs: the two published Welch examples (Wikipedia, "Welch's t-test") and the raw outputs of
tests/VmLab.Tests/fixtures/synthetic-run and results/reference-2023, read here with regular expressions of their
own. Run from the repository root:  python3 tests/VmLab.Tests/Statistics/independent_check.py
The output is recorded in tests/VmLab.Tests/Statistics/README.md; the tests assert those numbers.
"""
import glob
import math
import re

def t_upper_tail(t, df):
    """P(T > t) for t >= 0: the integral of the t density from t to infinity, after x = sqrt(df)·tan(θ)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    # f(x) dx = c·sqrt(df)·cos(θ)^(df-1) dθ, θ from atan(t/sqrt(df)) to π/2.
    lo, hi = math.atan(t / math.sqrt(df)), math.pi / 2
    n = 200000
    h = (hi - lo) / n
    g = lambda th: math.cos(th) ** (df - 1)
    s = g(lo) + g(hi) + sum((4 if i % 2 else 2) * g(lo + i * h) for i in range(1, n))
    return c * math.sqrt(df) * s * h / 3

def t_cdf(x, df):
    return 1 - t_upper_tail(x, df) if x >= 0 else t_upper_tail(-x, df)

def t_quantile(q, df):
    lo, hi = -200.0, 200.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2

def mean(v):
    return sum(v) / len(v)

def var(v):
    m = mean(v)
    return sum((x - m) ** 2 for x in v) / (len(v) - 1)

def log_ratio_welch(a, b):
    ma, mb, na, nb = mean(a), mean(b), len(a), len(b)
    wa, wb = var(a) / (na * ma * ma), var(b) / (nb * mb * mb)
    se = math.sqrt(wa + wb)
    df = (wa + wb) ** 2 / (wa * wa / (na - 1) + wb * wb / (nb - 1))
    t = math.log(mb / ma) / se
    p = 2 * t_upper_tail(abs(t), df)
    tq = t_quantile(0.975, df)
    low, high = math.exp(math.log(mb / ma) - tq * se), math.exp(math.log(mb / ma) + tq * se)
    mde = math.exp((tq + t_quantile(0.80, df)) * se) - 1
    return dict(ratio=mb / ma, se=se, t=t, df=df, p=p, low=low, high=high, mde=mde)

def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted

def values(pattern, regex):
    out = []
    for f in sorted(glob.glob(pattern)):
        out.append(float(re.search(regex, open(f).read(), re.M).group(1)))
    return out

SYN = "tests/VmLab.Tests/fixtures/synthetic-run/raw"
HACK = r"^Time: ([0-9.]+)"
RR = r"^\d+\s+\d+\s+\d+\s+\d+\s+[0-9.]+\s+([0-9.]+)\s*$"
AB_TOTAL = r"^Total:\s+\d+\s+(\d+)"
REF = "results/reference-2023/raw"

cases = [
    ("welch-example-1", [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
     [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]),
    ("welch-example-2", [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
     [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8]),
    ("synthetic Q1 hackbench time_s baseline -> guest-up", values(f"{SYN}/baseline/hackbench/*.txt", HACK), values(f"{SYN}/guest-up/hackbench/*.txt", HACK)),
    ("synthetic Q3 netperf TCP_RR transactions_per_s baseline -> guest-vhost-off", values(f"{SYN}/baseline/netperf/*.txt", RR), values(f"{SYN}/guest-vhost-off/netperf/*.txt", RR)),
    ("synthetic Q4 hackbench time_s host -> baseline", values(f"{SYN}/host/hackbench/*.txt", HACK), values(f"{SYN}/baseline/hackbench/*.txt", HACK)),
    ("reference-2023 Q2 ab total_mean q2-baseline -> q2-guest-thp-never", values(f"{REF}/q2-baseline/ab/*.txt", AB_TOTAL), values(f"{REF}/q2-guest-thp-never/ab/*.txt", AB_TOTAL)),
]

results = {}
for name, a, b in cases:
    r = log_ratio_welch(a, b)
    results[name] = r
    print(f"{name}: A={a} B={b}")
    print(f"  ratio={r['ratio']:.6f} t={r['t']:.6f} df={r['df']:.6f} p={r['p']:.6f} "
          f"ci=[{r['low']:.6f}, {r['high']:.6f}] mde=+{100 * r['mde']:.4f}%")

syn = [n for n, _, _ in cases if n.startswith("synthetic")]
print("Holm over the three synthetic comparisons as one family:")
for n, adj in zip(syn, holm([results[n]["p"] for n in syn])):
    print(f"  {n}: p={results[n]['p']:.6f} holm={adj:.6f}")

five = [n for n, _, _ in cases if not n.startswith("reference")]
print("Holm over the two Welch examples and the three synthetic comparisons as one family:")
for n, adj in zip(five, holm([results[n]["p"] for n in five])):
    print(f"  {n}: p={results[n]['p']:.6f} holm={adj:.6f}")

print("Holm textbook check, p = [0.01, 0.04, 0.03, 0.005]:", [round(x, 6) for x in holm([0.01, 0.04, 0.03, 0.005])])

# The interval at the family's level (Bonferroni, 1 - 0.05/5 in the family of five above) for Welch example 1, the
# comparison significant alone but not after Holm's adjustment; the report gives it beside the answer.
r = results["welch-example-1"]
tq = t_quantile(1 - 0.05 / (2 * 5), r["df"])
print(f"welch-example-1 at the family's level (99% CI, Bonferroni, family of 5): "
      f"[{r['ratio'] * math.exp(-tq * r['se']):.6f}, {r['ratio'] * math.exp(tq * r['se']):.6f}]")
