#!/usr/bin/env python3
"""What the counters cost (lab/counters-ab.sh): pairs each valid headline output of the counters-on run with the
counters-off run's output of the same scenario, suite and block, and prints per suite the geometric mean of the
on/off ratios with a t interval over the pairs (scipy, Debian's python3-scipy); then each boot's fixed cost (time
outside the units, from the runs' logs/lab.log), on against off, guest scenarios and host apart.
  python3 lab/counters-ab.py results/<id>-on results/<id>-off"""
import json, math, re, statistics, sys
from scipy import stats

HEADLINE = {'hackbench': 'time_s', 'kernbench': 'elapsed_s', 'ab': 'requests_per_s',
            'unixbench': 'dhrystone_2_using_register_variables_index'}

def outputs(run):
    for u in json.load(open(f'{run}/results.json'))['units']:
        if u['suite'] in HEADLINE or u['suite'] == 'netperf':
            m = u['metrics']
            if u['suite'] == 'netperf':
                name, value = 'netperf ' + m['test'], m.get('throughput_mbps') or m.get('transactions_per_s')
            else:
                name, value = u['suite'], m.get(HEADLINE[u['suite']])
            if u['valid'] and value:
                yield (u['scenario'], name, u['repeat']), value

def fixed_costs(run):
    block = scenario = None
    for line in open(f'{run}/logs/lab.log'):
        if m := re.search(r'boot \d+/\d+ \(#\d+\): block (\d+), ([\w-]+):', line):
            block, scenario = m.groups()
        elif m := re.search(r'boot #\d+: [\d.]+ s, units [\d.]+ s, fixed cost ([\d.]+) s', line):
            yield (block, scenario), float(m.group(1))

def interval(logs):
    n = len(logs); mean = statistics.fmean(logs); sd = statistics.stdev(logs)
    h = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return n, math.exp(mean), math.exp(mean - h), math.exp(mean + h), stats.ttest_1samp(logs, 0).pvalue

on_run, off_run = sys.argv[1:3]
on, off = dict(outputs(on_run)), dict(outputs(off_run))
by_suite = {}
for key, value in on.items():
    if key in off:
        by_suite.setdefault(key[1], []).append(math.log(value / off[key]))
print(f'headline outputs, on/off ({on_run} against {off_run}):')
for suite, logs in sorted(by_suite.items()):
    n, ratio, low, high, p = interval(logs)
    print(f'  {suite:20s} pairs {n:2d}  on/off {ratio:.3f}  95% CI {low:.3f}-{high:.3f}  p {p:.2f}')
fon, foff = dict(fixed_costs(on_run)), dict(fixed_costs(off_run))
print('fixed cost per boot (s), on against off:')
for kind, pick in (('guest', lambda s: s != 'host'), ('host', lambda s: s == 'host')):
    keys = [k for k in fon if k in foff and pick(k[1])]
    d = [fon[k] - foff[k] for k in keys]
    print(f'  {kind:5s} boots {len(keys)}  on {statistics.fmean(fon[k] for k in keys):.1f}  off {statistics.fmean(foff[k] for k in keys):.1f}'
          f'  difference {statistics.fmean(d):+.1f} (sd {statistics.stdev(d):.1f})')
