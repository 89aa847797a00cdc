#!/usr/bin/python3
"""Independent check of VmLab's block test (BlockTest) with scipy and statsmodels, on the committed runs.

For every lab run under results/ (one with a seeded order: repeat blocks) and each of its questions, each suite
output's headline metric is compared block by block, written from the textbook, with no VmLab code:
  * scipy.stats.ttest_rel on the blocks' mean log values of B and of A (the paired t-test, df = k - 1);
  * statsmodels OLS  log y ~ C(scenario) + C(block)  (block as a fixed factor): its scenario coefficient, standard
    error, residual df and p must equal the paired test's (the within-block estimator with two scenarios);
  * statsmodels MixedLM  log y ~ C(scenario), block random (REML), printed for the record: with one value per
    scenario and block it gives the same estimate, and the same standard error unless the block variance is
    estimated at its boundary (0).
Units are taken as VmLab reads them: recognised outputs of the scenario (valid or not: invalid data make the verdict
inconclusive, the numbers are still shown); a unit's block is its repeat number; only blocks with both scenarios count.
The probe covariate (d_b regressed on the difference of the boots' log L1 probe rates, df = k - 2; the same as OLS
log y ~ C(scenario) + C(block) + log probe) is checked on blocks_covariate.json, whose blocks are 6 of this form
(the one committed run with probed blocks, 2026-12-07-quick-s20261209, has only 3: one df left after the covariate).

Run from the repository root with Debian's python3-scipy and python3-statsmodels:
    /usr/bin/python3 tests/VmLab.Tests/Statistics/blocks_check.py > tests/VmLab.Tests/Statistics/blocks_check.txt
BlockCheckTests compares VmLab's numbers with blocks_check.txt.
"""
import glob
import json
import math
import os
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.stats
import statsmodels
import statsmodels.formula.api as smf

HEADLINE = {  # the catalog's headline per suite output (docs/SUITES.md)
    ("hackbench", "process"): "time_s",
    ("kernbench", ""): "elapsed_s",
    ("netperf", "TCP_RR"): "transactions_per_s",
    ("netperf", "TCP_STREAM"): "throughput_mbps",
    ("ab", ""): "requests_per_s",
    ("unixbench", ""): "index_score",
}
QUESTIONS = [("Q1", "baseline", "guest-up"), ("Q2", "baseline", "guest-thp-never"), ("Q3", "baseline", "guest-vhost-off"), ("Q4", "host", "baseline")]


def workload(unit):
    return " ".join(v for k, v in sorted(unit["metrics"].items()) if isinstance(v, str))


def paired(d):
    """The paired test from the blocks' differences d (scipy: one-sample t of d against 0)."""
    res = scipy.stats.ttest_1samp(d, 0.0)
    k = len(d)
    se = np.std(d, ddof=1) / math.sqrt(k)
    q = scipy.stats.t.ppf(0.975, k - 1)
    return np.mean(d), se, res.statistic, k - 1, res.pvalue, q


def fmt(x):
    return f"{x:.10g}"


def check_run(run_dir):
    manifest = json.load(open(os.path.join(run_dir, "manifest.json")))
    if manifest.get("seed") is None:
        return
    results = json.load(open(os.path.join(run_dir, "results.json")))
    questions = [(c["question"], c["a"], c["b"]) for c in manifest.get("comparisons", [])] or QUESTIONS
    units = [u for u in results["units"] if u["unrecognised_reason"] is None and u["suite"] != "console"]
    run_id = os.path.basename(run_dir)
    for q, a, b in questions:
        for (suite, load), metric in HEADLINE.items():
            rows = [(u["scenario"], u["repeat"], u["metrics"].get(metric)) for u in units
                    if u["suite"] == suite and workload(u) == load and u["scenario"] in (a, b)]
            rows = [r for r in rows if isinstance(r[2], (int, float))]
            blocks = sorted({r[1] for r in rows if r[0] == a} & {r[1] for r in rows if r[0] == b}, key=int)
            if len(blocks) < 2 or any(r[2] <= 0 for r in rows if r[1] in blocks):
                continue
            df = pd.DataFrame([{"scen": int(s == b), "block": blk, "y": math.log(v)} for s, blk, v in rows if blk in blocks])
            means = df.groupby(["block", "scen"])["y"].mean().unstack()
            d = (means[1] - means[0]).loc[blocks].to_numpy()
            if np.all(d == d[0]):
                continue
            est, se, t, dof, p, qt = paired(d)
            rel = scipy.stats.ttest_rel(means[1].loc[blocks], means[0].loc[blocks])
            ols = smf.ols("y ~ C(scen) + C(block)", data=df).fit()
            b_ols, se_ols = ols.params["C(scen)[T.1]"], ols.bse["C(scen)[T.1]"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mixed = smf.mixedlm("y ~ C(scen)", data=df, groups=df["block"]).fit(reml=True)
            label = f"{suite} {load}".strip()
            print(f"run={run_id} q={q} a={a} b={b} output={label.replace(' ', '_')} metric={metric} k={len(blocks)} "
                  f"ratio={fmt(math.exp(est))} lo={fmt(math.exp(est - qt * se))} hi={fmt(math.exp(est + qt * se))} "
                  f"t={fmt(t)} df={dof} p={fmt(p)} ttest_rel_p={fmt(rel.pvalue)} "
                  f"ols_ratio={fmt(math.exp(b_ols))} ols_se={fmt(se_ols)} ols_df={int(ols.df_resid)} ols_p={fmt(ols.pvalues['C(scen)[T.1]'])} "
                  f"mixedlm_ratio={fmt(math.exp(mixed.params['C(scen)[T.1]']))} mixedlm_se={fmt(mixed.bse['C(scen)[T.1]'])}")


def check_covariate(path):
    data = json.load(open(path))
    rows = []
    for blk in data["blocks"]:
        rows.append({"block": blk["block"], "scen": 0, "y": math.log(blk["a"]), "x": math.log(blk["probe_a"])})
        rows.append({"block": blk["block"], "scen": 1, "y": math.log(blk["b"]), "x": math.log(blk["probe_b"])})
    df = pd.DataFrame(rows)
    fit = smf.ols("y ~ C(scen) + C(block) + x", data=df).fit()
    b, se, dof = fit.params["C(scen)[T.1]"], fit.bse["C(scen)[T.1]"], int(fit.df_resid)
    qt = scipy.stats.t.ppf(0.975, dof)
    print(f"covariate={os.path.basename(path)} k={len(data['blocks'])} ratio={fmt(math.exp(b))} lo={fmt(math.exp(b - qt * se))} "
          f"hi={fmt(math.exp(b + qt * se))} t={fmt(fit.tvalues['C(scen)[T.1]'])} df={dof} p={fmt(fit.pvalues['C(scen)[T.1]'])} slope={fmt(fit.params['x'])}")


if __name__ == "__main__":
    print(f"# scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    for run_dir in sorted(glob.glob("results/*/")):
        if os.path.exists(os.path.join(run_dir, "results.json")):
            check_run(run_dir.rstrip("/"))
    check_covariate("tests/VmLab.Tests/Statistics/blocks_covariate.json")
