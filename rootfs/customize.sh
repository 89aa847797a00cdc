#!/bin/sh
# VmLab: mmdebstrap customize hook, run once per image after the packages and the overlay are in.
#   $1  the root of the new tree      $2  the folder VmLab reads the results from
# Reads $2/checks.list (one command a line). Writes $2/packages.tsv and $2/checks.tsv
# ("rc<TAB>command", logs in $2/check-N.log). Exits non-zero only when it cannot do its job;
# a failed check is judged (and reported with its log) by VmLab.
set -eu
root=$1
out=$2

# UnixBench from source, when VmLab placed the tarball (else the image goes without it, declared in metadata).
if [ -f "$root/usr/src/vmlab/unixbench.tgz" ]; then
    echo "vmlab: building UnixBench"
    rm -rf "$root/opt/UnixBench"
    mkdir -p "$root/opt/UnixBench"
    tar -xzf "$root/usr/src/vmlab/unixbench.tgz" -C "$root/opt/UnixBench" --strip-components=1 --no-same-owner
    # GitHub's archive nests the suite in UnixBench/; the original tarball has it at the top.
    if [ -d "$root/opt/UnixBench/UnixBench" ]; then
        mv "$root/opt/UnixBench" "$root/opt/UnixBench.src"
        mv "$root/opt/UnixBench.src/UnixBench" "$root/opt/UnixBench"
        rm -rf "$root/opt/UnixBench.src"
    fi
    # Built for the CPU the lab boots (L1 is -cpu cortex-a57, L2 -cpu host = the same), not for this machine's
    # or qemu-user's CPU. 5.1.3's OPTON has no -march=native (later upstream Makefiles add it); -mcpu=cortex-a57 is
    # written into the Makefile itself, so a rebuild by Run ("make check" runs "make all") keeps the same flags.
    # No X in the images: the graphics tests stay off (GRAPHIC_TESTS is unset in 5.1.3's Makefile).
    sed -i 's/^OPTON = .*/OPTON = -O2 -fomit-frame-pointer -fforce-addr -ffast-math -Wall -mcpu=cortex-a57/' "$root/opt/UnixBench/Makefile"
    grep -q '^OPTON = .* -mcpu=cortex-a57$' "$root/opt/UnixBench/Makefile" || { echo "vmlab: the UnixBench Makefile has no OPTON line to set" >&2; exit 1; }
    started=$(date +%s)
    chroot "$root" make -C /opt/UnixBench >"$out/unixbench-build.log" 2>&1 || { tail -n 20 "$out/unixbench-build.log" >&2; exit 1; }
    # The compiler lines stay in the image beside the programs (what the checks and a reader can inspect).
    cp "$out/unixbench-build.log" "$root/opt/UnixBench/vmlab-build.log"
    echo "vmlab: UnixBench built in $(($(date +%s) - started)) s"
fi

# Exact versions installed, for metadata.json.
chroot "$root" dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' >"$out/packages.tsv"

# Each benchmark binary must run (through qemu-user here); the verdict is VmLab's.
: >"$out/checks.tsv"
n=0
while IFS= read -r check; do
    [ -n "$check" ] || continue
    n=$((n + 1))
    rc=0
    chroot "$root" /bin/sh -c "$check" >"$out/check-$n.log" 2>&1 </dev/null || rc=$?
    printf '%s\t%s\n' "$rc" "$check" >>"$out/checks.tsv"
    echo "vmlab: check '$check' exit code $rc"
done <"$out/checks.list"

# Leave no build-time leftovers that differ between builds.
# (UnixBench's check run leaves a results file and a kill script.)
rm -rf "$root/opt/UnixBench/results/"* "$root/opt/UnixBench/tmp/"*
rm -rf "$root/usr/src/vmlab" "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*_Packages
