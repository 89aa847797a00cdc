#!/usr/bin/env bash
# Evidence for what the counters cost (issue 24, item 4; docs/PROTOCOL.md, "Counters"): one seed run twice, counters
# on and off (`lab run --no-counters`), each in 2 shards of one block, interleaved ABBA (on 1, off 1, off 2, on 2) so
# a drift of L0's speed falls on both alike. Then both are merged and rendered, and lab/counters-ab.py pairs every
# headline output with its twin (same scenario, suite, block) and writes the on/off ratios to <on-run>/logs/counters-ab.txt.
# Each boot's fixed cost is in the lab's log (logs/lab.log of each merged run).
#   lab/counters-ab.sh [--profile=smoke] [--seed=N] [--results=results]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=smoke seed=$RANDOM$RANDOM results=results
for arg in "$@"; do
  case "$arg" in
    --profile=*) profile=${arg#*=} ;;
    --seed=*) seed=${arg#*=} ;;
    --results=*) results=${arg#*=} ;;
    *) echo "counters-ab.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
vmlab=(dotnet src/VmLab.Cli/bin/Release/net10.0/VmLab.Cli.dll)
id=$(date -u +%Y-%m-%dT%H%MZ)-$profile-counters
log=$(mktemp)
shard() { # on|off K
  echo "=== $1 $2/2 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  local off=(); [[ $1 == off ]] && off=(--no-counters)
  "${vmlab[@]}" lab run --profile "$profile" --seed "$seed" --run-id "$id-$1" --shard "$2/2" --results "$results" "${off[@]}" 2>&1 | tee -a "$log"
}
shard on 1; shard off 1; shard off 2; shard on 2
for x in on off; do
  "${vmlab[@]}" merge "$results/$id-$x-shard-1" "$results/$id-$x-shard-2" --out "$results/$id-$x"
  "${vmlab[@]}" report "$results/$id-$x" --reparse
  mkdir -p "$results/$id-$x/logs"
  awk -v x=$x '/^=== /{p=($2==x)} p' "$log" > "$results/$id-$x/logs/lab.log"
done
python3 lab/counters-ab.py "$results/$id-on" "$results/$id-off" | tee "$results/$id-on/logs/counters-ab.txt"
