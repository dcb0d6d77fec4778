#!/usr/bin/env bash
# Submits a capsim sweep to Slurm: a job array with one shard per task, and a merge job that
# starts once every task has succeeded.
#
# Usage: scripts/slurm/submit.sh SCENARIO OUT_DIR [TASKS]
#
#   SCENARIO  a scenario file with a [sweep] grid
#   OUT_DIR   the sweep's output folder, on a file system every node sees; the tasks write
#             their grid points under OUT_DIR/points/ and the merge writes OUT_DIR/sweep.csv
#             and the plots
#   TASKS     the number of array tasks, i.e. shards (default 4); more tasks than grid points
#             leaves some tasks with nothing to do
#
# Optional environment variables:
#   CAPSIM         the capsim binary (default: capsim on PATH, else this repository's
#                  target/release/capsim); it must run on the compute nodes too
#   TRIALS         trials per grid point (default: the scenario's)
#   CPUS_PER_TASK  CPUs per array task, passed as --cpus-per-task and on to capsim --threads
#   MERGE_OUT      write the merged result there instead of into OUT_DIR
#   LOG_DIR        where the jobs' logs go (default: the current folder), named
#                  capsim-sweep-<array job>_<task>.out and capsim-merge-<job>.out
# Partition, time limit, account and the like: Slurm's own SBATCH_PARTITION,
# SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ... apply to both jobs.
#
# Prints what it submitted on stderr and, on stdout, two lines to read or eval:
#   array_job=<id>
#   merge_job=<id>
# The merge is cancelled by Slurm if a task fails (--kill-on-invalid-dep=yes). A failed or
# preempted task can be rerun on its own, and skips the points it finished:
#   SHARDS=TASKS SCENARIO=... OUT=... sbatch --array=I --export=ALL scripts/slurm/sweep-array.sbatch
# then run the merge again (scripts/slurm/merge.sbatch, or capsim merge OUT_DIR).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    sed -n '5p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2
    exit 2
}
fail() {
    echo "submit.sh: $*" >&2
    exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
scenario=$1
out=$2
tasks=${3:-4}

[[ $tasks =~ ^[1-9][0-9]*$ ]] || fail "TASKS: found \"$tasks\", expected a whole number of at least 1"
[[ -f $scenario ]] || fail "$scenario: no such scenario file"
command -v sbatch >/dev/null 2>&1 || fail "sbatch not found: run this on a machine that can submit Slurm jobs"

if [[ -n ${CAPSIM:-} ]]; then
    capsim=$CAPSIM
elif command -v capsim >/dev/null 2>&1; then
    capsim=capsim
elif [[ -x $here/../../target/release/capsim ]]; then
    capsim=$here/../../target/release/capsim
else
    fail "capsim not found: put it on PATH, set CAPSIM, or build it with cargo build --release"
fi
# The jobs run in another environment: hand them absolute paths.
if [[ $capsim == */* ]]; then
    capsim=$(realpath "$capsim")
else
    capsim=$(command -v "$capsim") || fail "$capsim not found on PATH"
fi
[[ -x $capsim ]] || fail "$capsim is not an executable"

# Bad input is cheaper to hear about now than from every task of the array.
"$capsim" validate "$scenario" >/dev/null || exit $?
grep -Eq '^[[:space:]]*\[[[:space:]]*sweep[[:space:]]*\]' "$scenario" \
    || fail "$scenario: found no [sweep] table, expected the grid to sweep (see docs/scenario.md)"

mkdir -p "$out"
scenario=$(realpath "$scenario")
out=$(realpath "$out")
log_dir=$(realpath "${LOG_DIR:-.}")
mkdir -p "$log_dir"

export CAPSIM=$capsim SCENARIO=$scenario OUT=$out SHARDS=$tasks
export TRIALS=${TRIALS:-}
if [[ -n ${MERGE_OUT:-} ]]; then
    mkdir -p "$MERGE_OUT"
    MERGE_OUT=$(realpath "$MERGE_OUT")
fi
export MERGE_OUT=${MERGE_OUT:-}

array_opts=(--array="0-$((tasks - 1))" --output="$log_dir/capsim-sweep-%A_%a.out")
if [[ -n ${CPUS_PER_TASK:-} ]]; then
    array_opts+=(--cpus-per-task="$CPUS_PER_TASK")
fi

# --parsable prints "jobid" or "jobid;cluster".
array_job=$(sbatch --parsable --export=ALL "${array_opts[@]}" "$here/sweep-array.sbatch")
array_job=${array_job%%;*}
echo "submitted job array $array_job: $tasks tasks of capsim sweep $scenario --out $out" >&2

merge_job=$(sbatch --parsable --export=ALL \
    --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
    --output="$log_dir/capsim-merge-%j.out" "$here/merge.sbatch") || {
    echo "submit.sh: the merge job could not be submitted; job array $array_job is queued:" \
        "cancel it with scancel $array_job, or merge by hand when it is done" >&2
    exit 1
}
merge_job=${merge_job%%;*}
echo "submitted merge job $merge_job: capsim merge $out${MERGE_OUT:+ --out $MERGE_OUT}, once every task of $array_job has succeeded" >&2
echo "logs in $log_dir; follow with: squeue -j $array_job,$merge_job" >&2

echo "array_job=$array_job"
echo "merge_job=$merge_job"
