#!/usr/bin/env python3
"""Where a guest boot's fixed cost goes (issue 24, item 5; docs/PROTOCOL.md, "Time line"): from a run's units.json
time lines (L0's stamps of L1's markers, in seconds since QEMU started) and each L2 console's own markers (L2's
uptime), the mean seconds per part over the run's guest boots, and the host boots' total:
  L1 boot (READY), L1 setup (to l2-start, then bridged), L2's QEMU start (L1's span minus L2's uptime at serving),
  L2 kernel boot (READY), L2 setup (to suites), L2 unit edges (each CPU unit's time outside its own seconds, with its
  output sent), L2 servers (after the last unit to serving), L0 clients' edges (time between clients outside their
  own), stop (go to QEMU's exit).
  python3 lab/boot-cost.py results/<run>"""
import json, re, statistics, sys

run = sys.argv[1]
boots = json.load(open(f'{run}/units.json'))['boots']
boots = list(boots.values()) if isinstance(boots, dict) else boots
parts, hosts, n = {}, [], {}
def add(name, value): parts.setdefault(name, []).append(value)
for number, boot in enumerate(boots, 1):
    t = {}
    for e in boot['timeline']:
        t.setdefault(e['event'], e['seconds'])
    if boot['scenario'] == 'host':
        hosts.append(boot['seconds']); continue
    n[boot['scenario']] = n.get(boot['scenario'], 0) + 1
    console = f"{run}/raw/{boot['scenario']}/console-{number}-l2-1.log"
    try:
        text = open(console, errors='replace').read()
    except FileNotFoundError:
        continue
    up = {m[0]: float(m[1]) for m in re.findall(r'@@VMLAB:(?:PHASE )?(READY|suites|servers|serving)\b.*?uptime=([\d.]+)', text)}
    units = [(float(s), float(u)) for s, u in re.findall(r'STATUS \S+ rc=\d+ seconds=([\d.]+) uptime=([\d.]+)', text)]
    add('L1 boot', t['ready l1'])
    add('L1 setup', t['bridged'] - t['ready l1'])
    add("L2's QEMU start", t['l2-serving'] - t['l2-start'] - up['serving'])
    add('L2 kernel boot', up['READY'])
    add('L2 setup', up['suites'] - up['READY'])
    edge, last = 0.0, up['suites']
    for seconds, uptime in units:
        edge += uptime - last - seconds; last = uptime
    add('L2 unit edges', edge)
    add('L2 servers', up['serving'] - last)
    clients = [e for e in boot['timeline'] if e['event'].startswith('client ')]
    own = sum(b['seconds'] - a['seconds'] for a, b in zip(clients[::2], clients[1::2]))
    add("L0 clients' edges", t['go'] - t['serve l2'] - own if clients else 0.0)
    add('stop', t['exit'] - t['go'])
total = 0.0
print(f'{run}: {sum(n.values())} guest boots')
for name, values in parts.items():
    mean = statistics.fmean(values); total += mean
    print(f'  {name:20s} {mean:5.1f} s  ({min(values):.1f}-{max(values):.1f})')
print(f'  {"sum":20s} {total:5.1f} s')
if hosts: print(f'host boots: {len(hosts)}')
