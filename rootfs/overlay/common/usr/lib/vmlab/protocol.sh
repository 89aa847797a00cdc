# VmLab: the image side of the VM <-> lab protocol (docs/PROTOCOL.md). POSIX sh, sourced by
# /usr/sbin/vmlab-init and by jobs (`. /usr/lib/vmlab/protocol.sh`). Every marker is written with a
# single printf so it reaches the console as one line starting at column 0.
#
# VMLAB_CONSOLE: where markers go (init points it at /dev/console; default stdout).

# vmlab_emit COMMAND...: runs COMMAND with its output going to the console (or stdout).
vmlab_emit() {
    if [ -n "${VMLAB_CONSOLE:-}" ]; then
        "$@" >>"$VMLAB_CONSOLE"
    else
        "$@"
    fi
}

# $*: the marker body, e.g. "DONE rc=0".
vmlab_marker() { vmlab_emit printf '@@VMLAB:%s@@\n' "$*"; }

# Seconds since boot with two decimals, from /proc/uptime (the only clock that needs no RTC). "$(vmlab_uptime)" forks a
# subshell; where that matters, read /proc/uptime into a variable instead (vmlab_up, as vmlab_uptime does).
vmlab_uptime() {
    read -r vmlab_up _ </proc/uptime
    printf '%s\n' "$vmlab_up"
}

vmlab_ready() { read -r vmlab_up _ </proc/uptime; vmlab_marker "READY layer=${VMLAB_LAYER:-unknown} uptime=$vmlab_up"; }

# vmlab_fact KEY VALUE...: one fact; the value runs to the end of the line (newlines become spaces). Builtins only:
# under emulation a fork costs about 0.1 s in L1 and more in L2, and the old "printf | tr" took two per fact.
vmlab_fact() {
    vmlab_key=$1
    shift
    vmlab_value=$*
    # Each control character (newline, carriage return, tab) becomes a space, one at a time.
    while :; do
        case $vmlab_value in
            *[[:cntrl:]]*) vmlab_value="${vmlab_value%%[[:cntrl:]]*} ${vmlab_value#*[[:cntrl:]]}" ;;
            *) break ;;
        esac
    done
    vmlab_marker "FACT ${vmlab_key}=${vmlab_value}"
}

# vmlab_file_line VARIABLE PATH: the first line of PATH into VARIABLE (read builtin: no cat), empty when unreadable.
vmlab_file_line() {
    vmlab_line=
    [ -r "$2" ] && IFS= read -r vmlab_line <"$2"
    eval "$1=\$vmlab_line"
}

# vmlab_cpu_count: how many CPUs are online, into vmlab_n, from /sys/devices/system/cpu/online ("0-1", "0,2-3"),
# with shell arithmetic only.
vmlab_cpu_count() {
    vmlab_file_line vmlab_online /sys/devices/system/cpu/online
    vmlab_n=0
    vmlab_rest=$vmlab_online,
    while [ -n "${vmlab_rest%%,*}" ]; do
        vmlab_range=${vmlab_rest%%,*}
        vmlab_rest=${vmlab_rest#*,}
        case $vmlab_range in
            *-*) vmlab_n=$(( vmlab_n + ${vmlab_range#*-} - ${vmlab_range%-*} + 1 )) ;;
            *) vmlab_n=$(( vmlab_n + 1 )) ;;
        esac
    done
}

# The facts the lab records for every boot. One fork (uname -a, whose machine field no /proc file gives); the rest
# are read with the read builtin. The images' init says them once, after READY.
vmlab_facts() {
    vmlab_fact uname "$(uname -a)"
    vmlab_file_line vmlab_v /proc/cmdline
    vmlab_fact cmdline "$vmlab_v"
    vmlab_cpu_count
    vmlab_fact nproc "$vmlab_n"
    vmlab_v=
    while read -r vmlab_k vmlab_n _; do
        [ "$vmlab_k" = MemTotal: ] && { vmlab_v=$vmlab_n; break; }
    done </proc/meminfo
    vmlab_fact memtotal_kb "$vmlab_v"
    vmlab_file_line vmlab_v /sys/kernel/mm/transparent_hugepage/enabled
    vmlab_fact thp "${vmlab_v:-unavailable}"
}

# Count of vhost-* kernel threads now (the lab asks for it in L1 while L2 runs). One grep over every
# /proc/PID/comm: a cat per process cost L1 (emulated) about 4 s per boot.
vmlab_vhost_threads() {
    grep -l '^vhost-' /proc/[0-9]*/comm 2>/dev/null | wc -l | tr -d ' '
}

# vmlab_send_file NAME PATH: one file verbatim as a BEGIN/base64/END block. NAME is relative,
# '/'-separated, without '..' (refused here so a bad name fails in the VM, not in the lab).
vmlab_send_file() {
    vmlab_name=$1
    vmlab_path=$2
    case "/$vmlab_name/" in
        *'/../'* | '//'* | *' '*) echo "vmlab_send_file: refusing name '$vmlab_name'" >&2; return 2 ;;
    esac
    if [ ! -f "$vmlab_path" ]; then
        echo "vmlab_send_file: no file '$vmlab_path'" >&2
        return 2
    fi
    vmlab_size=$(wc -c <"$vmlab_path")
    vmlab_size=${vmlab_size##* }
    vmlab_sha=$(sha256sum "$vmlab_path")
    vmlab_sha=${vmlab_sha%% *}
    vmlab_marker "BEGIN $vmlab_name size=$vmlab_size sha256=$vmlab_sha"
    vmlab_emit base64 -w 76 "$vmlab_path"
    vmlab_marker "END $vmlab_name"
}

# vmlab_elapsed FROM TO: TO - FROM, two uptimes with two decimals (as /proc/uptime gives them), into vmlab_elapsed as
# seconds with two decimals; shell arithmetic on hundredths (no awk: under emulation a fork costs a tenth of a second).
vmlab_elapsed() {
    vmlab_d=$(( (${2%.*} * 100 + 1${2#*.} - 100) - (${1%.*} * 100 + 1${1#*.} - 100) ))
    vmlab_r=$(( vmlab_d % 100 ))
    [ "$vmlab_r" -lt 10 ] && vmlab_r=0$vmlab_r
    vmlab_elapsed=$(( vmlab_d / 100 )).$vmlab_r
}

# vmlab_status UNIT RC SECONDS [UPTIME]: UPTIME is when the unit ended, in this VM's uptime (L0 places the unit's
# window in its own clock with it).
vmlab_status() { vmlab_marker "STATUS $1 rc=$2 seconds=$3${4:+ uptime=$4}"; }

# vmlab_run UNIT COMMAND...: runs COMMAND with stdout+stderr to a file, sends the file as
# UNIT.txt, then its STATUS. Returns the command's exit code.
vmlab_run() {
    vmlab_unit=$1
    shift
    vmlab_out=${VMLAB_OUT:-/tmp/vmlab-out}/$vmlab_unit.txt
    mkdir -p "$(dirname "$vmlab_out")"
    vmlab_t0=$(vmlab_uptime)
    "$@" >"$vmlab_out" 2>&1
    vmlab_rc=$?
    vmlab_t1=$(vmlab_uptime)
    vmlab_send_file "$vmlab_unit.txt" "$vmlab_out"
    vmlab_status "$vmlab_unit" "$vmlab_rc" "$(awk -v a="$vmlab_t0" -v b="$vmlab_t1" 'BEGIN { printf "%.2f", b - a }')"
    return "$vmlab_rc"
}

vmlab_done() { vmlab_marker "DONE rc=$1"; }
