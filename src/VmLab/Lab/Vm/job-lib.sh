# VmLab job library: the job side of docs/PROTOCOL.md, sourced by every job.sh (L1 and L2) as /job/lib.sh. L1's
# bash part (following L2's console, QMP, serving L0's clients) is src/VmLab/Lab/Vm/job-lib.bash, /job/lib.bash.
# The lab writes lib.sh as rootfs/overlay/common/usr/lib/vmlab/protocol.sh (the one definition of the protocol's
# primitives: vmlab_marker, vmlab_fact, vmlab_facts, vmlab_send_file, vmlab_vhost_threads, ...) followed by this
# file (src/VmLab/Lab/Vm/job-lib.sh), so a job does not depend on the image's copy. Needs only sh, coreutils and awk.

# The fact the job adds to init's (vmlab_facts, after READY): whether KVM is there (L1 must have it). Init's facts are
# not said again: under emulation each fact costs about 0.1 s.
vmlab_job_facts() {
  if [ -c /dev/kvm ]; then vmlab_fact kvm present; else vmlab_fact kvm absent; fi
}

# vmlab_phase NAME: a point in the job's time line, with this layer's uptime. L0 stamps L1's phases with its own clock
# as they arrive, so a boot's fixed cost can be split into its parts (docs/PROTOCOL.md, "Time line").
vmlab_phase() { read -r vmlab_up _ </proc/uptime; vmlab_marker "PHASE $1 uptime=$vmlab_up"; }

# vmlab_thp always|never: the Q2 factor, written before anything is measured.
vmlab_thp() {
  echo "$1" > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
  vmlab_file_line vmlab_v /sys/kernel/mm/transparent_hugepage/enabled
  vmlab_fact thp "${vmlab_v:-unavailable}"
}

# vmlab_scratch DEVICE: the writable scratch disk at /work (built empty by the lab for this boot).
vmlab_scratch() {
  [ -d /work ] || mkdir -p /work
  vmlab_mounted /work || mount -t ext4 "$1" /work || vmlab_fact scratch "cannot mount $1"
  export TMPDIR=/work
}

# vmlab_mounted DIRECTORY: true when something is mounted there (read over /proc/mounts: no grep).
vmlab_mounted() {
  while read -r _ vmlab_m _; do
    [ "$vmlab_m" = "$1" ] && return 0
  done </proc/mounts
  return 1
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

# vmlab_address IP: this layer's end of tap0's network (L1's tap0 or L2's first NIC).
vmlab_address() {
  if [ "$VMLAB_LAYER" = l1 ]; then
    ip link show tap0 >/dev/null 2>&1 || ip tuntap add dev tap0 mode tap
    vmlab_if=tap0
  else
    vmlab_if=
    for vmlab_i in /sys/class/net/*; do
      [ "${vmlab_i##*/}" != lo ] && { vmlab_if=${vmlab_i##*/}; break; }
    done
    # The image's init has put its address on its interface already (and fails the boot when it cannot): no ip.
    [ -r /etc/vmlab/image.conf ] && . /etc/vmlab/image.conf
    if [ "${VMLAB_ADDRESS:-}" = "$1/24" ] && [ "${VMLAB_IFACE:-}" = "$vmlab_if" ]; then
      vmlab_fact address "$vmlab_if $1"
      return 0
    fi
  fi
  if ip addr replace "$1/24" dev "$vmlab_if" && ip link set "$vmlab_if" up; then
    vmlab_fact address "$vmlab_if $1"
  else
    vmlab_fact address "failed: $1 on ${vmlab_if:-no interface}"
  fi
}

# Servers of the network suites, in the measured system, started only when it serves (images before issue 24 started
# them in init); idempotent. "vmlab_servers restart" stops servers an older init started and starts them from this
# shell, inside its cgroup (the host limit). Facts servers and servers_cgroup.
vmlab_servers() {
  vmlab_find_servers
  if [ "$1" = restart ] && [ -n "$vmlab_netserver$vmlab_apache2" ]; then
    pkill -x apache2; pkill -x netserver
    vmlab_i=0
    while pgrep -x apache2 >/dev/null || pgrep -x netserver >/dev/null; do
      [ "$vmlab_i" -ge 20 ] && break
      sleep 0.5; vmlab_i=$(( vmlab_i + 1 ))
    done
    vmlab_find_servers
  fi
  [ -n "$vmlab_netserver" ] || netserver >/dev/null 2>&1
  if [ -z "$vmlab_apache2" ]; then
    vmlab_why=$( ( . /etc/apache2/envvars && mkdir -p /run/lock "$APACHE_RUN_DIR" "$APACHE_LOG_DIR" && apache2 -k start ) 2>&1 ) \
      || vmlab_fact apache2_start "$vmlab_why"
  fi
  vmlab_find_servers
  vmlab_up_n=down vmlab_up_a=down
  [ -n "$vmlab_netserver" ] && vmlab_up_n=up
  [ -n "$vmlab_apache2" ] && vmlab_up_a=up
  vmlab_fact servers "netserver=$vmlab_up_n apache2=$vmlab_up_a"
  vmlab_groups=
  for vmlab_p in $vmlab_netserver $vmlab_apache2; do
    vmlab_file_line vmlab_g "/proc/$vmlab_p/cgroup"
    case " $vmlab_groups " in
      *" ${vmlab_g#0::} "*) ;;
      *) vmlab_groups="${vmlab_groups:+$vmlab_groups }${vmlab_g#0::}" ;;
    esac
  done
  vmlab_fact servers_cgroup "$vmlab_groups"
}

# vmlab_find_servers: the PIDs of netserver and apache2 now, in vmlab_netserver and vmlab_apache2 (a read of every
# /proc/PID/comm: no pgrep).
vmlab_find_servers() {
  vmlab_netserver=
  vmlab_apache2=
  for vmlab_p in /proc/[0-9]*; do
    read -r vmlab_c 2>/dev/null <"$vmlab_p/comm" || continue
    case $vmlab_c in
      netserver) vmlab_netserver="${vmlab_netserver:+$vmlab_netserver }${vmlab_p#/proc/}" ;;
      apache2) vmlab_apache2="${vmlab_apache2:+$vmlab_apache2 }${vmlab_p#/proc/}" ;;
    esac
  done
}

# vmlab_unit UNIT TIMEOUT_SECONDS PROBE COMMAND: runs one unit between its two edges (counters, below), sends its
# output, reports its status. The suite gets no copy of the control port (fd 8).
vmlab_unit() {
  if ! sh -c "$3" >/dev/null 2>&1; then
    vmlab_fact "unavailable.$1" "not installed in this image (check failed: $3)"
    return 0
  fi
  vmlab_out="${TMPDIR:-/tmp}/vmlab-unit-$$.txt"
  vmlab_edge "$1" start
  read -r vmlab_start _ </proc/uptime
  timeout -k 10 "$2" sh -c "$4" < /dev/null > "$vmlab_out" 2>&1 8<&-
  vmlab_rc=$?
  read -r vmlab_end _ </proc/uptime
  vmlab_edge "$1" end
  vmlab_send_file "$1.txt" "$vmlab_out" # the next unit's output overwrites the file: no rm
  vmlab_elapsed "$vmlab_start" "$vmlab_end"
  vmlab_status "$1" "$vmlab_rc" "$vmlab_elapsed" "$vmlab_end"
}

# --- Counters: each unit's counters in every layer, read at its edges (docs/PROTOCOL.md, "Counters") ---

# vmlab_counters UNIT EDGE: this system's counters at a unit's edge (start|end), one COUNT marker per line read, all
# written at once. Builtins only (read, case, printf): no process starts, so the snapshot adds no fork's page faults
# or context switches to the counters it reads. Sources: /proc/uptime, /proc/stat (the cpu lines, ctxt, intr's
# total), /proc/vmstat (pgfault, pgmajfault, thp_fault_alloc, thp_fault_fallback), /proc/softirqs (NET_TX, NET_RX),
# /proc/net/snmp (the two Tcp: lines), /proc/meminfo (AnonHugePages). A line the kernel lacks is simply not there.
vmlab_counters() {
  vmlab_cp="@@VMLAB:COUNT $1 $2"
  vmlab_nl='
'
  read -r vmlab_a _ </proc/uptime
  vmlab_cb="$vmlab_cp uptime $vmlab_a@@"
  while read -r vmlab_k vmlab_a vmlab_r; do
    case $vmlab_k in
      cpu*) vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp stat $vmlab_k $vmlab_a $vmlab_r@@" ;;
      ctxt | intr) vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp stat $vmlab_k $vmlab_a@@" ;;
    esac
  done </proc/stat
  vmlab_i=0
  while [ "$vmlab_i" -lt 4 ] && read -r vmlab_k vmlab_a; do
    case $vmlab_k in
      pgfault | pgmajfault | thp_fault_alloc | thp_fault_fallback)
        vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp vmstat $vmlab_k $vmlab_a@@"; vmlab_i=$(( vmlab_i + 1 )) ;;
    esac
  done </proc/vmstat
  while read -r vmlab_k vmlab_a; do
    case $vmlab_k in
      NET_TX: | NET_RX:) vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp softirqs $vmlab_k $vmlab_a@@" ;;
    esac
  done </proc/softirqs
  vmlab_i=0
  while [ "$vmlab_i" -lt 2 ] && read -r vmlab_k vmlab_a; do
    [ "$vmlab_k" = Tcp: ] && { vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp snmp Tcp: $vmlab_a@@"; vmlab_i=$(( vmlab_i + 1 )); }
  done </proc/net/snmp
  while read -r vmlab_k vmlab_a vmlab_r; do
    [ "$vmlab_k" = AnonHugePages: ] && { vmlab_cb="$vmlab_cb$vmlab_nl$vmlab_cp meminfo AnonHugePages: $vmlab_a $vmlab_r@@"; break; }
  done </proc/meminfo
  vmlab_emit printf '%s\n' "$vmlab_cb"
}

# vmlab_control: opens the control port (a virtio serial port named vmlab.ctl, L1's FIFO /work/l2-ctl.in behind it) on
# fd 8, where L1 answers this VM's snapshot requests and asks for its own; fact control. Without one (no such port),
# units run with this VM's counters only.
vmlab_control() {
  vmlab_ctl=
  for vmlab_p in /sys/class/virtio-ports/*; do
    [ -r "$vmlab_p/name" ] || continue
    read -r vmlab_n <"$vmlab_p/name"
    if [ "$vmlab_n" = vmlab.ctl ] && [ -c "/dev/${vmlab_p##*/}" ] && command exec 8<"/dev/${vmlab_p##*/}"; then
      vmlab_ctl=/dev/${vmlab_p##*/}
    fi
  done
  vmlab_fact control "${vmlab_ctl:-none}"
}

# vmlab_edge UNIT EDGE: a unit's edge in the VM that runs it. The outer layer's counters go outside this one's: at the
# start L1 reads its side first (SNAP, then wait for its answer on the control port), at the end last. EDGE says this
# layer's snapshot is taken: L0 reads its own side when L1's arrives.
vmlab_edge() {
  [ "${VMLAB_COUNTERS:-1}" = 0 ] && return 0 # counters off (job.env): what reading them costs is measured
  if [ "$2" = start ]; then
    vmlab_ask "$1" start
    vmlab_counters "$1" start
    vmlab_marker "EDGE $1 start"
  else
    vmlab_counters "$1" end
    vmlab_marker "EDGE $1 end"
    vmlab_ask "$1" end
  fi
}

# vmlab_ask UNIT EDGE: asks the outer layer (L1) for its counters and waits for its answer; a control port that ends
# is given up (the units go on with this layer's counters only).
vmlab_ask() {
  [ -n "${vmlab_ctl:-}" ] || return 0
  vmlab_marker "SNAP $1 $2"
  read -r vmlab_reply <&8 || { vmlab_ctl=; vmlab_fact control "closed at $1 $2"; }
}

# vmlab_answer: L2 once it serves: takes its counters whenever L1 asks ("snap UNIT EDGE" on the control port, for L0's
# network units) and says EDGE when done; idles until L1 stops this VM.
vmlab_answer() {
  if [ -n "${vmlab_ctl:-}" ]; then
    while read -r vmlab_cmd vmlab_u vmlab_e <&8; do
      if [ "$vmlab_cmd" = snap ]; then
        vmlab_counters "$vmlab_u" "$vmlab_e"
        vmlab_marker "EDGE $vmlab_u $vmlab_e"
      fi
    done
  fi
  while :; do sleep 3600; done
}

# vmlab_calibrate WHEN ITERATIONS PROGRAM: the calibration probe (docs/PROTOCOL.md, "Calibration"): awk runs PROGRAM,
# a fixed CPU-bound loop of ITERATIONS, timed with this VM's uptime; reported as the fact calibration.WHEN. L0 checks
# the sum it printed and turns it into a rate.
vmlab_calibrate() {
  read -r vmlab_t0 _ </proc/uptime
  vmlab_sum=$(awk -v n="$2" "$3" 2>/dev/null)
  vmlab_rc=$?
  read -r vmlab_t1 _ </proc/uptime
  vmlab_elapsed "$vmlab_t0" "$vmlab_t1"
  vmlab_fact "calibration.$1" "iterations=$2 sum=$vmlab_sum rc=$vmlab_rc seconds=$vmlab_elapsed"
}

# vmlab_exits_within PID SECONDS: true once PID has exited, false if it still runs after SECONDS (tail checks with
# kill(2) ten times a second: at its default of once a second, stopping L2 cost each guest boot up to a second).
vmlab_exits_within() { timeout "$2" tail -s 0.1 -f --pid="$1" /dev/null; }

# vmlab_stop PID [GRACE]: stops a VM: SIGTERM, then SIGKILL if it is still there GRACE (30) seconds later (a wedged
# QEMU must not hold the job until L0's budget kills the whole boot, and L2's console with it).
vmlab_stop() {
  kill "$1" 2>/dev/null
  vmlab_exits_within "$1" "${2:-30}" || kill -9 "$1" 2>/dev/null
  wait "$1"
}
