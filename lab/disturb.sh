#!/usr/bin/env bash
# Evidence for the noise checks (docs/PROTOCOL.md, "Noise"): a lab run with a known load on L0 during its middle boots.
# It starts the lab, follows the run's units.json, and runs `stress-ng --cpu N` (Debian's package, installed by
# ./build.sh --target=Prerequisites) from the start of boot FROM until boot TO has ended. The quiet gate must then wait
# before the boots after FROM and start them marked disturbed, their units' interference must show the load, and the
# calibration probe's rate must drop. When stress-ng ran is logged to results/<run-id>/logs/disturbance.log.
#   lab/disturb.sh [--profile=smoke] [--from=4] [--to=7] [--cpus=1] [--run-id=ID] [other ./build.sh --target=Lab args]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=smoke from=4 to=7 cpus=1 run_id="" pass=()
for arg in "$@"; do
  case "$arg" in
    --profile=*) profile=${arg#*=} ;;
    --from=*) from=${arg#*=} ;;
    --to=*) to=${arg#*=} ;;
    --cpus=*) cpus=${arg#*=} ;;
    --run-id=*) run_id=${arg#*=} ;;
    *) pass+=("$arg") ;;
  esac
done
command -v stress-ng >/dev/null || { echo "disturb.sh: stress-ng is not installed: ./build.sh --target=Prerequisites (or apt-get install stress-ng)" >&2; exit 127; }
run_id=${run_id:-$(date -u +%Y-%m-%dT%H%MZ)-$profile-disturbed}
run=results/$run_id
# boots_done FILE: the number of the last boot with a record in units.json (a boot's record is written when it ends);
# last_started FILE: the last boot started (lastBoot).
boots() { python3 -c 'import json,sys
try: d=json.load(open(sys.argv[1]))
except Exception: print("0 0"); sys.exit()
print(d.get("lastBoot",0), max([int(k) for k in (d.get("boots") or {})] or [0]))' "$1"; }
stamp() { echo "$(date -u +%FT%TZ) $*" | tee -a "$run/logs/disturbance.log"; }

./build.sh --target=Lab --profile="$profile" --run-id="$run_id" "${pass[@]}" &
lab=$!
stress=""
trap '[[ -n $stress ]] && kill "$stress" 2>/dev/null; kill -TERM "$lab" 2>/dev/null; wait' INT TERM
while kill -0 "$lab" 2>/dev/null; do
  sleep 2
  [[ -f $run/units.json ]] || continue
  mkdir -p "$run/logs"
  read -r started ended < <(boots "$run/units.json")
  if [[ -z $stress && $started -ge $from && $ended -lt $to ]]; then
    stress-ng --cpu "$cpus" --timeout 3h --quiet & stress=$!
    stamp "stress-ng --cpu $cpus started (pid $stress) at the start of boot $started"
  elif [[ -n $stress && $ended -ge $to ]]; then
    kill "$stress"; wait "$stress" 2>/dev/null || true; stress=""
    stamp "stress-ng stopped after boot $ended ended"
  fi
done
[[ -n $stress ]] && { kill "$stress"; stamp "stress-ng stopped when the lab ended"; }
wait "$lab"
