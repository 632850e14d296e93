#!/bin/sh
# kbench-history on a real PostgreSQL server that this test starts: initdb
# in a temporary folder, postgres on a Unix socket there (no TCP at all),
# run as an unprivileged user when we are root (postgres refuses root:
# `nobody`, through setpriv, owning the folder).  Then test_history's store
# tests against it (round trip, duplicate refusal, series and export, two
# concurrent writers on a new history), the command line with
# --db=postgresql://... (add, list, show, trend with a change point,
# export, the same run refused), a database that is not a kbench history,
# and a server that is not there.  The server is stopped on every exit.
# Skips (77) with the reason without the server binaries (Debian:
# postgresql) or a kbench-history built without libpq (libpq-dev).
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
HIST=$B/kbench-history
DATA=$R/tests/data/report
[ -x "$HIST" ] || { echo "missing $HIST (build first)"; exit 1; }
[ -x "$B/tests/test_history" ] || { echo "missing $B/tests/test_history (make build-tests)"; exit 1; }

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/postgres" ]; then
	echo "skip [no-postgres]: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql)"
	exit 77
fi
if "$HIST" --db=postgresql:///x list 2>&1 | grep -q 'built without'; then
	echo "skip [no-libpq]: $HIST was built without libpq (install libpq-dev and rebuild)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-history-pg.XXXXXX")
chmod 755 "$tmp"
pgpid=""
stop() {
	if [ -n "$pgpid" ]; then
		kill -INT "$pgpid" 2>/dev/null # fast shutdown
		i=0
		while kill -0 "$pgpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$pgpid" 2>/dev/null
		wait "$pgpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP
. "$R/tests/integration/cli_env.sh"

# As root, the server runs as nobody; otherwise as ourselves.
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || { echo "skip [no-setpriv]: root, and no setpriv to run postgres unprivileged"; exit 77; }
	mkdir "$tmp/pg"
	chown nobody "$tmp/pg"
	as_pg() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
else
	mkdir "$tmp/pg"
	as_pg() { "$@"; }
fi
sock=$tmp/pg
if ! as_pg "$pgbin/initdb" -D "$tmp/pg/data" -U kbench -A trust --locale=C -E UTF8 --no-sync \
	>"$tmp/initdb.log" 2>&1; then
	fail "initdb failed"
	sed 's/^/    | /' "$tmp/initdb.log" | tail -n 12
	exit 1
fi
# Unix socket only (listen_addresses empty), fsync off: a test server.
# (started directly, not through the function, so that $! is the server)
set -- "$pgbin/postgres" -D "$tmp/pg/data" -k "$sock" -c listen_addresses= -c fsync=off \
	-c synchronous_commit=off -c full_page_writes=off
if [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@" >"$tmp/pg.log" 2>&1 &
else
	"$@" >"$tmp/pg.log" 2>&1 &
fi
pgpid=$!
i=0
until [ -S "$sock/.s.PGSQL.5432" ] && "$pgbin/pg_isready" -q -h "$sock" -U kbench 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pgpid" 2>/dev/null; then
		fail "postgres did not start"
		sed 's/^/    | /' "$tmp/pg.log" | tail -n 12
		exit 1
	fi
	sleep 0.1
done
psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U kbench "$@"; }
for db in kbt_roundtrip kbt_duplicate kbt_series kbt_concurrent kbt_race cli other; do
	psql -d postgres -c "CREATE DATABASE $db" || fail "cannot create database $db"
done
uri() { echo "postgresql:///$1?host=$sock&user=kbench"; }

# 1. The store tests of test_history, on PostgreSQL.
if ! KB_TEST_PG="postgresql:///%s?host=$sock&user=kbench" "$B/tests/test_history" >"$tmp/unit.log" 2>&1 ||
	! grep -q 'PASSED  \] 5 test' "$tmp/unit.log"; then
	fail "test_history on PostgreSQL"
	sed 's/^/    | /' "$tmp/unit.log" | tail -n 30
fi
# the schema is really there, with doubles as doubles (PostgreSQL's REAL is 4 bytes)
t=$(psql -d kbt_roundtrip -At -c "SELECT data_type FROM information_schema.columns WHERE table_name = 'results' AND column_name = 'median'")
[ "$t" = "double precision" ] || fail "results.median is '$t' on PostgreSQL, want double precision"
v=$(psql -d kbt_roundtrip -At -c "SELECT version FROM kbench_schema")
[ "$v" = 2 ] || fail "kbench_schema holds '$v', want 2"


# 2. The command line, as test_history_cli.sh does on SQLite: days 1-4 like
# the baseline, days 5-8 like the current run (sgemm_blocked 20 % slower),
# one revision each.
db=$(uri cli)
history_runs
expect_exit 0 "as run 1 (20 benchmarks) to postgresql:///cli" "$HIST" --db="$db" add "$tmp/run1.json"
expect_exit 1 "already in the history as run 1" "$HIST" --db="$db" add "$tmp/run1.json"
expect_exit 0 "added" "$HIST" --db="$db" add "$tmp/run2.json" "$tmp/run3.json" "$tmp/run4.json" \
	"$tmp/run5.json" "$tmp/run6.json" "$tmp/run7.json" "$tmp/run8.json"
expect_exit 0 "8 runs in" "$HIST" --db="$db" list
grep -q 'rev4000000000' "$tmp/out" || fail "list does not show run 4's revision"
expect_exit 0 "matmul/sgemm_cublas/512" "$HIST" --db="$db" show 2
expect_exit 2 "no run 99" "$HIST" --db="$db" show 99
expect_exit 0 "change point at run 5 (git rev5000000000" "$HIST" --db="$db" trend \
	'matmul/sgemm_blocked/512' --out-dir="$tmp/plots"
grep -q '+20\.[0-9] %, slower; p = 0\.0[0-9]* over 8 revisions' "$tmp/out" ||
	fail "trend on PostgreSQL does not give the step's size and p-value"
expect_exit 0 "no change point" "$HIST" --db="$db" trend 'matmul/sgemm_openblas/512' --no-plot
expect_exit 0 "" "$HIST" --db="$db" export --out="$tmp/export.json"
python3 - "$tmp/export.json" <<'EOF2' || fail "the export from PostgreSQL"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["format"] == "kbench-history", e["format"]
assert [r["git"] for r in e["runs"]] == ["rev%d000000000" % i for i in range(1, 9)], e["runs"]
assert all(len(r["benchmarks"]) == 20 for r in e["runs"])
EOF2
# the same export from SQLite, field for field (the add dates aside)
expect_exit 0 "" "$HIST" --db="$tmp/h.db" add "$tmp"/run[1-8].json
expect_exit 0 "" "$HIST" --db="$tmp/h.db" export --out="$tmp/export-sqlite.json"
python3 - "$tmp/export.json" "$tmp/export-sqlite.json" <<'EOF2' || fail "PostgreSQL and SQLite export different runs"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in a["runs"] + b["runs"]:
    r.pop("added")
if a != b:
    for ra, rb in zip(a["runs"], b["runs"]):
        for k in ra:
            if ra[k] != rb[k]:
                print("run", ra["id"], "field", k, "differs")
                break
    sys.exit(1)
EOF2
# the password is never printed back
expect_exit 1 "postgresql://kbench:***@" "$HIST" --db="postgresql://kbench:secret@/cli?host=$sock/nothere" list
grep -q secret "$tmp/out" && fail "the password is in the message"

# 3. Not a history, no server.
psql -d other -c "CREATE TABLE mine (x int)" || fail "cannot create a table"
expect_exit 2 "is a PostgreSQL database but not a kbench history" "$HIST" --db="$(uri other)" add "$tmp/run1.json"
expect_exit 1 "cannot connect to the PostgreSQL history" "$HIST" --db="$(uri nosuchdb)" list

[ "$failures" -eq 0 ] && echo ok
[ "$failures" -eq 0 ]
