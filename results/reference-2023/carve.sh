#!/usr/bin/env bash
# Rebuilds raw/ of the reference run from the 2023 study, byte for byte: each block is `sed -n 'A,Bp'` of the seed.
# The line ranges are the ones of tests/VmLab.Tests/fixtures/seed-2023/README.md; the author's own annotation
# lines ("# for 1 cpu", "# vhost on") name the scenario and are not copied.
# Usage: results/reference-2023/carve.sh [path/to/000_3c724d184192970a.txt]   (then: vmlab parse-run results/reference-2023)
set -euo pipefail
seed=${1:-../shared/seeds/000_3c724d184192970a.txt}
here=$(cd "$(dirname "$0")" && pwd)
carve() { # carve <first> <last> <raw path>
  mkdir -p "$here/raw/$(dirname "$3")"
  sed -n "$1,$2p" "$seed" > "$here/raw/$3"
}
rm -rf "$here/raw"
# Q1: SMP (2 vCPU) vs UP (1 vCPU); hackbench 50 groups and kernbench, then hackbench 15 groups, then a 4-vCPU guest
carve 42 43   q1-baseline/hackbench/1.txt
carve 93 98   q1-baseline/kernbench/1.txt
carve 39 40   q1-guest-up/hackbench/1.txt
carve 86 91   q1-guest-up/kernbench/1.txt
carve 51 51   q1-unattributed/console-hackbench-50.log
carve 62 63   q1-baseline-g15/hackbench/1.txt
carve 59 60   q1-guest-up-g15/hackbench/1.txt
carve 73 74   q1-guest-4cpu/hackbench/1.txt
# Q2: THP always vs never; only ab was quoted (3 connection-times tables per setting)
carve 120 125 q2-baseline/ab/1.txt
carve 127 132 q2-baseline/ab/2.txt
carve 134 139 q2-baseline/ab/3.txt
carve 141 146 q2-guest-thp-never/ab/1.txt
carve 148 153 q2-guest-thp-never/ab/2.txt
carve 155 160 q2-guest-thp-never/ab/3.txt
# Q3: vhost on vs off; netperf TCP_STREAM (1) and TCP_RR (2), ab -c 100, then ab -c 1
carve 193 198 q3-baseline/netperf/1.txt
carve 200 205 q3-baseline/netperf/2.txt
carve 218 254 q3-baseline/ab/1.txt
carve 179 184 q3-guest-vhost-off/netperf/1.txt
carve 186 191 q3-guest-vhost-off/netperf/2.txt
carve 256 292 q3-guest-vhost-off/ab/1.txt
carve 303 311 q3-baseline-c1/ab/1.txt
carve 313 321 q3-guest-vhost-off-c1/ab/1.txt
# Q4: KVM host (L1) vs guest VM (L2)
carve 336 337 q4-host/hackbench/1.txt
carve 339 344 q4-host/kernbench/1.txt
carve 346 352 q4-host/netperf/1.txt
carve 354 361 q4-host/netperf/2.txt
carve 363 386 q4-host/ab/1.txt
carve 458 472 q4-host/unixbench/1.txt
carve 393 394 q4-baseline/hackbench/1.txt
carve 396 401 q4-baseline/kernbench/1.txt
carve 403 409 q4-baseline/netperf/1.txt
carve 411 417 q4-baseline/netperf/2.txt
carve 419 443 q4-baseline/ab/1.txt
carve 474 488 q4-baseline/unixbench/1.txt
