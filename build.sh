#!/usr/bin/env bash
# VmLab bootstrap: checks the .NET SDK, restores the local Cake tool, runs build/build.cake.
#   ./build.sh                         full reproduction (default target)
#   ./build.sh --target=Test           the test suite
#   ./build.sh --target=X --profile=P  any target, any profile; other --name=value pairs go to Cake
set -euo pipefail

# A shell started in the background by a non-interactive shell (a script's `cmd &`, nohup, cron, a CI runner) enters
# with SIGINT ignored, and bash cannot trap a signal ignored on entry: `kill -INT <pid of build.sh>` would do nothing.
# Restart once with SIGINT at its default (same pid, same arguments) so the trap below can take it.
if [[ "$(trap -p INT)" == "trap -- '' SIGINT" ]]; then
  if [[ -z "${VMLAB_SIGINT_RESTORED:-}" ]] && env --default-signal=INT true 2>/dev/null; then # coreutils >= 8.31
    VMLAB_SIGINT_RESTORED=1 exec env --default-signal=INT "$BASH" "${BASH_SOURCE[0]}" "$@"
  fi
  echo "build.sh: started with SIGINT ignored, which this env(1) cannot undo (needs coreutils >= 8.31): stop this build with kill -TERM $$." >&2
fi
unset VMLAB_SIGINT_RESTORED # the guard against a restart loop is this process's only, not the build's
cd "$(dirname "${BASH_SOURCE[0]}")"

# Cake refuses these itself, but prints its refusal to stdout: say it here, on stderr, before anything starts. The
# other checks of the options (a value missing or given twice, an unknown name, --configuration) are build/options.cake's.
for arg in "$@"; do
  name=${arg%%=*}
  if [[ $arg == --?* && $arg == "$name=" ]]; then
    echo "build.sh: ${arg} has no value after '='; give one (e.g. ${arg}VALUE), or leave the option out." >&2; exit 64
  elif [[ $name == --? ]]; then
    echo "build.sh: ${name} is not an option name (Cake's long options have two letters or more; -${name:2:1} is the short form)." >&2; exit 64
  fi
done

required_major=10
if ! command -v dotnet >/dev/null 2>&1; then
  echo "build.sh: the .NET SDK is not installed (need ${required_major}.x)." >&2
  echo "  Install it: https://learn.microsoft.com/dotnet/core/install/linux-debian , then run ./build.sh again." >&2
  exit 127
fi
sdk=$(dotnet --version 2>/dev/null || true)
if [[ "${sdk%%.*}" != "$required_major" ]]; then
  echo "build.sh: found .NET SDK '${sdk:-none}', VmLab needs ${required_major}.x (see global.json)." >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Colour only on a terminal: a log file, a pipe or CI gets plain text (Cake, Spectre and vmlab honour NO_COLOR;
# https://no-color.org), so "N passed, N failed" and the errors read the same in files as on screen.
if [[ ! -t 1 || -n "${CI:-}" ]]; then export NO_COLOR=1; fi
# Cake keeps the compiled build script (build/tools/cache, keyed by its content): a no-op target takes seconds.
export CAKE_SETTINGS_ENABLESCRIPTCACHE=true
# Two builds started at once on a cold NuGet cache: the second one's restore failed at once with "The process cannot
# access the file '…/cake.tool.7.0.0.nupkg' because it is being used by another process" (both extract into the one
# global packages folder). The restores of one NuGet folder take turns instead (seconds once the cache is warm); the
# lock is closed before Cake starts, so the builds themselves still run side by side.
packages=${NUGET_PACKAGES:-${HOME:-/tmp}/.nuget/packages}
restore_lock="$(dirname "$packages")/vmlab-tool-restore.lock"
if command -v flock >/dev/null 2>&1 && mkdir -p "$(dirname "$restore_lock")" && exec 9>>"$restore_lock"; then
  if ! flock -n 9; then
    echo "build.sh: another build is restoring the .NET tools into $packages (dotnet tool restore); waiting for it to finish…" >&2
    if ! flock -w 900 9; then
      echo "build.sh: still waiting after 15 min for the other restore (lock $restore_lock, held by: $(fuser "$restore_lock" 2>/dev/null || echo unknown)); stop it, then run ./build.sh again." >&2
      exit 1
    fi
  fi
fi
if ! restore_log=$(dotnet tool restore 2>&1); then
  echo "$restore_log" >&2
  echo "build.sh: dotnet tool restore failed (above). 'used by another process' means a restore outside build.sh (dotnet restore, an IDE) holds the NuGet cache: let it finish, then run ./build.sh again." >&2
  exit 1
fi
exec 9>&- # not inherited by the build: the next build's restore need not wait for this whole build
# Not exec'd: `kill -INT <pid of build.sh>` must stop a build the way Ctrl-C does. The dotnet tool host ignores
# SIGINT, so the build runs as its own job (set -m: own process group) and gets SIGTERM, which nothing ignores
# (SIGINT is ignored for good in jobs started in the background by a script, nohup or a CI runner); vmlab then
# stops its VM, saves every finished unit and says how to --resume.
# The trap is set before the job starts: a signal arriving in between is remembered and forwarded once it runs.
build="" stopping=""
trap 'stopping=1; [[ -z "$build" ]] || kill -TERM -- -"$build" 2>/dev/null || true' INT TERM
set -m
dotnet cake build/build.cake "$@" &
build=$!
[[ -z "$stopping" ]] || kill -TERM -- -"$build" 2>/dev/null || true
rc=0
wait "$build" || rc=$?
while kill -0 "$build" 2>/dev/null; do rc=0; wait "$build" || rc=$?; done # wait returns early on a trapped signal
# Cake may be gone while vmlab (same process group) still stops its VM and saves the run: wait for the whole group.
while kill -0 -- -"$build" 2>/dev/null; do sleep 0.2; done
exit "$rc"
