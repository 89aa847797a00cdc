# VmLab job library: the job side of docs/PROTOCOL.md, sourced by every job.sh (L1 and L2) as /job/lib.sh.
# The lab writes lib.sh as rootfs/overlay/common/usr/lib/vmlab/protocol.sh (the one definition of the protocol's
# primitives: vmlab_marker, vmlab_fact, vmlab_facts, vmlab_send_file, vmlab_vhost_threads, ...) followed by this
# file (src/VmLab/Lab/Vm/job-lib.sh), so a job does not depend on the image's copy. Needs only sh, coreutils and awk.

# The fact the job adds to init's (vmlab_facts, after READY): whether KVM is there (L1 must have it). Init's facts are
# not said again: under emulation each fact costs about 0.1 s.
vmlab_job_facts() {
  vmlab_fact kvm "$([ -c /dev/kvm ] && echo present || echo absent)"
}

# vmlab_phase NAME: a point in the job's time line, with this layer's uptime. L0 stamps L1's phases with its own clock
# as they arrive, so a boot's fixed cost can be split into its parts (docs/PROTOCOL.md, "Time line").
vmlab_phase() { vmlab_marker "PHASE $1 uptime=$(vmlab_uptime)"; }

# vmlab_thp always|never: the Q2 factor, written before anything is measured.
vmlab_thp() {
  echo "$1" > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
  vmlab_fact thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unavailable)"
}

# vmlab_scratch DEVICE: the writable scratch disk at /work (built empty by the lab for this boot).
vmlab_scratch() {
  mkdir -p /work
  grep -q ' /work ' /proc/mounts || mount -t ext4 "$1" /work || vmlab_fact scratch "cannot mount $1"
  export TMPDIR=/work
}

# vmlab_limit CPUS MEMORY_MIB: the host scenario runs the suites with the guest's CPUs and memory only.
vmlab_limit() {
  vmlab_cpus="0-$(( $1 - 1 ))"
  grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
  echo "+cpuset +memory" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
  mkdir -p /sys/fs/cgroup/vmlab
  echo "$vmlab_cpus" > /sys/fs/cgroup/vmlab/cpuset.cpus 2>/dev/null
  echo $(( $2 * 1024 * 1024 )) > /sys/fs/cgroup/vmlab/memory.max 2>/dev/null
  echo $$ > /sys/fs/cgroup/vmlab/cgroup.procs 2>/dev/null
  taskset -pc "$vmlab_cpus" $$ >/dev/null 2>&1
  vmlab_fact limit_cpus "$(nproc)"
  vmlab_fact limit_cpuset "$(cat /sys/fs/cgroup/vmlab/cpuset.cpus.effective 2>/dev/null || echo unavailable)"
  vmlab_fact limit_memory_max "$(cat /sys/fs/cgroup/vmlab/memory.max 2>/dev/null || echo unavailable)"
}

# vmlab_bridge L1_ADDRESS L0_ADDRESS: L1's NIC (a tap in L0's network namespace, where the clients run) and tap0
# (L2's NIC) on one bridge br0 with L1's address: L0 .1, L1 .101, L2 .105 on one 192.168.0.0/24 (docs/PROTOCOL.md).
vmlab_bridge() {
  # The NIC is the interface with a device behind it (sit0, ip6tnl0 and the like are virtual, lo too).
  vmlab_nic=
  for vmlab_i in /sys/class/net/*; do
    [ -e "$vmlab_i/device" ] && [ "${vmlab_i##*/}" != tap0 ] && { vmlab_nic=${vmlab_i##*/}; break; }
  done
  ip link show tap0 >/dev/null 2>&1 || ip tuntap add dev tap0 mode tap
  ip addr flush dev tap0
  if [ -n "$vmlab_nic" ] && ip link add br0 type bridge forward_delay 0 stp_state 0 \
      && ip link set "$vmlab_nic" master br0 && ip link set tap0 master br0 \
      && ip link set "$vmlab_nic" up && ip link set tap0 up && ip link set br0 up \
      && ip addr replace "$1/24" dev br0; then
    vmlab_fact address "br0 $1 (ports $vmlab_nic, tap0)"
  else
    vmlab_fact address "failed: bridge of ${vmlab_nic:-no NIC} and tap0 with $1"
  fi
  # One echo request proves the link to L0's namespace (busybox ping: the image has no iputils).
  vmlab_fact l0_link "$(busybox ping -c 1 -W 5 "$2" >/dev/null 2>&1 && echo up || echo down)"
}

# vmlab_serve LAYER ADDRESS SECONDS: tells L0 the servers are up and waits (up to SECONDS) for L0's clients to finish,
# which L0 says by typing "vmlab-go" on this console.
vmlab_serve() {
  vmlab_marker "SERVE server=$1 address=$2"
  vmlab_go=$(timeout --foreground "$3" head -n 1)
  case "$vmlab_go" in
    vmlab-go*) vmlab_fact served "$1 $2" ;;
    *) vmlab_fact served "no go from L0 within $3 s" ;;
  esac
  vmlab_phase served
}

# vmlab_address IP: this layer's end of tap0's network (L1's tap0 or L2's first NIC).
vmlab_address() {
  if [ "$VMLAB_LAYER" = l1 ]; then
    ip link show tap0 >/dev/null 2>&1 || ip tuntap add dev tap0 mode tap
    vmlab_if=tap0
  else
    vmlab_if=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
  fi
  if ip addr replace "$1/24" dev "$vmlab_if" && ip link set "$vmlab_if" up; then
    vmlab_fact address "$vmlab_if $1"
  else
    vmlab_fact address "failed: $1 on ${vmlab_if:-no interface}"
  fi
}

# Servers of the network suites, in the measured system; idempotent (init may have started them).
# "vmlab_servers restart" stops init's servers and starts them from this shell, inside its cgroup (the host limit).
vmlab_servers() {
  if [ "$1" = restart ]; then
    pkill -x apache2; pkill -x netserver
    vmlab_i=0
    while pgrep -x apache2 >/dev/null || pgrep -x netserver >/dev/null; do
      [ "$vmlab_i" -ge 20 ] && break
      sleep 0.5; vmlab_i=$(( vmlab_i + 1 ))
    done
  fi
  pgrep -x netserver >/dev/null || netserver >/dev/null 2>&1
  if ! pgrep -x apache2 >/dev/null; then
    vmlab_why=$( ( . /etc/apache2/envvars && mkdir -p /run/lock "$APACHE_RUN_DIR" "$APACHE_LOG_DIR" && apache2 -k start ) 2>&1 ) \
      || vmlab_fact apache2_start "$(echo "$vmlab_why" | tail -n 3 | tr '\n' ' ')"
  fi
  vmlab_fact servers "netserver=$(pgrep -x netserver >/dev/null && echo up || echo down) apache2=$(pgrep -x apache2 >/dev/null && echo up || echo down)"
  vmlab_fact servers_cgroup "$(for p in $(pgrep -x netserver) $(pgrep -x apache2); do sed -n 's/^0:://p' /proc/$p/cgroup; done | sort -u | tr '\n' ' ' | sed 's/ $//')"
}

# vmlab_unit UNIT TIMEOUT_SECONDS PROBE COMMAND: runs one unit, sends its output, reports its status.
vmlab_unit() {
  if ! sh -c "$3" >/dev/null 2>&1; then
    vmlab_fact "unavailable.$1" "not installed in this image (check failed: $3)"
    return 0
  fi
  vmlab_start=$(vmlab_uptime)
  vmlab_out="${TMPDIR:-/tmp}/vmlab-unit-$$.txt"
  timeout -k 10 "$2" sh -c "$4" < /dev/null > "$vmlab_out" 2>&1
  vmlab_rc=$?
  vmlab_end=$(vmlab_uptime)
  vmlab_send_file "$1.txt" "$vmlab_out"
  rm -f "$vmlab_out"
  vmlab_status "$1" "$vmlab_rc" "$(awk -v a="$vmlab_start" -v b="$vmlab_end" 'BEGIN { printf "%.2f", b - a }')" "$vmlab_end"
}

# vmlab_calibrate WHEN ITERATIONS PROGRAM: the calibration probe (docs/PROTOCOL.md, "Calibration"): awk runs PROGRAM,
# a fixed CPU-bound loop of ITERATIONS, timed with this VM's uptime; reported as the fact calibration.WHEN. L0 checks
# the sum it printed and turns it into a rate.
vmlab_calibrate() {
  vmlab_t0=$(vmlab_uptime)
  vmlab_sum=$(awk -v n="$2" "$3" 2>/dev/null)
  vmlab_rc=$?
  vmlab_t1=$(vmlab_uptime)
  vmlab_fact "calibration.$1" "iterations=$2 sum=$vmlab_sum rc=$vmlab_rc seconds=$(awk -v a="$vmlab_t0" -v b="$vmlab_t1" 'BEGIN { printf "%.2f", b - a }')"
}

# vmlab_wait_console FILE PATTERN SECONDS [PID]: waits for a nested console to print PATTERN; gives up after SECONDS,
# or as soon as the VM PID has exited. Starts no process while it waits: tail -F follows FILE by inotify (create FILE
# before the VM starts; a missing FILE makes tail poll it once a second until it appears) and, with PID, checks the
# VM once a second with kill(2). The poll it replaces ran a grep and a sleep each second, about 9% of one of L1's
# emulated vCPUs, taken from L2 while L2's suites ran.
vmlab_wait_console() {
  timeout "$3" sh -c 'tail -n +1 -F ${2:+--pid=$2} -- "$1" 2>/dev/null | { grep -q -m 1 -e "$0"; r=$?; pkill -PIPE -x -P $$ tail; exit $r; }' \
    "$2" "$1" "${4:-}"
}

# vmlab_wait_pid PID SECONDS: waits for a VM to power off (tail --pid: a kill(2) a second, no process started);
# stops it after SECONDS (returns 1 then).
vmlab_wait_pid() {
  if ! vmlab_exits_within "$1" "$2"; then
    vmlab_stop "$1"; return 1
  fi
  wait "$1"
}

# vmlab_exits_within PID SECONDS: true once PID has exited, false if it still runs after SECONDS.
vmlab_exits_within() { timeout "$2" tail -f --pid="$1" /dev/null; }

# vmlab_stop PID [GRACE]: stops a VM: SIGTERM, then SIGKILL if it is still there GRACE (30) seconds later (a wedged
# QEMU must not hold the job until L0's budget kills the whole boot, and L2's console with it).
vmlab_stop() {
  kill "$1" 2>/dev/null
  vmlab_exits_within "$1" "${2:-30}" || kill -9 "$1" 2>/dev/null
  wait "$1"
}
