#!/usr/bin/env bash
# Replays every case of issues 16 and 26 (data lost or silently changed around a run directory) with the real vmlab CLI
# against copies of committed runs, and asserts the fixed behaviour. No VM is booted. Run by .ci/run after the tests;
# the last line is "N passed, N failed".
#   tests/run-directory-cases.sh [path/to/VmLab.Cli.dll]   (default: the Release build)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
dll=${1:-$repo/src/VmLab.Cli/bin/Release/net10.0/VmLab.Cli.dll}
smoke=2026-11-29T0447Z-smoke
work=$(mktemp -d -t vmlab-cases-XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# vmlab args…: rc is the exit code; $work/err holds stderr alone, $work/out stdout then stderr
vmlab() { dotnet "$dll" "$@" >"$work/out" 2>"$work/err"; rc=$?; cat "$work/err" >>"$work/out"; }
# copy <run-id> <dir>: a copy of a committed run, keeping its directory name (its run id)
copy() { mkdir -p "$2"; cp -a "$repo/results/$1" "$2/"; echo "$2/$1"; }
# tree_sum <dir> [path…]: one hash of every file (contents) and symlink (target) under <dir>, but the paths given
# (find -path patterns relative to <dir>, e.g. ./results.json or './charts/*'): what a command must leave as it was
tree_sum() {
  local dir=$1 skip=(); shift
  for p in "$@"; do skip+=(! -path "$p"); done
  (cd "$dir" && find . \( -type f -o -type l \) "${skip[@]}" -print0 | sort -z |
    while IFS= read -r -d '' f; do if [[ -L $f ]]; then echo "$f -> $(readlink "$f")"; else echo "$f $(sha256sum <"$f")"; fi; done | sha256sum)
}
check() { # check <case> <condition...>
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     | /' "$work/out" | head -20; fi
}
says() { grep -qF -- "$1" "$work/out"; }
# expect <case> <exit code> <text of stderr's first line> [condition…]: the exit code, the one-line message a user sees
# (the line after it is the next command; "" wants stderr empty), and what else must hold (e.g. that the trees hashed
# before are unchanged)
expect() {
  local name=$1 want=$2 message=$3; shift 3
  if [[ $rc -eq $want ]] && { if [[ -z $message ]]; then [[ ! -s $work/err ]]; else head -n 1 "$work/err" | grep -qF -- "$message"; fi; } && { [[ $# -eq 0 ]] || "$@"; }; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name (exit code $rc, wanted $want; first line of stderr wanted to contain: $message)"; sed 's/^/     | /' "$work/out" | head -20
  fi
}
same() { [[ $1 == "$2" ]]; } # same <hash before> <hash after>
[[ -f $dll ]] || { echo "no vmlab at $dll: build first (./build.sh --target=BuildCli)"; echo "0 passed, 1 failed"; exit 1; }

# 1. report --out deletes files it did not create
out=$work/c1; mkdir -p "$out/charts"; echo '<svg>foreign</svg>' >"$out/charts/x.svg"
vmlab report "$(copy $smoke "$work/c1src")" --out "$out/R.md"
check "1a report --out leaves a foreign charts/x.svg in place" test $rc -eq 0 -a -f "$out/charts/x.svg"
ref=$(copy reference-2023 "$work/c1ref"); before=$(tree_sum "$ref")
vmlab report "$(copy $smoke "$work/c1src2")" --out "$ref/REPORT.md"
check "1b report --out into a copy of reference-2023 is refused and deletes none of its charts" \
  bash -c "[[ $rc -ne 0 && '$before' == '$(tree_sum "$ref")' ]] && grep -q 'vmlab report for run .* would overwrite .* it did not write' '$work/out'"

# 2. a resume checks before it writes (no artifacts here: it must still change nothing)
run=$(copy $smoke "$work/c2"); before=$(tree_sum "$run")
vmlab lab run --resume=$smoke --results "$work/c2" --profile quick
check "2  lab run --resume with another profile fails and changes no file" bash -c "[[ $rc -ne 0 && '$before' == '$(tree_sum "$run")' ]]"

# 3. reports are checked against the ledger
run=$(copy $smoke "$work/c3a"); sed -i 's/Time: /Time: 1/' "$run/raw/baseline/hackbench/1.txt"
vmlab parse-run "$run"
check "3a an edited raw file is a sha256 mismatch" says "sha256 mismatch"
vmlab report "$run"
check "3b ... and its verdicts are inconclusive" bash -c "grep 'lab: sha256' '$run/REPORT.md' | grep -q inconclusive"
run=$(copy $smoke "$work/c3b"); rm "$run/raw/baseline/hackbench/1.txt"; mkdir "$run/raw/baseline/hackbench/1.txt"
vmlab parse-run "$run"
check "3c a raw file replaced by a directory is refused" bash -c "[[ $rc -ne 0 ]] && grep -q 'raw/baseline/hackbench/1.txt' '$work/out'"
run=$(copy $smoke "$work/c3c"); good=$(sha256sum <"$run/results.json"); rm -rf "$run"/raw/*
vmlab parse-run "$run"
check "3d an emptied raw/ is refused and results.json kept" bash -c "[[ $rc -ne 0 && '$good' == '$(sha256sum <"$run/results.json")' ]]"
run=$(copy $smoke "$work/c3d"); cp "$repo/results/reference-2023/results.json" "$run/"
vmlab report "$run"
check "3e a results.json of another run is refused by report" bash -c "[[ $rc -ne 0 ]] && grep -q 'reference-2023' '$work/out'"
run=$(copy $smoke "$work/c3e"); ln -sf /etc/passwd "$run/raw/baseline/hackbench/1.txt"
vmlab parse-run "$run"
check "3f a symlink in raw/ to /etc/passwd is refused" bash -c "[[ $rc -ne 0 ]] && grep -q symlink '$work/out'"

# 5. --resume takes a run id
vmlab lab run --resume=../../x --profile smoke
check "5a --resume=../../x is refused" bash -c "[[ $rc -ne 0 ]] && grep -q 'not a run id' '$work/out'"
vmlab lab run --resume=/tmp/x --profile smoke
check "5b --resume=/tmp/x is refused" bash -c "[[ $rc -ne 0 ]] && grep -q 'not a run id' '$work/out'"

# 6. an empty units.json names its path; lab repair rebuilds it
run=$(copy $smoke "$work/c6"); : >"$run/units.json"
vmlab parse-run "$run"
check "6a an empty units.json is refused naming its path and the repair" bash -c "[[ $rc -ne 0 ]] && grep -q 'units.json' '$work/out' && grep -q 'lab repair' '$work/out'"
vmlab lab repair "$run"
check "6b lab repair rebuilds it" test $rc -eq 0
vmlab parse-run "$run"
# ... with each unit marked with what its rebuilt record rests on (issue 26, item 2): the console block or results.json
check "6c ... and parse-run then derives the committed results.json, each unit marked rebuilt" bash -c \
  "cmp -s <(jq 'del(.units[].rebuilt)' '$run/results.json') <(jq . '$repo/results/$smoke/results.json') && [[ \$(jq '[.units[] | select(.suite != \"console\" and .rebuilt == null)] | length' '$run/results.json') == 0 ]]"

# 7. typos are refused
vmlab lab plan --profle smoke
check "7  lab plan --profle smoke is refused, listing --profile" bash -c "[[ $rc -eq 64 ]] && grep -q -- '--profile' '$work/out'"

# Issue 26: a damaged, edited or hostile run directory never yields a normal verdict, and no command writes outside its
# own files. Each case: the exit code, the one-line message on stderr, and that nothing but the command's own outputs
# changed (tree_sum before and after).
shard1=seed-20261129-smoke-shard-1 shard2=seed-20261129-smoke-shard-2
# unverified <run>: every benchmark output in results.json has the no-ledger problem, and the report tested nothing
unverified() {
  jq -e '[.units[] | select(.suite != "console") | select(any(.problems[]; startswith("lab: the run has no units.json")) | not)] | length == 0' "$1/results.json" >/dev/null &&
    grep -q 'no ledger vouches for this raw output' "$1/REPORT.md" && grep -q 'no headline comparison could be tested' "$1/REPORT.md"
}
reported='./results.json ./REPORT.md ./.REPORT.md.outputs ./charts/*' # what report --reparse writes

# 1. a run without its ledger is unverified
run=$(copy $smoke "$work/d1a"); rm "$run/units.json"; sed -i 's/^Time: .*/Time: 0.001/' "$run/raw/baseline/hackbench/1.txt"
before=$(tree_sum "$run" $reported)
vmlab report "$run" --reparse
expect "26.1a report --reparse without units.json: every unit unverified, its verdicts inconclusive" 0 "units.json is missing: no ledger vouches for the" \
  bash -c "[[ '$before' == '$(tree_sum "$run" $reported)' ]]" && unverified "$run"
run=$(copy reference-2023 "$work/d1b"); before=$(tree_sum "$run")
vmlab parse-run "$run"
expect "26.1b an imported run (its manifest gives the provenance) needs no units.json: parse-run gives the committed results.json" 0 "" \
  bash -c "[[ ! -s '$work/err' && '$before' == '$(tree_sum "$run")' ]]"
run=$(copy $smoke "$work/d1c"); before=$(tree_sum "$run")
# A disk that fills up: writes past 24 KiB fail (EFBIG; the rebuilt ledger is 32 KiB). W^X off: its double mapping needs a big file.
(ulimit -f 24; trap '' XFSZ; DOTNET_EnableWriteXorExecute=0 dotnet "$dll" lab repair "$run" --force >"$work/out" 2>"$work/err"); rc=$?; cat "$work/err" >>"$work/out"
expect "26.1c lab repair --force on a full disk keeps units.json (the new ledger is written first)" 1 "The rebuilt units.json could not be written" \
  bash -c "[[ '$before' == '$(tree_sum "$run")' ]] && ! ls -A '$run' | grep -q 'damaged\\|tmp'"

# 26.11: a refusal writes nothing, a failure removes what it wrote (then the same command, run again, works)
s1=$(copy $shard1 "$work/d11"); s2=$(copy $shard2 "$work/d11"); before=$(tree_sum "$work/d11")
(ulimit -f 24; trap '' XFSZ; DOTNET_EnableWriteXorExecute=0 dotnet "$dll" merge "$s1" "$s2" --out "$work/d11-out/merged" >"$work/out" 2>"$work/err"); rc=$?; cat "$work/err" >>"$work/out"
expect "26.11a merge on a full disk leaves nothing behind (built beside --out, renamed at the end)" 1 "The merge into $work/d11-out/merged failed" \
  bash -c "[[ '$before' == '$(tree_sum "$work/d11")' && -z \$(ls -A '$work/d11-out') ]]"
rc=0; dotnet "$dll" merge "$s1" "$s2" --out "$work/d11-out/merged" >"$work/out" 2>"$work/err" || rc=$?
expect "26.11b ... and the same merge, run again with space, succeeds" 0 "" test -f "$work/d11-out/merged/manifest.json"
run=$(copy $smoke "$work/d11r"); before=$(tree_sum "$run"); mkdir -p "$work/d11r-out"
(ulimit -f 24; trap '' XFSZ; DOTNET_EnableWriteXorExecute=0 dotnet "$dll" report "$run" --out "$work/d11r-out/REPORT.md" >"$work/out" 2>"$work/err"); rc=$?; cat "$work/err" >>"$work/out"
check "26.11c report --out on a full disk removes the charts it wrote" \
  bash -c "[[ $rc -ne 0 && '$before' == '$(tree_sum "$run")' && -z \$(find '$work/d11r-out' -type f) ]]"

# 2. lab repair does not launder edits
run=$(copy $smoke "$work/d2a"); sed -i 's/^Requests per second: .*/Requests per second:    999.99 [#\/sec] (mean)/' "$run/raw/baseline/ab/1.txt"
before=$(tree_sum "$run" ./units.json './units.json.damaged-*')
vmlab lab repair "$run" --force
expect "26.2a lab repair --force keeps the replaced ledger's sha256 of an edited ab output and says so" 0 "raw/baseline/ab/1.txt: its sha256 is" \
  bash -c "[[ '$before' == '$(tree_sum "$run" ./units.json './units.json.damaged-*')' ]] && grep -q 'but the replaced units.json recorded' '$work/err' && ls '$run' | grep -q '^units.json.damaged-'"
vmlab parse-run "$run"
expect "26.2b ... and parse-run finds the mismatch (the unit is invalid)" 0 "raw/baseline/ab/1.txt: sha256 mismatch" bash -c "grep -q '1 invalid' '$work/out'"
run=$(copy $smoke "$work/d2c"); rm "$run/units.json"; sed -i 's/^Requests per second: .*/Requests per second:    999.99 [#\/sec] (mean)/' "$run/raw/baseline/ab/1.txt"
before=$(tree_sum "$run" ./units.json)
vmlab lab repair "$run"
expect "26.2c without units.json, results.json's sha256 is kept for an L0 (network) unit" 0 "raw/baseline/ab/1.txt: its sha256 is" \
  bash -c "[[ '$before' == '$(tree_sum "$run" ./units.json)' ]] && grep -q 'but results.json recorded' '$work/err'"
before=$(tree_sum "$run" $reported)
vmlab report "$run" --reparse
expect "26.2d ... and the report says on its first page that the ledger was rebuilt, and on what" 0 "raw/baseline/ab/1.txt: sha256 mismatch" \
  bash -c "[[ '$before' == '$(tree_sum "$run" $reported)' ]] && grep -q '^> \\*\\*Ledger rebuilt.\\*\\* units.json was rebuilt by .vmlab lab repair.' '$run/REPORT.md' && grep -q 'the earlier results.json' '$run/REPORT.md'"
run=$(copy $smoke "$work/d2e"); rm "$run/units.json" "$run/results.json"
before=$(tree_sum "$run" ./units.json)
vmlab lab repair "$run"
expect "26.2e without units.json and results.json, an L0 unit's record rests on nothing and is unverified" 0 "had no record of their sha256 before the repair" \
  bash -c "[[ '$before' == '$(tree_sum "$run" ./units.json)' ]] && [[ \$(jq '[.units[] | select(.rebuilt == \"None\")] | length' '$run/units.json') -gt 0 ]]"

# 3. a symlinked charts/ is not followed
run=$(copy $smoke "$work/d3"); elsewhere=$work/d3-elsewhere; mkdir -p "$elsewhere"
cp "$run"/charts/*.svg "$elsewhere/"; echo '<svg>mine</svg>' >"$elsewhere/$(ls "$run/charts" | head -1)"; echo '<svg>other</svg>' >"$elsewhere/other.svg"
rm -r "$run/charts"; ln -s "$elsewhere" "$run/charts"; rm "$run/.REPORT.md.outputs" 2>/dev/null
before=$(tree_sum "$run") elsewhere_before=$(tree_sum "$elsewhere")
vmlab report "$run"
expect "26.3  report refuses to write charts through a symlinked charts/" 1 "charts is a symlink (to $elsewhere)" \
  bash -c "[[ '$before' == '$(tree_sum "$run")' && '$elsewhere_before' == '$(tree_sum "$elsewhere")' ]]"

# 4. merge refuses a symlinked raw file
s1=$(copy $shard1 "$work/d4"); s2=$(copy $shard2 "$work/d4"); ln -s /etc/passwd "$s2/raw/baseline/hackbench/7.txt"
before=$(tree_sum "$work/d4")
vmlab merge "$s1" "$s2" --out "$work/d4-merged"
expect "26.4  merge refuses a symlinked raw file" 1 "raw/baseline/hackbench/7.txt is a symlink (to /etc/passwd)" \
  bash -c "[[ '$before' == '$(tree_sum "$work/d4")' && ! -e '$work/d4-merged' ]]"

# 5. results.json is checked against what it was derived from
run=$(copy $smoke "$work/d5a"); sed -i '0,/"time_s": [0-9.]*/s//"time_s": 999.5/' "$run/results.json"; before=$(tree_sum "$run")
vmlab report "$run"
expect "26.5a report refuses a results.json whose metric was edited" 1 "time_s is 999.5 in it" bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"
vmlab compare "$repo/results/$smoke" "$run"
expect "26.5b compare refuses it too" 1 "time_s is 999.5 in it" bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"
run=$(copy $smoke "$work/d5c"); cp "$repo/results/2026-11-29T1036Z-smoke/results.json" "$run/"; before=$(tree_sum "$run")
vmlab compare "$repo/results/2026-11-29T1036Z-smoke" "$run"
expect "26.5c compare refuses another run's results.json inside a run directory" 1 "belongs to run 2026-11-29T1036Z-smoke, not to $smoke" \
  bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"
run=$(copy $smoke "$work/d5d"); before=$(tree_sum "$run")
vmlab verify "$run"
expect "26.5d vmlab verify: every file of a committed run agrees" 0 "" \
  bash -c "[[ ! -s '$work/err' && '$before' == '$(tree_sum "$run")' ]] && grep -q 'agrees with its raw outputs and ledger' '$work/out'"
sed -i 's/^Time: .*/Time: 0.001/' "$run/raw/baseline/hackbench/1.txt"; before=$(tree_sum "$run")
vmlab verify "$run"
expect "26.5e vmlab verify names an edited raw output" 1 "does not agree with its raw outputs and ledger" \
  bash -c "[[ '$before' == '$(tree_sum "$run")' ]] && grep -q '^FAIL raw/: .*raw/baseline/hackbench/1.txt' '$work/out'"

# 6. shard numbers are checked
for bad in '.shard.index = 5' '.shard.count = 0' '.shard.index = -1'; do
  s1=$(copy $shard1 "$work/d6"); s2=$(copy $shard2 "$work/d6"); jq "$bad" "$s2/manifest.json" >"$work/m" && mv "$work/m" "$s2/manifest.json"
  before=$(tree_sum "$work/d6")
  vmlab merge "$s1" "$s2" --out "$work/d6-merged" --allow-missing
  expect "26.6  merge --allow-missing refuses a shard whose manifest says $bad" 1 "$s2/manifest.json says shard" \
    bash -c "[[ '$before' == '$(tree_sum "$work/d6")' && ! -e '$work/d6-merged' ]]"
  rm -rf "$work/d6"
done

# 7. no output inside an input run directory
s1=$(copy $shard1 "$work/d7"); s2=$(copy $shard2 "$work/d7"); before=$(tree_sum "$work/d7")
vmlab merge "$s1" "$s2" --out "$s1/logs/m"
expect "26.7a merge refuses an --out inside an input shard" 1 "is inside the shard directory $s1" bash -c "[[ '$before' == '$(tree_sum "$work/d7")' ]]"
run=$(copy $smoke "$work/d7b"); before=$(tree_sum "$run")
vmlab report "$run" --out "$run/raw/baseline/hackbench/3.txt"
expect "26.7b report refuses an --out inside raw/" 1 "is inside the run directory $run" bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"

# 8. another run's manifest.json
run=$(copy $smoke "$work/d8"); cp "$repo/results/2026-11-29T1036Z-smoke/manifest.json" "$run/"; before=$(tree_sum "$run")
vmlab parse-run "$run"
expect "26.8  parse-run refuses another run's manifest.json" 1 "describes run 2026-11-29T1036Z-smoke, not $smoke" bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"

# 9. a FIFO or a device is looked at, never opened
run=$(copy $smoke "$work/d9"); rm "$run/raw/baseline/hackbench/2.txt"; mkfifo "$run/raw/baseline/hackbench/2.txt"; before=$(tree_sum "$run")
rc=0; timeout 60 dotnet "$dll" parse-run "$run" >"$work/out" 2>"$work/err" || rc=$?; cat "$work/err" >>"$work/out"
expect "26.9a parse-run refuses a FIFO in place of a raw file at once" 1 "raw/baseline/hackbench/2.txt is a FIFO (named pipe), not a raw output" bash -c "[[ '$before' == '$(tree_sum "$run")' ]]"
rc=0; timeout 60 dotnet "$dll" parse hackbench /dev/zero >"$work/out" 2>"$work/err" || rc=$?; cat "$work/err" >>"$work/out"
expect "26.9b parse refuses /dev/zero (it never ends)" 2 "/dev/zero: cannot read it: it is a character device"
s1=$(copy $shard1 "$work/d9c"); s2=$(copy $shard2 "$work/d9c"); mkfifo "$s2/raw/baseline/hackbench/7.txt"; before=$(tree_sum "$work/d9c")
rc=0; timeout 60 dotnet "$dll" merge "$s1" "$s2" --out "$work/d9c-merged" >"$work/out" 2>"$work/err" || rc=$?; cat "$work/err" >>"$work/out"
expect "26.9c merge refuses a FIFO in a shard" 1 "raw/baseline/hackbench/7.txt is a FIFO (named pipe)" \
  bash -c "[[ '$before' == '$(tree_sum "$work/d9c")' && ! -e '$work/d9c-merged' ]]"

# --- issue 26, items 10 and 12-20: a hostile value, name or file is refused with one line on stderr that names it --------
# cli keeps stdout and stderr apart. refused <case> <rc> <text> <dir> <its tree_sum before>: the exit code, exactly one
# "vmlab: " line on stderr and it holds <text>, and nothing in <dir> changed.
cli() { dotnet "$dll" "$@" >"$work/stdout" 2>"$work/stderr"; rc=$?; cat "$work/stdout" "$work/stderr" >"$work/out"; }
refused() {
  local ok=1
  [[ $rc -eq $2 && $5 == "$(tree_sum "$4")" && $(grep -c '^vmlab: ' "$work/stderr") -eq 1 ]] || ok=0
  grep '^vmlab: ' "$work/stderr" | grep -qF -- "$3" || ok=0
  if ((ok)); then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1 (exit $rc, expected $2)"; sed 's/^/     | /' "$work/stderr" | head -5; fi
}
json() { python3 -c "import json,sys; f=sys.argv[1]; d=json.load(open(f)); $2; json.dump(d, open(f, 'w'), indent=2)" "$1"; }
smoke26=2026-11-29T1036Z-smoke
fresh() { copy $smoke26 "$(mktemp -d "$work/c26-XXXXXX")"; } # a new copy of the smoke run

# 10. a number no tool prints: that unit is unrecognised with its reason, the others parse; in results.json, refused
run=$(fresh); sed -i "s/^Time: .*/Time: $(printf '9%.0s' $(seq 400))/" "$run/raw/baseline/hackbench/1.txt"
mv "$run/results.json" "$work/results.json"; before=$(tree_sum "$run")
cli parse-run "$run"
after=$(mv "$run/results.json" "$work/new-results.json" && tree_sum "$run")
check "26.10a parse-run goes on past a 400-digit number in raw/baseline/hackbench/1.txt: that unit is unrecognised, with its reason" \
  bash -c "[[ $rc -eq 0 && '$before' == '$after' ]] && grep -q '78 raw outputs, 1 invalid' '$work/stdout' && grep -qF \"\\\"unrecognised_reason\\\": \\\"'9999999999…9999999999 (400 characters)' is not a finite number\" '$work/new-results.json'"
run=$(fresh); sed -i '0,/"time_s": [0-9.]*/s//"time_s": 1e400/' "$run/results.json"; before=$(tree_sum "$run")
cli report "$run"
refused "26.10b report refuses 1e400 in results.json, naming the file and the field" 1 "results.json is not valid: the field units[6].metrics.time_s: A metric is a finite number or a string; 1e400 is out of range" "$run" "$before"

# 12. an option given without its value is refused; nothing is written, in the current directory or elsewhere
mkdir -p "$work/c12/cwd"; run=$(copy $smoke26 "$work/c12"); s1=$(copy seed-20261129-smoke-shard-1 "$work/c12"); s2=$(copy seed-20261129-smoke-shard-2 "$work/c12")
before=$(tree_sum "$work/c12"); cd "$work/c12/cwd" || exit 1
cli report "$run" --out
refused "26.12a report R --out (no value) is refused and writes no ./__default_command" 64 "Option 'out' is defined but no value has been provided" "$work/c12" "$before"
cli merge "$s1" "$s2" --out
refused "26.12b merge S1 S2 --out (no value) is refused and makes no run __default_command" 64 "Option 'out' is defined but no value has been provided" "$work/c12" "$before"
cd "$repo" || exit 1

# 13. a usage error is its one line on stderr, then where the help is; stdout stays empty
for c in "report RUN --reparce|Unknown option 'reparce'; did you mean --reparse?|vmlab report --help" \
         "repot RUN|Unknown command 'repot'.|vmlab --help" \
         "lab plan --profle smoke|Unknown option 'profle'; did you mean --profile?|vmlab lab plan --help" \
         "merge RUN --allow-mising|Unknown option 'allow-mising'; did you mean --allow-missing?|vmlab merge --help"; do
  IFS='|' read -r words message help <<<"$c"; run=$(fresh); before=$(tree_sum "$run")
  # shellcheck disable=SC2086 # the case's words
  cli ${words//RUN/$run}
  refused "26.13 ${words//RUN/R}: the error once, on stderr" 64 "$message" "$run" "$before"
  check "26.13 ${words//RUN/R}: nothing on stdout; stderr ends with '  next: see what it takes: $help'" \
    bash -c "[[ ! -s '$work/stdout' && \$(wc -l <'$work/stderr') -eq 2 ]] && tail -1 '$work/stderr' | grep -qxF -- '  next: see what it takes: $help'"
done

# 14. generic .NET messages ("Object reference not set…", "Failed to convert '-1' to Nullable`1") replaced by ones naming
# the file, the field and what is expected
case14() { # case14 <case> <file> <python edit of d> <expected> <command words, RUN for the copy>
  local name=$1 file=$2 edit=$3 expected=$4; shift 4
  run=$(fresh); json "$run/$file" "$edit"; before=$(tree_sum "$run")
  cli "${@//RUN/$run}"
  refused "$name" 1 "$expected" "$run" "$before"
}
case14 "26.14a a null unit in units.json" units.json "d['units']['baseline/ab/1'] = None" "units.json cannot be read: the field units['baseline/ab/1'] is null; it must hold a value" parse-run RUN
case14 "26.14b unit key baseline/ab/abc in units.json" units.json "d['units']['baseline/ab/abc'] = d['units']['baseline/ab/1']" "units.json cannot be read: the unit key 'baseline/ab/abc' is not <scenario>/<suite>/<repeat>" parse-run RUN
case14 "26.14c \"units\": null in units.json" units.json "d['units'] = None" "units.json cannot be read: the field units is null; it must hold a value" report RUN --reparse
case14 "26.14d lastBoot 10^30 in units.json" units.json "d['lastBoot'] = 10**30" "units.json cannot be read: the field lastBoot is not a whole number from -2147483648 to 2147483647" parse-run RUN
case14 "26.14e \"scenarios\": null in manifest.json" manifest.json "d['scenarios'] = None" "manifest.json is not valid: the field scenarios is null; it must hold a value" report RUN
case14 "26.14f a null scenario in manifest.json" manifest.json "d['scenarios'][0] = None" "manifest.json is not valid: the field scenarios[0] is null; it must hold a value" report RUN
case14 "26.14g \"comparisons\": null in manifest.json" manifest.json "d['comparisons'] = None" "manifest.json is not valid: the field comparisons is null; it must hold a value" report RUN
case14 "26.14h \"order\": null in manifest.json" manifest.json "d['order'] = None" "manifest.json is not valid: the field order is null; it must hold a value" report RUN
case14 "26.14i seed -1 in manifest.json" manifest.json "d['seed'] = -1" "manifest.json is not valid: the field seed is not a whole number from 0 to 18446744073709551615" report RUN
case14 "26.14j started_utc 'yesterday' in manifest.json" manifest.json "d['started_utc'] = 'yesterday'" "manifest.json is not valid: the field started_utc is not a date and time" report RUN
case14 "26.14k a null unit in results.json" results.json "d['units'][0] = None" "results.json is not valid: the field units[0] is null; it must hold a value" report RUN
case14 "26.14l a unit without its file in results.json" results.json "d['units'][0]['file'] = None" "results.json is not valid: the field units[0].file is null; it must hold a value" report RUN
case14 "26.14m \"metrics\": null in results.json" results.json "d['units'][0]['metrics'] = None" "results.json is not valid: the field units[0].metrics is null; it must hold a value" report RUN
# 14, on the command line: a value no option takes, an empty value
run=$(fresh); before=$(tree_sum "$run")
cli lab plan --profile smoke --seed -1
refused "26.14n lab plan --seed -1" 64 "--seed '-1' is not a whole number from 0 to 18446744073709551615" "$run" "$before"
cli report "$run" --out ""
refused "26.14o report R --out \"\"" 64 "--out is given an empty value; it needs <FILE>" "$run" "$before"
cli report ""
refused "26.14p report \"\"" 64 "the argument <run-dir> is empty" "$run" "$before"

# 15. --run-id is one name, as --resume is
before=$(tree_sum "$repo/results")
cli lab plan --profile smoke --shards 2 --seed 1 --run-id /etc/cron.d
refused "26.15a lab plan refuses --run-id /etc/cron.d" 1 "--run-id '/etc/cron.d' is not a run id" "$repo/results" "$before"
cli lab run --profile smoke --run-id ../../x --results "$work/c15"
refused "26.15b lab run refuses --run-id ../../x" 1 "--run-id '../../x' is not a run id" "$repo/results" "$before"
check "26.15b ... and creates nothing, not even its --results directory" test ! -e "$work/c15"

# 16. names under raw/ that are not the run's own ids never reach REPORT.md
run=$(fresh); evil="$run/raw/evil"$'\n'"# INJECTED <img src=x onerror=alert(1)>"; mkdir -p "$evil/hackbench"; cp "$run/raw/baseline/hackbench/1.txt" "$evil/hackbench/"; before=$(tree_sum "$run")
cli report "$run" --reparse
refused "26.16a report --reparse refuses raw/evil\\n# INJECTED <img…>; REPORT.md is untouched" 1 "raw/evil\\n# INJECTED <img src=x onerror=alert(1)>: 'evil\\n# INJECTED <img src=x onerror=alert(1)>' is not a name the lab writes" "$run" "$before"
check "26.16a ... and stderr shows the newline escaped, not as a line of its own" bash -c "! grep -q '^# INJECTED' '$work/stderr'"
run=$(fresh); mkdir -p "$run/raw/evil/hackbench"; cp "$run/raw/baseline/hackbench/1.txt" "$run/raw/evil/hackbench/"; before=$(tree_sum "$run")
cli parse-run "$run"
refused "26.16b parse-run refuses raw/evil, not a scenario of the run" 1 "raw/evil: 'evil' is not a scenario of run $smoke26 (its manifest lists baseline, guest-up" "$run" "$before"

# 17. a run directory on a read-only mount is said to be read-only, not "already running (pid ?, since ?)". The mount is
# made in a mount namespace of the case's own (as root, or in a user namespace); where neither is allowed, the copy is
# made unwritable with chmod instead (a non-root user).
mkdir -p "$work/c17/ro"; src=$(copy $smoke26 "$work/c17/src"); before=$(tree_sum "$src")
bind="mount --bind -o ro '$work/c17/src' '$work/c17/ro'"
if unshare -m bash -c "$bind" 2>/dev/null; then ns=(unshare -m); elif unshare -rm bash -c "$bind" 2>/dev/null; then ns=(unshare -rm); else ns=(); fi
if ((${#ns[@]})); then
  "${ns[@]}" bash -c "$bind && dotnet '$dll' release --run '$work/c17/ro/$smoke26' --dry-run >'$work/stdout' 2>'$work/stderr'"; rc=$?
  refused "26.17 release --dry-run on a read-only mount says the directory is read-only" 1 "Run $smoke26: cannot write in $work/c17/ro/$smoke26 to lock it: it is on a read-only file system" "$src" "$before"
else
  chmod -R a-w "$src"; cli release --run "$src" --dry-run; chmod -R u+w "$src"
  refused "26.17 release --dry-run on an unwritable run directory says so" 1 "Run $smoke26: cannot write in $src to lock it: this user may not write there" "$src" "$before"
fi

# 19. --templates must name a directory of templates
run=$(fresh); before=$(tree_sum "$run")
cli report "$run" --reparse --templates /nonexistent
refused "26.19a report --reparse --templates /nonexistent is refused before anything is written" 1 "--templates /nonexistent: no such directory; the built-in templates are not used in its place" "$run" "$before"
cli report "$run" --templates "$run/raw"
refused "26.19b report --templates DIR without a template in it is refused" 1 "holds no compare.scriban or report.scriban" "$run" "$before"

# Also seen in issue 26: a key given twice in one object (the last one won); control characters from a key sent to the terminal
run=$(fresh); sed -i '0,/"profile": "smoke",/s//"profile": "smoke", "profile": "quick",/' "$run/manifest.json"; before=$(tree_sum "$run")
cli report "$run"
refused "26.also manifest.json with \"profile\" twice is refused, not read as the last one" 1 "manifest.json is not valid: the field profile is given twice in one object" "$run" "$before"
run=$(fresh); json "$run/units.json" "d['units']['baseline/ab/\x1b[2J\x00'] = d['units']['baseline/ab/1']"; before=$(tree_sum "$run")
cli parse-run "$run"
refused "26.also a units.json key holding ESC and NUL is printed escaped" 1 "the unit key 'baseline/ab/\\u001b[2J\\u0000' is not <scenario>/<suite>/<repeat>" "$run" "$before"
check "26.also ... and no ESC or NUL byte reaches stderr" bash -c "! grep -qaP '[\\x00\\x1b]' '$work/stderr'"
printf '[  1.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks: \033[2J\033]0;owned\007\n' >"$work/console-esc.log"
cli parse console "$work/console-esc.log"
check "26.also parse console prints a quoted console line with its ESC and BEL escaped" \
  bash -c "[[ $rc -eq 0 ]] && grep -qF 'problem: 1 RCU stall' '$work/stdout' && grep -qF '\\u001b[2J\\u001b]0;owned\\u0007' '$work/stdout' && ! grep -qaP '[\\x07\\x1b]' '$work/stdout'"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
