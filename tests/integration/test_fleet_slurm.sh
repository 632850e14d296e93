#!/bin/sh
# kbench-fleet on a real single-host Slurm that this test starts: munged
# with its own key and socket, slurmctld and slurmd from a temporary
# slurm.conf (loopback, ports of their own, every file in a temporary
# folder, SlurmUser=root when run as root), one node and three partitions
# standing in for machine types (zen4, spr, and bad, whose task gets a
# filter that is not a regular expression, and slow, whose task is stopped
# with scancel once it runs).  The fleet run over a quick
# filter must: print its job ids, run one task per target, name the failed
# task with Slurm's state and exit code, add the two good results to the
# history, and print the cross-hardware report with both good machines;
# --resubmit-failed then reruns only the bad task (fixed in the targets
# file between the runs, as a user would) and the report has all three.
# Everything started here is stopped on every exit.  Skips (77) without
# slurmctld/slurmd/munged (Debian: slurm-wlm, munge).
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
FLEET=$B/kbench-fleet
[ -x "$FLEET" ] || { echo "missing $FLEET (build first)"; exit 1; }
for d in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged; do
	if [ ! -x "$d" ]; then
		echo "skip [no-slurm]: no $d (Debian packages slurm-wlm and munge)"
		exit 77
	fi
done
case "$B" in
*asan*) echo "skip [san-once]: the fleet drives shell tools and the normal build's binaries; checked once"; exit 77 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "skip [no-root]: slurmd must run as root to start jobs"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-fleet.XXXXXX")
B=$(cd "$B" && pwd)
FLEET=$B/kbench-fleet
pids=""
stop() {
	# the daemons this test started, newest first; then their files
	[ -n "${SLURM_CONF:-}" ] && scancel --quiet --user=root >/dev/null 2>&1
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
started() { pids="$1 $pids"; }

# munge: a key and a socket of our own
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/shared"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/key"
/usr/sbin/munged -F --force --socket="$tmp/munge/sock" --key-file="$tmp/munge/key" \
	--pid-file="$tmp/munge/pid" --log-file="$tmp/munge/log" --seed-file="$tmp/munge/seed" \
	>"$tmp/munged.out" 2>&1 &
started $!
i=0
until [ -S "$tmp/munge/sock" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { fail "munged did not start"; cat "$tmp/munged.out" "$tmp/munge/log" 2>/dev/null; exit 1; }
	sleep 0.1
done

# two free loopback ports
port=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
ctld_port=${port% *} slurmd_port=${port#* }
host=$(hostname -s)
cat >"$tmp/slurm.conf" <<EOF
ClusterName=kbtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) Features=zen4,spr State=UNKNOWN
PartitionName=cpu-zen4 Nodes=$host Default=YES MaxTime=10 State=UP
PartitionName=cpu-spr Nodes=$host MaxTime=10 State=UP
PartitionName=cpu-bad Nodes=$host MaxTime=10 State=UP
PartitionName=cpu-slow Nodes=$host MaxTime=10 State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"
/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
started $!
/usr/sbin/slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
started $!
i=0
until sinfo -h -o '%T' 2>/dev/null | grep -q idle; do
	i=$((i + 1))
	if [ $i -gt 150 ]; then
		fail "the Slurm node did not come up"
		tail -n 8 "$tmp/slurmctld.log" "$tmp/slurmd.log" 2>/dev/null
		exit 1
	fi
	sleep 0.2
done

# the targets: two machine types and one whose filter is broken
cat >"$tmp/targets" <<'EOF'
# target          filter
cpu-zen4:zen4
cpu-spr:spr
cpu-bad           ^reduction/sum_f32_(naive|simd
cpu-slow          ^(reduction|elementwise)/
EOF
run=$tmp/shared/run1
FLT='^reduction/sum_f32_(naive|simd)/'
KB_FLEET_POLL=0.5 "$FLEET" --targets-file="$tmp/targets" --filter="$FLT" --run-dir="$run" --time=5 \
	--runner-flags="--quick --no-peaks --processes=3" --db="$tmp/shared/history.db" \
	>"$tmp/fleet1.out" 2>&1 &
fleet=$!
# the slow task (3) is stopped with scancel (SIGTERM, as a time limit or a
# preemption does) two seconds after it starts: its partial results stay
i=0
until squeue -h -t R -o '%i' 2>/dev/null | grep -q '_3$'; do
	i=$((i + 1))
	[ $i -gt 600 ] && { fail "task 3 never ran"; break; }
	kill -0 "$fleet" 2>/dev/null || { fail "kbench-fleet ended before task 3 ran"; break; }
	sleep 0.2
done
sleep 2
scancel "$(squeue -h -t R -o '%i' | grep '_3$')"
wait "$fleet"
rc=$?
cat "$tmp/fleet1.out" >"$tmp/transcript1.txt"
[ "$rc" -eq 1 ] || fail "the fleet run with a failed task exited $rc, want 1"
grep -q 'job array [0-9]* (tasks 0,1,2,3), collection job [0-9]*' "$tmp/fleet1.out" || fail "no job ids printed"
grep -q '^3/4 tasks done, 1 running' "$tmp/fleet1.out" || fail "no progress line"
for t in cpu-zen4:zen4 cpu-spr:spr; do
	grep -q "^[0-9] *$t *ok *COMPLETED" "$tmp/fleet1.out" || fail "task $t not reported ok"
done
grep -q '^2 *cpu-bad *failed *FAILED *2:0 *NonZeroExitCode' "$tmp/fleet1.out" ||
	fail "the bad task is not named with Slurm's state, exit code and reason"
grep -q '^3 *cpu-slow *interrupted *CANCELLED' "$tmp/fleet1.out" || fail "the stopped task is not reported interrupted"
grep -q '2 task(s) failed or interrupted: cpu-bad (FAILED, exit 2:0, NonZeroExitCode); cpu-slow (CANCELLED' "$tmp/fleet1.out" ||
	fail "no failure summary"
python3 - "$run/results/3.interrupted.json" <<'EOF' || fail "the interrupted task's partial results"
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("interrupted") is True
part = [b for b in d["benchmarks"] if b["status"] == "interrupted" and b.get("samples_ns")]
assert part, "no interrupted benchmark kept its samples"
EOF
grep -q '  cpu-slow (interrupted)  ' "$tmp/fleet1.out" || fail "the report has no column for the interrupted task's partial results"
grep -q 'not a valid regular expression\|regular expression\|--filter' "$run/logs/task-2.out" ||
	fail "the bad task's log does not say why (see $run/logs/task-2.out)"
grep -q 'Cross-hardware report: 3 machines, ' "$tmp/fleet1.out" || fail "no cross-hardware report of the two good machines and the partial one"
grep -q '^reduction/sum_f32_simd/4099 .*us\|^reduction/sum_f32_simd/4099 .*ns' "$tmp/fleet1.out" || fail "the report lacks a benchmark row"
grep -q '^reduction/\*/4099 ' "$tmp/fleet1.out" || fail "the report lacks the kernel-per-machine table"
for i in 0 1; do
	python3 - "$run/results/$i.json" "$FLT" <<'EOF' || fail "result $i"
import json, re, sys
d = json.load(open(sys.argv[1]))
ids = sorted(b["id"] for b in d["benchmarks"])
assert ids and all(re.search(sys.argv[2], x) for x in ids), ids
assert all(b["status"] == "ok" for b in d["benchmarks"])
EOF
done
[ -e "$run/results/2.json" ] && fail "the failed task left a result"
"$B/kbench-history" --db="$tmp/shared/history.db" list >"$tmp/list.out" 2>&1
grep -q '^2 runs in' "$tmp/list.out" || fail "the collection did not add the two results to the history: $(tail -n 1 "$tmp/list.out")"

# the fix (in the run's own targets, which a rerun reads), then only the
# failed task again
awk -F'\t' -v OFS='\t' -v f="$FLT" '$1 >= 2 { $5 = f } { print }' "$run/targets.tsv" >"$tmp/t.tsv" &&
	cp "$tmp/t.tsv" "$run/targets.tsv"
KB_FLEET_POLL=0.5 "$FLEET" --resubmit-failed "$run" >"$tmp/fleet2.out" 2>&1
rc=$?
cat "$tmp/fleet2.out" >"$tmp/transcript2.txt"
[ "$rc" -eq 0 ] || { fail "--resubmit-failed exited $rc, want 0"; sed 's/^/    | /' "$tmp/fleet2.out" | tail -n 20; }
grep -q 'resubmitting cpu-bad, cpu-slow$' "$tmp/fleet2.out" || fail "--resubmit-failed does not name only the failed tasks"
grep -q 'job array [0-9]* (tasks 2,3), collection job' "$tmp/fleet2.out" || fail "--resubmit-failed did not submit only tasks 2 and 3"
grep -q 'Cross-hardware report: 4 machines, 6 benchmarks' "$tmp/fleet2.out" || fail "the report after the rerun lacks a machine"
grep -q 'failed\|interrupted' "$tmp/fleet2.out" && fail "a task still failed after the rerun"
"$B/kbench-history" --db="$tmp/shared/history.db" list >"$tmp/list.out" 2>&1
grep -q '^4 runs in' "$tmp/list.out" || fail "the rerun's results are not in the history (and the others once each)"
grep -q '^Trend per machine' "$tmp/fleet2.out" || fail "no trend per machine"
grep -q '<h2 id="machines">Across machines' "$run/html/index.html" || fail "no cross-hardware section in RUN/html/index.html"
grep -q 'cpu-slow' "$run/html/report.md" || fail "RUN/html/report.md lacks a machine"
# nothing ran twice: tasks 0 and 1 were not resubmitted
[ "$(ls "$run"/logs/task-0.out "$run"/logs/task-1.out | wc -l)" -eq 2 ] || fail "logs of tasks 0 and 1"

# where asked, keep the transcripts (the README's are from such a run)
if [ -n "${KB_FLEET_KEEP:-}" ]; then
	cp "$tmp/transcript1.txt" "$KB_FLEET_KEEP/fleet-run.txt"
	cp "$tmp/transcript2.txt" "$KB_FLEET_KEEP/fleet-resubmit.txt"
fi
[ "$failures" -eq 0 ] && echo ok
[ "$failures" -eq 0 ]
