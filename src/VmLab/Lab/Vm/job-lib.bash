# VmLab job library, bash part (docs/PROTOCOL.md, "Counters"): both layers' jobs run under bash when the image has it
# and source this after lib.sh; L1 also runs its functions as: bash /job/lib.bash FUNCTION ARGUMENTS... Bash for its
# builtins: read that takes a /proc file in one read(2) (sh's takes a byte a call), read with a timeout, /dev/tcp for
# QEMU's QMP socket, globs over /proc. Nothing here starts a process while a unit runs.
# (src/VmLab/Lab/Vm/job-lib.bash, written into every job folder as lib.bash beside lib.sh, which it sources.)

vmlab_here=${BASH_SOURCE[0]%/*}
[[ $vmlab_here == "${BASH_SOURCE[0]}" ]] && vmlab_here=.
. "$vmlab_here/lib.sh"

# vmlab_counters UNIT EDGE: the measured system's counters at a unit's edge, as lib.sh's vmlab_counters says them (the
# same COUNT lines), each file read whole with one read builtin and its lines picked with bash's patterns.
vmlab_counters() {
  local p="@@VMLAB:COUNT $1 $2" b v line k re nl=$'\n'
  local -a f
  read -r v _ </proc/uptime
  b="$p uptime $v@@"
  read -r -d '' v </proc/stat
  while [[ -n $v ]]; do
    line=${v%%"$nl"*}
    [[ $line == "$v" ]] && v= || v=${v#*"$nl"}
    case $line in
      cpu*) f=($line); b+="$nl$p stat ${f[*]}@@" ;; # fields one space apart, as sh's read leaves them
      ctxt\ * | intr\ *) f=($line); b+="$nl$p stat ${f[0]} ${f[1]}@@" ;;
    esac
  done
  read -r -d '' v </proc/vmstat
  for k in pgfault pgmajfault thp_fault_alloc thp_fault_fallback; do
    re="(^|$nl)$k ([0-9]+)"
    [[ $v =~ $re ]] && b+="$nl$p vmstat $k ${BASH_REMATCH[2]}@@"
  done
  read -r -d '' v </proc/softirqs
  for k in NET_TX: NET_RX:; do
    re="$nl *$k *([^$nl]*)"
    [[ $v =~ $re ]] && b+="$nl$p softirqs $k ${BASH_REMATCH[1]}@@"
  done
  read -r -d '' v </proc/net/snmp
  re="(^|$nl)Tcp: ([^$nl]*)${nl}Tcp: ([^$nl]*)"
  [[ $v =~ $re ]] && b+="$nl$p snmp Tcp: ${BASH_REMATCH[2]}@@$nl$p snmp Tcp: ${BASH_REMATCH[3]}@@"
  read -r -d '' v </proc/meminfo
  re="${nl}AnonHugePages: *([0-9]+) ([^$nl]*)"
  [[ $v =~ $re ]] && b+="$nl$p meminfo AnonHugePages: ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}@@"
  vmlab_emit printf '%s\n' "$b"
}

# The KVM counters of L2's vCPUs that L1 reads through query-stats (arm64 and generic names; an absent one is left out
# of QEMU's answer and recorded as unavailable by the lab).
vmlab_kvm_names='"exits","mmio_exit_user","mmio_exit_kernel","wfe_exit_stat","wfi_exit_stat","hvc_exit_stat","signal_exits","halt_successful_poll","halt_attempted_poll","halt_poll_invalid","halt_wakeup","halt_poll_success_ns","halt_poll_fail_ns","halt_wait_ns"'

# vmlab_qmp_stats: QEMU's query-stats for L2's vCPUs into vmlab_reply (one JSON line); false with vmlab_why when QMP
# does not answer. The connection (fd vmlab_qmp) opens at the first call and stays open.
vmlab_qmp_stats() {
  local line i
  if [[ -n ${vmlab_qmp_failed:-} ]]; then vmlab_why=$vmlab_qmp_failed; return 1; fi
  if [[ -z ${vmlab_qmp:-} ]]; then
    for i in 1 2 3 4 5; do
      { exec {vmlab_qmp}<>"/dev/tcp/127.0.0.1/$vmlab_qmp_port"; } 2>/dev/null && break
      vmlab_qmp=
      sleep 0.2 # only when QEMU's socket is not up yet at L2's first edge, which comes before its first unit
    done
    # A QEMU without QMP stays without: the next edges do not wait for it again.
    if [[ -z $vmlab_qmp ]]; then vmlab_why="no QMP socket on 127.0.0.1:$vmlab_qmp_port"; vmlab_qmp_failed=$vmlab_why; return 1; fi
    read -r -t 5 -u "$vmlab_qmp" line || { vmlab_why="no QMP greeting"; vmlab_qmp_failed=$vmlab_why; vmlab_qmp_close; return 1; }
    printf '%s\n' '{"execute":"qmp_capabilities"}' >&"$vmlab_qmp"
    vmlab_qmp_reply || { vmlab_qmp_failed=$vmlab_why; vmlab_qmp_close; return 1; }
  fi
  if [[ -z ${vmlab_qmp_all:-} ]]; then
    printf '%s\n' "{\"execute\":\"query-stats\",\"arguments\":{\"target\":\"vcpu\",\"providers\":[{\"provider\":\"kvm\",\"names\":[$vmlab_kvm_names]}]}}" >&"$vmlab_qmp"
    vmlab_qmp_reply && return 0
    [[ $vmlab_why == 'QMP error: '* ]] || return 1
    vmlab_qmp_all=1 # a QEMU that cannot filter by name: every counter, from now on
  fi
  printf '%s\n' '{"execute":"query-stats","arguments":{"target":"vcpu"}}' >&"$vmlab_qmp"
  vmlab_qmp_reply
}

# vmlab_qmp_reply: the next reply on QMP (events before it are skipped), into vmlab_reply; false on an error or silence.
vmlab_qmp_reply() {
  local line
  while read -r -t 5 -u "$vmlab_qmp" line; do
    line=${line%$'\r'}
    case $line in
      '{"return"'*) vmlab_reply=$line; return 0 ;;
      '{"error"'*) vmlab_why="QMP error: $line"; return 1 ;;
    esac
  done
  vmlab_why="no QMP reply within 5 s"
  return 1
}

vmlab_qmp_close() { exec {vmlab_qmp}>&-; vmlab_qmp=; }

# vmlab_l1_counters UNIT EDGE: L1's counters about L2 at a unit's edge, as COUNT markers written at once: L1's uptime,
# L2's QEMU process (its times include threads that ended) and each of its threads (vCPUs, main loop, I/O), the
# vhost workers (kernel threads named vhost-<QEMU's pid>), AnonHugePages of QEMU's memory, KVM's vCPU counters.
vmlab_l1_counters() {
  local p="@@VMLAB:COUNT $1 $2" b line t k v r
  read -r v _ </proc/uptime
  b="$p uptime $v@@"
  vmlab_stat "/proc/$vmlab_qemu/stat" && b+=$'\n'"$p qemu $vmlab_line@@"
  for t in /proc/"$vmlab_qemu"/task/*; do
    vmlab_stat "$t/stat" && b+=$'\n'"$p thread $vmlab_line@@"
  done
  # The vhost workers: found by a scan of every /proc/PID/comm once, then read by PID (a scan again when one is gone).
  for t in ${vmlab_vhost_pids-SCAN}; do
    [[ $t == SCAN || ! -r /proc/$t/stat ]] && { vmlab_l1_vhost_scan; break; }
  done
  for t in $vmlab_vhost_pids; do
    vmlab_stat "/proc/$t/stat" && b+=$'\n'"$p vhost $vmlab_line@@"
  done
  while read -r k v r; do
    [[ $k == AnonHugePages: ]] && { b+=$'\n'"$p smaps AnonHugePages: $v $r@@"; break; }
  done 2>/dev/null <"/proc/$vmlab_qemu/smaps_rollup"
  if vmlab_qmp_stats; then
    b+=$'\n'"$p kvm $vmlab_reply@@"
  else
    b+=$'\n'"$p kvm-unavailable $vmlab_why@@"
  fi
  vmlab_emit printf '%s\n' "$b"
}

# vmlab_stat FILE: a /proc stat line up to stime (PID, (name), and the 13 fields after it, utime and stime the last
# two) into vmlab_line: the rest (memory, scheduling) is not read, and every byte costs L1's emulated serial console.
vmlab_stat() {
  local rest
  local -a f
  read -r vmlab_line 2>/dev/null <"$1" || return 1
  rest=${vmlab_line##*) }
  set -f
  f=($rest)
  set +f
  vmlab_line="${vmlab_line%"$rest"}${f[*]:0:13}"
}

# vmlab_l1_vhost_scan: the PIDs of L2's QEMU's vhost workers (kernel threads vhost-<QEMU's PID>) into vmlab_vhost_pids.
vmlab_l1_vhost_scan() {
  local t k
  vmlab_vhost_pids=
  for t in /proc/[0-9]*; do
    read -r k 2>/dev/null <"$t/comm" && [[ $k == "vhost-$vmlab_qemu" ]] && vmlab_vhost_pids+=" ${t#/proc/}"
  done
}

# vmlab_l1_vhost_count: how many vhost-* kernel threads run now, into vmlab_n (builtins: the fact vhost_threads).
vmlab_l1_vhost_count() {
  local t k
  vmlab_n=0
  for t in /proc/[0-9]*; do
    read -r k 2>/dev/null <"$t/comm" && [[ $k == vhost-* ]] && vmlab_n=$((vmlab_n + 1))
  done
}

# vmlab_l1_guest L2BOOT CONSOLE SECONDS QEMU_PID CONTROL QMP_PORT SERVE ADDRESS SERVE_SECONDS: L1 while L2 runs.
# Follows L2's console (one tail -F, started before L2's first unit) and reacts to it with builtins: L2's SNAP (a CPU
# unit's edge) → L1's counters, EDGE on L1's console (L0 reads its side), "ok" on the control FIFO (L2 goes on).
# With SERVE=1 L2's 'serving' phase hands over to vmlab_l1_serve; otherwise L2's READY is relayed (l2-ready) and L1
# waits for L2 to power off. Gives up after SECONDS (fact l2_failed, false).
vmlab_l1_guest() {
  local boot=$1 console=$2 seconds=$3 serve=$7 line left rc
  vmlab_qemu=$4
  vmlab_qmp_port=$6
  exec 8<>"$5"
  # A coprocess, not <(…): the VMs have no /dev/fd (no udev) for process substitution.
  coproc vmlab_tail { exec tail -n +1 -F --pid="$vmlab_qemu" -- "$console" 2>/dev/null; }
  exec 7<&"${vmlab_tail[0]}"
  local deadline=$((SECONDS + seconds))
  while :; do
    left=$((deadline - SECONDS))
    if ((left <= 0)); then
      if [[ $serve == 1 ]]; then vmlab_fact l2_failed "L2 boot $boot did not start its servers within $seconds s"; else vmlab_fact l2_failed "L2 boot $boot did not power off within $seconds s"; fi
      return 1
    fi
    IFS= read -r -t "$left" -u 7 line
    rc=$?
    if ((rc > 128)); then
      continue # the time is up: said above
    elif ((rc != 0)); then
      break # the end of L2's console: its QEMU has exited (tail --pid)
    fi
    line=${line%$'\r'}
    case $line in
      '@@VMLAB:SNAP '*@@)
        line=${line#@@VMLAB:SNAP }
        line=${line%@@}
        vmlab_l1_counters "${line% *}" "${line##* }"
        vmlab_marker "EDGE ${line% *} ${line##* }"
        printf 'ok %s\n' "$line" >&8
        ;;
      '@@VMLAB:READY '*)
        if [[ $serve != 1 ]]; then
          vmlab_phase l2-ready # L0's clock for L2's READY: places L2's units in L0's time
          vmlab_l1_vhost_count
          vmlab_fact vhost_threads "$vmlab_n"
        fi
        ;;
      '@@VMLAB:PHASE serving '*)
        if [[ $serve == 1 ]]; then
          # 'serving' is L2's last word before it idles: L0's first client must not run while L2 still works.
          vmlab_phase l2-serving
          vmlab_l1_vhost_count
          vmlab_fact vhost_threads "$vmlab_n"
          vmlab_l1_serve l2 "$8" "$9"
          return 0
        fi
        ;;
    esac
  done
  if [[ $serve == 1 ]]; then
    vmlab_fact l2_failed "L2 boot $boot stopped before it started its servers"
    return 1
  fi
}

# vmlab_l1_serve LAYER ADDRESS SECONDS: says SERVE, then reads L0's lines on the console for up to SECONDS:
# "vmlab-snap UNIT EDGE" → every layer's counters for that edge of a network unit, then EDGE on L1's console (L0 starts
# or has ended its client); "vmlab-go" → L0's clients are done (fact served). LAYER is the measured one: l1 (host)
# or l2 (L1 reads its side and asks L2 over the control FIFO, fd 8, for its own).
vmlab_l1_serve() {
  local deadline=$((SECONDS + $3)) line left
  local -a words
  vmlab_marker "SERVE server=$1 address=$2"
  while :; do
    left=$((deadline - SECONDS))
    if ((left <= 0)) || ! IFS= read -r -t "$left" line; then
      vmlab_fact served "no go from L0 within $3 s"
      break
    fi
    set -f
    words=(${line%$'\r'})
    set +f
    case ${words[0]:-} in
      vmlab-go) vmlab_fact served "$1 $2"; break ;;
      vmlab-snap) [[ ${#words[@]} == 3 ]] && vmlab_l1_edge "$1" "${words[1]}" "${words[2]}" ;;
    esac
  done
  vmlab_phase served
}

# vmlab_l1_edge LAYER UNIT EDGE: one edge of a network unit, the outer layer's counters outside the inner one's.
vmlab_l1_edge() {
  if [[ ${VMLAB_COUNTERS:-1} == 0 ]]; then
    : # counters off (job.env): L0 still waits for the EDGE
  elif [[ $1 == l1 ]]; then
    vmlab_counters "$2" "$3"
  elif [[ $3 == start ]]; then
    vmlab_l1_counters "$2" "$3"
    vmlab_l1_ask "$2" "$3"
  else
    vmlab_l1_ask "$2" "$3"
    vmlab_l1_counters "$2" "$3"
  fi
  vmlab_marker "EDGE $2 $3"
}

# vmlab_l1_ask UNIT EDGE: asks L2 for its counters over the control FIFO and waits (30 s at most) for L2's EDGE.
vmlab_l1_ask() {
  local line deadline=$((SECONDS + 30))
  printf 'snap %s %s\n' "$1" "$2" >&8
  while ((SECONDS < deadline)) && IFS= read -r -t $((deadline - SECONDS)) -u 7 line; do
    [[ ${line%$'\r'} == "@@VMLAB:EDGE $1 $2@@" ]] && return 0
  done
  vmlab_fact "counters.$1.$2" "L2 did not answer within 30 s"
}

"$@"
