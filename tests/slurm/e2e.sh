#!/usr/bin/env bash
# End-to-end test of scripts/slurm/ on a real, single-node Slurm cluster started on this
# machine: installs Slurm and munge from Debian's packages if they are missing, starts munged,
# slurmctld and slurmd with their own key, configuration, ports, state and logs under a
# temporary folder, submits a sweep as a 4-task job array plus the merge with
# scripts/slurm/submit.sh, waits for both, checks they succeeded, and checks that the merged
# sweep.csv and points/ equal those of the same sweep run locally without shards. Every
# daemon it started is stopped on exit.
#
# Run from anywhere, as root on Debian: bash tests/slurm/e2e.sh
# Exit 0 when passed, or skipped (with a line that says why) where Slurm cannot be installed;
# any other failure exits non-zero and prints the daemons' and jobs' logs.
#
# Environment (all optional):
#   CAPSIM       use this capsim binary instead of building one with cargo build --release
#   E2E_TIMEOUT  seconds to wait for the jobs (default 300)
#   E2E_KEEP=1   keep the temporary folder (printed at the start)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

started=$SECONDS
step() { echo "== slurm e2e [$((SECONDS - started))s]: $*"; }
note() { echo "   $*"; }
indent() { sed "s/^/   ${1:-}/"; }
skip() {
    echo "SKIPPED slurm e2e: Slurm cannot be installed here, so scripts/slurm/ was not tested: $*"
    exit 0
}
fail() {
    echo "FAILED slurm e2e: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
step "Slurm and munge"
needed=(munged mungekey munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel)
missing() {
    local c
    for c in "${needed[@]}"; do
        command -v "$c" >/dev/null 2>&1 || { echo "$c"; return 0; }
    done
    return 1
}
export PATH="$PATH:/usr/sbin:/sbin"
policy_rc_d=/usr/sbin/policy-rc.d
made_policy_rc_d=
if first_missing=$(missing); then
    note "$first_missing not found: installing Debian's packages slurmctld slurmd slurm-client munge"
    [[ $(id -u) == 0 ]] || skip "not root, so apt-get cannot install slurmctld, slurmd, slurm-client and munge"
    command -v apt-get >/dev/null 2>&1 || skip "no apt-get to install slurmctld, slurmd, slurm-client and munge"
    # The packages would start the system's munged (and try slurmctld and slurmd) from their
    # init scripts; this test runs its own daemons, so keep the machine's services as they were.
    if [[ ! -e $policy_rc_d ]]; then
        trap 'rm -f "$policy_rc_d"' EXIT
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc_d"
        chmod 755 "$policy_rc_d"
        made_policy_rc_d=1
    fi
    apt_log=$(mktemp)
    installed=
    if DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            slurmctld slurmd slurm-client munge >>"$apt_log" 2>&1; then
        installed=1
    fi
    if [[ -n $made_policy_rc_d ]]; then
        rm -f "$policy_rc_d"
        made_policy_rc_d=
        trap - EXIT
    fi
    if [[ -z $installed ]]; then
        tail -n 15 "$apt_log" | indent "apt: "
        rm -f "$apt_log"
        skip "apt-get could not install slurmctld, slurmd, slurm-client and munge (no network to Debian's mirrors?)"
    fi
    rm -f "$apt_log"
    if first_missing=$(missing); then
        fail "the packages installed, but $first_missing is still not found"
    fi
fi
note "$(slurmctld -V), $(munged --version 2>&1 | head -n 1)"

# ---------------------------------------------------------------------------------------------
# From here on, everything started is stopped on exit.
tmp=$(mktemp -d /tmp/capsim-slurm-e2e.XXXXXX)
# munged wants its socket's folders searchable by everyone.
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/run" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/jobs"
chmod 700 "$tmp/munge"
chmod 755 "$tmp/run"

munged_pid='' slurmctld_pid='' slurmd_pid='' jobs_submitted=()

stop_daemon() { # name pid
    local name=$1 pid=$2 i
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        echo "   stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "   $name did not stop in 10s: killing it"
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null
    return 0
}

show_logs() {
    local f
    for f in "$tmp"/log/* "$tmp"/jobs/*; do
        [[ -s $f ]] || continue
        echo "---- ${f#"$tmp"/} (last 40 lines)"
        tail -n 40 "$f"
    done
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [[ -n $made_policy_rc_d ]]; then
        rm -f "$policy_rc_d"
    fi
    if ((rc != 0)); then
        echo "== slurm e2e: failed (exit $rc); logs under $tmp:"
        show_logs
    fi
    step "stopping the daemons this test started"
    if ((${#jobs_submitted[@]} > 0)) && [[ -n $slurmctld_pid ]] && kill -0 "$slurmctld_pid" 2>/dev/null; then
        # Jobs left running or pending (after a failure) would outlive slurmd in slurmstepd.
        scancel "${jobs_submitted[@]}" 2>/dev/null
        local i
        for ((i = 0; i < 30; i++)); do
            [[ -z $(IFS=,; squeue -h -j "${jobs_submitted[*]}" -o %i 2>/dev/null) ]] && break
            sleep 1
        done
    fi
    stop_daemon slurmd "$slurmd_pid"
    stop_daemon slurmctld "$slurmctld_pid"
    stop_daemon munged "$munged_pid"
    if [[ ${E2E_KEEP:-} == 1 ]]; then
        echo "   kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

note "temporary folder: $tmp"

# ---------------------------------------------------------------------------------------------
step "munged with a key and socket of its own"
munge_socket=$tmp/run/munge.socket
mungekey --create --keyfile="$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
munged --foreground --socket="$munge_socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/run/munged.pid" --seed-file="$tmp/munge/munged.seed" \
    >"$tmp/log/munged.log" 2>&1 &
munged_pid=$!
for ((i = 0; i < 50; i++)); do
    [[ -S $munge_socket ]] && break
    kill -0 "$munged_pid" 2>/dev/null || fail "munged exited at start"
    sleep 0.1
done
munge -n -S "$munge_socket" | unmunge -S "$munge_socket" >/dev/null \
    || fail "munge could not encode and decode a credential through $munge_socket"
note "munged (pid $munged_pid) answers on $munge_socket"

# ---------------------------------------------------------------------------------------------
step "slurm.conf for a single-node cluster on this machine"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=
for ((p = 16817; p < 16917; p += 2)); do
    if port_free "$p" && port_free "$((p + 1))"; then
        ctld_port=$p
        break
    fi
done
[[ -n $ctld_port ]] || fail "no two free TCP ports between 16817 and 16917 on 127.0.0.1"
slurmd_port=$((ctld_port + 1))

node=$(hostname -s 2>/dev/null || uname -n)
node=${node%%.*}
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024 / 2) }' /proc/meminfo)
((mem_mb >= 1)) || mem_mb=1

cat >"$tmp/slurm.conf" <<EOF
# capsim's Slurm end-to-end test: one node, everything under $tmp.
ClusterName=capsim-e2e
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Keep finished jobs in slurmctld long enough to read their exit codes with scontrol.
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=e2e Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
# Only this cluster's settings reach the Slurm commands and the jobs.
while read -r var; do
    unset "$var"
done < <(compgen -e | grep -E '^(SLURM_|SBATCH_|SQUEUE_|SINFO_|SCONTROL_|SCANCEL_)' || true)
export SLURM_CONF=$tmp/slurm.conf
note "node $node: $cpus CPUs, ${mem_mb} MB; slurmctld on 127.0.0.1:$ctld_port, slurmd on :$slurmd_port"

# ---------------------------------------------------------------------------------------------
step "slurmctld and slurmd"
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
slurmctld_pid=$!
up=
for ((i = 0; i < 60; i++)); do
    kill -0 "$slurmctld_pid" 2>/dev/null || fail "slurmctld exited at start"
    if scontrol ping 2>/dev/null | grep -q 'is UP'; then
        up=1
        break
    fi
    sleep 0.5
done
[[ -n $up ]] || fail "slurmctld did not answer scontrol ping within 30s"
note "slurmctld (pid $slurmctld_pid) is up"

slurmd -D -N "$node" -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
slurmd_pid=$!
state=
for ((i = 0; i < 60; i++)); do
    kill -0 "$slurmd_pid" 2>/dev/null || fail "slurmd exited at start"
    state=$(sinfo -h -N -n "$node" -o %t 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 1
done
[[ $state == idle ]] || fail "node $node is \"$state\", not idle, 60s after slurmd started"
note "slurmd (pid $slurmd_pid) is up; sinfo:"
sinfo | indent

# ---------------------------------------------------------------------------------------------
if [[ -n ${CAPSIM:-} ]]; then
    step "capsim: $CAPSIM (from CAPSIM)"
    capsim=$(realpath "$CAPSIM")
else
    step "building capsim (cargo build --release)"
    cargo build --release --quiet
    target_dir=$(cargo metadata --format-version 1 --no-deps \
        | grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
    capsim=$target_dir/release/capsim
fi
[[ -x $capsim ]] || fail "$capsim is not an executable"

# ---------------------------------------------------------------------------------------------
step "a small sweep scenario: 6 reservation counts x 3 arrival rates = 18 points"
scenario=$tmp/sweep.toml
cat >"$scenario" <<'EOF'
[scenario]
name = "slurm-e2e"
start = "2026-01-01T00:00:00Z"
horizon = "60d"
trials = 40
seed = 11
currency = "USD"

[billing]
profile = "generic"

[[instance_type]]
name = "m.large"
family = "m"
units = 2
payg_hourly = "0.10"
[instance_type.reserved.1y]
all_upfront = "500"
no_upfront = { hourly = "0.062" }

[[fleet]]
name = "web"
instance_type = "m.large"
zone = "z1"
baseline = 10
[fleet.arrivals]
rate_per_hour = 2.0
[fleet.lifetime]
dist = "exponential"
mean = "12h"

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m.large"
count = 10
term = "1y"
payment = "no_upfront"

[[strategy]]
name = "ri-all"
[[strategy.reserve]]
instance_type = "m.large"
count = 10
term = "1y"
payment = "all_upfront"

[sweep]
'strategy["ri"].reserve[0].count' = [0, 5, 10, 15, 20, 25]
'fleet["web"].arrivals.rate_per_hour' = { from = 1.0, to = 3.0, step = 1.0 }
EOF
points=18
trials=20
"$capsim" validate "$scenario" | indent

# ---------------------------------------------------------------------------------------------
step "submitting the sweep as a 4-task job array plus the merge (scripts/slurm/submit.sh)"
cluster_out=$tmp/cluster
submitted=$(CAPSIM=$capsim TRIALS=$trials CPUS_PER_TASK=1 LOG_DIR=$tmp/jobs \
    bash scripts/slurm/submit.sh "$scenario" "$cluster_out" 4 2>&1)
indent <<<"$submitted"
array_job=$(sed -n 's/^array_job=\([0-9][0-9]*\)$/\1/p' <<<"$submitted")
merge_job=$(sed -n 's/^merge_job=\([0-9][0-9]*\)$/\1/p' <<<"$submitted")
[[ -n $array_job && -n $merge_job ]] || fail "submit.sh did not print array_job=<id> and merge_job=<id>"
jobs_submitted=("$array_job" "$merge_job")

# ---------------------------------------------------------------------------------------------
timeout=${E2E_TIMEOUT:-300}
step "waiting for jobs $array_job (array) and $merge_job (merge) to leave the queue (at most ${timeout}s)"
waited_from=$SECONDS
last=
while :; do
    queue=$(squeue -h -j "$array_job,$merge_job" -o '%i %T %r') || fail "squeue failed"
    [[ -z $queue ]] && break
    if [[ $queue != "$last" ]]; then
        indent "queue: " <<<"$queue"
        last=$queue
    fi
    ((SECONDS - waited_from < timeout)) || fail "the jobs were still queued after ${timeout}s"
    if grep -q DependencyNeverSatisfied <<<"$queue"; then
        fail "the merge job will never run: a task of the array failed"
    fi
    sleep 1
done
note "the queue is empty after $((SECONDS - waited_from))s"

# ---------------------------------------------------------------------------------------------
step "checking that every array task and the merge completed with exit code 0"
job_states() { # job id -> "task state exit" lines
    scontrol show job -o "$1" | while read -r line; do
        local task=- state code
        [[ $line =~ ArrayTaskId=([^ ]+) ]] && task=${BASH_REMATCH[1]}
        [[ $line =~ JobState=([^ ]+) ]] && state=${BASH_REMATCH[1]}
        [[ $line =~ (^| )ExitCode=([^ ]+) ]] && code=${BASH_REMATCH[2]}
        echo "$task $state $code"
    done
}
array_states=$(job_states "$array_job")
merge_states=$(job_states "$merge_job")
indent "array $array_job task " <<<"$array_states"
indent "merge $merge_job " <<<"$merge_states"
[[ $(grep -c ' COMPLETED 0:0$' <<<"$array_states") == 4 ]] \
    || fail "not every one of the 4 array tasks COMPLETED with exit code 0:0"
[[ $merge_states == "- COMPLETED 0:0" ]] || fail "the merge job did not COMPLETE with exit code 0:0"
for f in "$tmp"/jobs/*; do
    echo "   ---- ${f#"$tmp"/}"
    indent "| " <"$f"
done
[[ -f $cluster_out/sweep.csv ]] || fail "the merge wrote no $cluster_out/sweep.csv"

# ---------------------------------------------------------------------------------------------
local_out=$tmp/local
step "the same sweep locally, without shards: capsim sweep --trials $trials --out $local_out"
"$capsim" sweep "$scenario" --trials "$trials" --out "$local_out" --quiet

# ---------------------------------------------------------------------------------------------
step "comparing the cluster's merged result with the local one"
[[ -f $local_out/sweep.csv ]] || fail "the local sweep wrote no $local_out/sweep.csv"
cmp "$cluster_out/sweep.csv" "$local_out/sweep.csv" \
    || fail "sweep.csv differs between the cluster's merge and the local run"
rows=$(($(wc -l <"$local_out/sweep.csv") - 1))
note "sweep.csv is byte-identical ($rows rows after the header)"
n_cluster=$(find "$cluster_out/points" -type f | wc -l)
n_local=$(find "$local_out/points" -type f | wc -l)
((n_local == points)) || fail "the local sweep wrote $n_local files under points/, expected one per grid point ($points)"
diff -r "$cluster_out/points" "$local_out/points" >"$tmp/log/points.diff" \
    || fail "points/ differs between the cluster and the local run (see log/points.diff)"
note "points/ is identical: $n_cluster files for $points grid points"
# The charts too: the same points give the same files, byte for byte.
if ! diff -rq "$cluster_out" "$local_out" >"$tmp/log/folders.diff"; then
    fail "the cluster's and the local output folders differ: $(tr '\n' ';' <"$tmp/log/folders.diff")"
fi
note "the charts are identical too: $(cd "$local_out" && find . -maxdepth 1 -type f | sed 's|^\./||' | sort | tr '\n' ' ')"

step "passed in $((SECONDS - started))s"
