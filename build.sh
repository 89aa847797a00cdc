#!/usr/bin/env bash
# VmLab bootstrap: checks the .NET SDK, restores the local Cake tool, runs build/build.cake.
#   ./build.sh                         full reproduction (default target)
#   ./build.sh --target=Test           the test suite
#   ./build.sh --target=X --profile=P  any target, any profile; other --name=value pairs go to Cake
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

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
# Cake keeps the compiled build script (build/tools/cache, keyed by its content): a no-op target takes seconds.
export CAKE_SETTINGS_ENABLESCRIPTCACHE=true
dotnet tool restore >/dev/null
# Not exec'd: `kill -INT <pid of build.sh>` must stop a build the way Ctrl-C does. The dotnet tool host ignores
# SIGINT, so the build runs as its own job (set -m: own process group) and gets SIGTERM, which nothing ignores
# (SIGINT is ignored for good in jobs started in the background by a script, nohup or a CI runner); vmlab then
# stops its VM, saves every finished unit and says how to --resume.
set -m
dotnet cake build/build.cake "$@" &
build=$!
trap 'kill -TERM -- -"$build" 2>/dev/null' INT TERM
rc=0
wait "$build" || rc=$?
while kill -0 "$build" 2>/dev/null; do rc=0; wait "$build" || rc=$?; done # wait returns early on a trapped signal
# Cake may be gone while vmlab (same process group) still stops its VM and saves the run: wait for the whole group.
while kill -0 -- -"$build" 2>/dev/null; do sleep 0.2; done
exit "$rc"
