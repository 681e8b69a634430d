#!/usr/bin/env bash
# A one-node Slurm cluster on loopback, for trying the README's job array
# (scripts/slurm_eval_array.sbatch) on a laptop; the end-to-end test starts one too.
#
#   scripts/slurm_cluster.sh start DIR   # configs, state and logs in DIR; prints the export below
#   export SLURM_CONF=DIR/slurm.conf     # then sinfo, sbatch, squeue, scancel talk to it
#   scripts/slurm_cluster.sh stop DIR    # stops the daemons (safe to repeat)
#
# Needs Debian's (or Ubuntu's) slurm-wlm and munge: `sudo apt-get install slurm-wlm munge`.
# The packages' own services are not used: this script starts munged, slurmctld and slurmd as
# the current user, with their own munge key and socket in DIR, on ports CLUSTER_PORT and
# CLUSTER_PORT+1 (default 16817 and 16818, beside Slurm's usual 6817 and 6818). The node is
# `localhost` with the CPUs `slurmd -C` finds. No cgroups (proctrack/linuxproc, task/none), so a
# job's CPU and memory requests are bookkeeping, not limits. As a user other than root, jobs run as
# that same user (slurmd cannot switch to another without root).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 64
}
[ $# -eq 2 ] || usage
command=$1
if [ "$command" = stop ] && [ ! -d "$2" ]; then exit 0; fi
mkdir -p "$2"
dir=$(cd "$2" && pwd)
conf=$dir/slurm.conf
port=${CLUSTER_PORT:-16817}

# Whether the pid file $2 names a live process called $1 (not a later process given the same pid).
running() { [ -s "$2" ] && [ "$(cat "/proc/$(cat "$2")/comm" 2>/dev/null)" = "$1" ]; }

# Stops the daemon a pid file names.
stop_daemon() {
    local name=$1 pidfile=$2 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if running "$name" "$pidfile"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -d "/proc/$pid" ] || break
            sleep 0.2
        done
        if [ -d "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pidfile"
}

stop() {
    # Jobs first, and only if this cluster's own controller is up (not one on the same port).
    if running slurmctld "$dir/slurmctld.pid" && [ -f "$conf" ]; then
        SLURM_CONF=$conf scancel --user="$(id -un)" 2>/dev/null || true
    fi
    stop_daemon slurmd "$dir/slurmd.pid"
    stop_daemon slurmctld "$dir/slurmctld.pid"
    stop_daemon munged "$dir/munge/munged.pid"
}

fail() {
    echo "$0: $1" >&2
    for log in "$dir"/log/*.log; do
        [ -f "$log" ] || continue
        echo "--- last lines of $log" >&2
        tail -n 20 "$log" >&2
    done
    stop
    exit 1
}

start() {
    # The daemons are in /usr/sbin, which a user's PATH may leave out.
    PATH=$PATH:/usr/sbin:/sbin
    for program in munged mungekey munge unmunge slurmctld slurmd sinfo; do
        command -v "$program" >/dev/null || {
            echo "$0: $program not found: install slurm-wlm and munge (sudo apt-get install slurm-wlm munge)" >&2
            exit 1
        }
    done
    if running slurmctld "$dir/slurmctld.pid"; then
        echo "$0: a cluster is already running in $dir (stop it first: $0 stop $dir)" >&2
        exit 1
    fi
    # The daemons would inherit every descriptor this script was given beyond 0-2, and keep it open:
    # a caller that learns of the script's exit when such a socket closes (Swift's Process does)
    # would wait for ever. 255 is bash's own copy of this script, close-on-exec.
    local fd
    for fd in /proc/$$/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-"; fi
    done
    local user
    user=$(id -un)
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key"
    # --force: munged wants every folder above its socket searchable by all users (a home folder
    # often is not); here every client of the socket is the user who started it.
    # Each daemon's own output goes to a file: one that kept this script's stdout open would
    # leave a caller reading it (a test, `$(...)`) waiting for ever.
    munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
        --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/log/munged-output.log" 2>&1 ||
        fail "munged did not start"
    munge --socket="$dir/munge/munge.socket" --no-input | unmunge --socket="$dir/munge/munge.socket" >/dev/null ||
        fail "munge cannot encode and decode a credential with its own daemon"

    # The node's sockets, cores and threads as slurmd itself finds them, so that it registers
    # without being drained for a mismatch; its memory is left out (not tracked here).
    local hardware
    hardware=$(slurmd -C | head -n 1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
    cat >"$conf" <<EOF
# Written by scripts/slurm_cluster.sh: a one-node cluster on loopback.
ClusterName=text4seg
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    # -c: a fresh controller state, whatever an earlier cluster in DIR left.
    slurmctld -c -f "$conf" </dev/null >>"$dir/log/slurmctld-output.log" 2>&1 || fail "slurmctld did not start"
    slurmd -f "$conf" -N localhost </dev/null >>"$dir/log/slurmd-output.log" 2>&1 || fail "slurmd did not start"

    local state="" daemon
    for _ in $(seq 60); do
        state=$(SLURM_CONF=$conf sinfo --noheader --nodes=localhost --format=%T 2>/dev/null || true)
        [ "$state" = idle ] && break
        for daemon in slurmctld slurmd; do
            if [ -s "$dir/$daemon.pid" ] && ! running "$daemon" "$dir/$daemon.pid"; then fail "$daemon exited"; fi
        done
        sleep 0.5
    done
    [ "$state" = idle ] || fail "the node is not idle after 30 s (sinfo says '${state:-nothing}')"
    echo "export SLURM_CONF=$conf"
}

case $command in
start) start ;;
stop) stop ;;
*) usage ;;
esac
