/*
 * history.c - the SQLite results history and change-point detection
 * (method in history.h).
 */
#include "history.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "error.h"
#include "histdb.h"
#include "stats.h"
#include "json_num.h"

void (*kb__history_add_hook)(size_t i);

struct kb_history {
	struct kb_db *db;
	char *path; /* what messages call it: the file, or the URI without its password */
};

/*
 * One schema for both engines (histdb.h's tokens: @ID@ the id column,
 * @REAL@ a double).  SQLite marks its version with PRAGMA user_version,
 * PostgreSQL in the one-row table kbench_schema.
 */
static const char schema_sql[] =
	"CREATE TABLE runs ("
	" id @ID@,"
	" git TEXT NOT NULL, git_dirty BIGINT NOT NULL, date TEXT NOT NULL,"
	" host TEXT NOT NULL, fingerprint TEXT NOT NULL,"
	" format TEXT, schema_version BIGINT, harness_version TEXT, seed BIGINT,"
	" source TEXT NOT NULL, added TEXT NOT NULL,"
	" UNIQUE (git, date, host));"
	"CREATE TABLE context ("
	" run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" pos BIGINT NOT NULL, key TEXT NOT NULL, value TEXT, is_num BIGINT NOT NULL,"
	" PRIMARY KEY (run_id, pos));"
	"CREATE TABLE config ("
	" run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" pos BIGINT NOT NULL, key TEXT NOT NULL, value TEXT, is_num BIGINT NOT NULL,"
	" PRIMARY KEY (run_id, pos));"
	"CREATE TABLE results ("
	" id @ID@,"
	" run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" pos BIGINT NOT NULL, bench TEXT NOT NULL, suite TEXT, kernel TEXT, params TEXT,"
	" unit TEXT, status TEXT NOT NULL, message TEXT, label TEXT,"
	" iterations_per_sample BIGINT, rounds BIGINT,"
	" median @REAL@, ci_low @REAL@, ci_high @REAL@, ci_level @REAL@, mean @REAL@,"
	" sd @REAL@, cv @REAL@, min @REAL@, max @REAL@, q1 @REAL@, q3 @REAL@, p90 @REAL@,"
	" p99 @REAL@, n BIGINT, outliers_mild BIGINT, outliers_severe BIGINT,"
	" converged BIGINT, validated BIGINT, instructions @REAL@, noise @REAL@,"
	" warmup_s @REAL@, elapsed_s @REAL@,"
	" timer TEXT, gb_cpu_time_ns @REAL@,"
	" samples_ns TEXT, cpu_samples_ns TEXT, sample_round TEXT,"
	" processes BIGINT, log_se @REAL@, df @REAL@, disturbed TEXT,"
	" UNIQUE (run_id, bench));"
	"CREATE TABLE counters ("
	" result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,"
	" pos BIGINT NOT NULL, name TEXT NOT NULL, value @REAL@,"
	" PRIMARY KEY (result_id, pos));"
	"CREATE INDEX results_bench ON results (bench);";

/* Version 1 to 2: the process-level columns, NULL (unknown) for old runs. */
static const char migrate_1_2_sql[] =
	"ALTER TABLE results ADD COLUMN processes INTEGER;"
	"ALTER TABLE results ADD COLUMN log_se REAL;"
	"ALTER TABLE results ADD COLUMN df REAL;"
	"ALTER TABLE results ADD COLUMN disturbed TEXT;"
	"PRAGMA user_version = 2;";

/* ---- small helpers ------------------------------------------------------ */

static int db_error(struct kb_history *h, const char *what)
{
	return kb_error(KB_EIO, "%s: %s: %s", h->path, what, kb_db_errmsg(h->db));
}

static int exec(struct kb_history *h, const char *sql)
{
	return kb_db_exec(h->db, sql);
}

static int prepare(struct kb_history *h, const char *sql, struct kb_stmt **st)
{
	return kb_db_prepare(h->db, sql, st);
}

static char *col_text(struct kb_stmt *st, int i)
{
	const char *s = kb_col_text(st, i);

	return s ? strdup(s) : NULL;
}

/* "" instead of NULL, for the NOT NULL key columns. */
static char *col_text_nn(struct kb_stmt *st, int i)
{
	char *s = col_text(st, i);

	return s ? s : strdup("");
}

static const char *first_context(const struct kb_run *run, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = kb_run_context(run, *keys);

		if (v && *v)
			return v;
	}
	return NULL;
}

static const char *run_host(const struct kb_run *run)
{
	static const char *const keys[] = {"host", "host.name", "host.hostname", "hostname", NULL};
	const char *v = first_context(run, keys);

	return v ? v : "";
}

static bool run_dirty(const struct kb_run *run)
{
	static const char *const keys[] = {"build.git_dirty", "harness.git_dirty", "git_dirty",
					   "git.dirty", NULL};
	const char *v = first_context(run, keys);

	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A JSON array of doubles (%.17g: exact), non-finite as null. */
static char *doubles_to_json(const double *x, size_t n)
{
	size_t cap = 2 + n * 26, len = 0, i;
	char *s;

	if (!x)
		return NULL;
	s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			s[len++] = ',';
		if (isfinite(x[i]))
			len += (size_t)snprintf(s + len, cap - len, "%.17g", x[i]);
		else
			len += (size_t)snprintf(s + len, cap - len, "null");
	}
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

static char *u32_to_json(const uint32_t *x, size_t n)
{
	size_t cap = 2 + n * 12, len = 0, i;
	char *s;

	if (!x)
		return NULL;
	s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%" PRIu32, i ? "," : "", x[i]);
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

/* Parses what doubles_to_json wrote; *out is NULL for SQL NULL. */
static int json_to_doubles(const char *s, size_t expect, double **out)
{
	double *x;
	size_t i = 0;
	char *end;

	*out = NULL;
	if (!s)
		return 0;
	x = calloc(expect ? expect : 1, sizeof(*x));
	if (!x)
		return kb_error(KB_ENOMEM, "out of memory reading samples");
	if (*s == '[')
		s++;
	while (*s && *s != ']' && i < expect) {
		if (strncmp(s, "null", 4) == 0) {
			x[i++] = NAN;
			s += 4;
		} else {
			x[i++] = strtod(s, &end);
			if (end == s)
				break;
			s = end;
		}
		if (*s == ',')
			s++;
	}
	if (i != expect) {
		free(x);
		return kb_error(KB_ESCHEMA, "stored samples do not match their count");
	}
	*out = x;
	return 0;
}

static char *params_to_json(const struct kb_result *r)
{
	json_t *o = json_object();
	char *s;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < r->nparams; i++) {
		const struct kb_param *p = &r->params[i];

		json_object_set_new(o, p->name ? p->name : "",
				    p->is_str ? json_string(p->str ? p->str : "")
					      : json_integer((json_int_t)p->value));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int params_from_json(const char *text, struct kb_result *r)
{
	json_t *o, *v;
	const char *key;
	size_t i = 0;

	if (!text)
		return 0;
	o = json_loads(text, 0, NULL);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return kb_error(KB_ESCHEMA, "stored params of %s are not a JSON object", r->id);
	}
	r->params = calloc(json_object_size(o) + 1, sizeof(*r->params));
	if (!r->params) {
		json_decref(o);
		return kb_error(KB_ENOMEM, "out of memory reading params");
	}
	json_object_foreach(o, key, v) {
		struct kb_param *p = &r->params[i++];

		p->name = strdup(key);
		if (json_is_string(v)) {
			p->is_str = true;
			p->str = strdup(json_string_value(v));
		} else {
			p->value = (int64_t)json_integer_value(v);
		}
	}
	r->nparams = i;
	json_decref(o);
	return 0;
}

/* ---- open / close --------------------------------------------------------- */

static int make_parent_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int rc = 0;

	if (!dir)
		return kb_error(KB_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			mkdir(dir, 0777);
			*p = '/';
		}
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			rc = kb_error(KB_EIO, "cannot create directory %s: %s", dir, strerror(errno));
	}
	free(dir);
	return rc;
}

/* The stored schema version: 0 when none is marked; -1 when unreadable. */
static int schema_version(struct kb_history *h)
{
	const bool lite = kb_db_kind(h->db) == KB_DB_SQLITE;
	struct kb_stmt *st = NULL;
	int version = -1;

	if (!lite) {
		/* PostgreSQL: the version table, when there is one */
		if (prepare(h, "SELECT count(*) FROM information_schema.tables"
			       " WHERE table_schema = current_schema() AND table_name = 'kbench_schema'",
			    &st))
			return -1;
		if (kb_stmt_step(st) == 1)
			version = kb_col_int64(st, 0) > 0 ? -2 : 0;
		kb_stmt_finalize(st);
		if (version != -2)
			return version;
		version = -1;
	}
	if (prepare(h, lite ? "PRAGMA user_version" : "SELECT max(version) FROM kbench_schema",
		    &st))
		return -1;
	if (kb_stmt_step(st) == 1)
		version = (int)kb_col_int64(st, 0);
	kb_stmt_finalize(st);
	return version;
}

static int check_schema_locked(struct kb_history *h, bool create)
{
	const bool lite = kb_db_kind(h->db) == KB_DB_SQLITE;
	struct kb_stmt *st = NULL;
	int version = schema_version(h), ntables = 0, rc;

	if (version < 0) {
		if (kb_db_errclass(h->db) == KB_DB_ERR_NOTADB)
			return kb_error(KB_EPARSE, "%s is not an SQLite database (expected a kbench history)",
					h->path);
		return db_error(h, "cannot read the database");
	}
	if (version == KB_HISTORY_SCHEMA)
		return 0;
	if (version == 1 && lite)
		return 1; /* the caller migrates, holding the write lock */
	if (version != 0)
		return kb_error(KB_ESCHEMA,
				"%s: history schema version %d; this kbench reads version %d", h->path,
				version, KB_HISTORY_SCHEMA);
	if (prepare(h, lite ? "SELECT count(*) FROM sqlite_master"
			    : "SELECT count(*) FROM information_schema.tables"
			      " WHERE table_schema = current_schema()",
		    &st))
		return -KB_EIO;
	if (kb_stmt_step(st) == 1)
		ntables = kb_col_int64(st, 0);
	kb_stmt_finalize(st);
	if (ntables > 0)
		return kb_error(KB_ESCHEMA, "%s is %s database but not a kbench history", h->path,
				lite ? "an SQLite" : "a PostgreSQL");
	if (!create)
		return kb_error(KB_ENOTFOUND, "%s: empty history (add runs with kbench-history add)",
				h->path);
	if ((rc = exec(h, schema_sql)))
		return rc;
	return exec(h, lite ? "PRAGMA user_version = 2"
			    : "CREATE TABLE kbench_schema (version BIGINT NOT NULL);"
			      " INSERT INTO kbench_schema VALUES (2)");
}

/*
 * A writer checks (and makes) the schema holding the write lock, so two
 * processes adding to a new history at once cannot both create it: the
 * second waits (SQLite's busy timeout, PostgreSQL's advisory lock), then
 * finds it made.
 */
static int check_schema(struct kb_history *h, bool create)
{
	int rc;

	if (!create && (rc = check_schema_locked(h, false)) != 1)
		return rc;
	if ((rc = kb_db_begin(h->db)) ||
	    (kb_db_kind(h->db) == KB_DB_POSTGRES &&
	     (rc = exec(h, "SELECT pg_advisory_xact_lock(4812073)")))) {
		/* not a database at all, or not ours: say that, not "cannot begin" */
		int why;

		kb_db_rollback(h->db);
		why = check_schema_locked(h, false);
		return why < 0 && why != -KB_ENOTFOUND ? why : rc;
	}
	rc = check_schema_locked(h, create);
	if (rc == 1)
		rc = exec(h, migrate_1_2_sql);
	if (rc) {
		kb_db_rollback(h->db);
		return rc;
	}
	return exec(h, "COMMIT");
}

/* The URI as messages show it: the password, if any, as "***". */
static char *display_name(const char *target)
{
	const char *scheme = strstr(target, "://"), *at, *colon;
	char *out;

	if (!kb_db_is_postgres(target) || !scheme)
		return strdup(target);
	scheme += 3;
	at = strchr(scheme, '@');
	colon = at ? memchr(scheme, ':', (size_t)(at - scheme)) : NULL;
	if (!colon)
		return strdup(target);
	out = malloc(strlen(target) + 4);
	if (out)
		sprintf(out, "%.*s:***%s", (int)(colon - target), target, at);
	return out;
}

int kb_history_open(const char *path, bool create, struct kb_history **out)
{
	struct kb_history *h;
	bool file_create = false;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return kb_error(KB_EINVAL, "no history database path");
	if (!kb_db_is_postgres(path) && access(path, F_OK) != 0) {
		if (!create)
			return kb_error(KB_ENOTFOUND,
					"no history at %s (add runs with: kbench-history add RESULT.json)",
					path);
		if ((rc = make_parent_dir(path)))
			return rc;
		file_create = true;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->path = display_name(path))) {
		free(h);
		return kb_error(KB_ENOMEM, "out of memory opening %s", path);
	}
	if ((rc = kb_db_open(path, file_create, h->path, &h->db)))
		goto out_close;
	if ((rc = check_schema(h, create)))
		goto out_close;
	if (kb_db_kind(h->db) == KB_DB_SQLITE &&
	    (rc = exec(h, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")))
		goto out_close;
	*out = h;
	return 0;

out_close:
	kb_history_close(h);
	return rc;
}

void kb_history_close(struct kb_history *h)
{
	if (!h)
		return;
	kb_db_close(h->db);
	free(h->path);
	free(h);
}

/* ---- add ------------------------------------------------------------------ */

static int find_run(struct kb_history *h, const char *git, const char *date, const char *host,
		    int64_t *id)
{
	struct kb_stmt *st;
	int rc;

	if ((rc = prepare(h, "SELECT id FROM runs WHERE git = ?1 AND date = ?2 AND host = ?3", &st)))
		return rc;
	kb_stmt_text(st, 1, git);
	kb_stmt_text(st, 2, date);
	kb_stmt_text(st, 3, host);
	rc = kb_stmt_step(st);
	if (rc == 1)
		*id = kb_col_int64(st, 0);
	else if (rc < 0)
		rc = db_error(h, "cannot look up the run");
	kb_stmt_finalize(st);
	return rc;
}

static int insert_kv(struct kb_history *h, const char *table, int64_t run_id,
		     const struct kb_kv *kv, size_t n)
{
	char sql[128];
	struct kb_stmt *st;
	size_t i;
	int rc = 0;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s (run_id, pos, key, value, is_num) VALUES (?1, ?2, ?3, ?4, ?5)",
		 table);
	if ((rc = prepare(h, sql, &st)))
		return rc;
	for (i = 0; i < n && !rc; i++) {
		kb_stmt_int64(st, 1, run_id);
		kb_stmt_int64(st, 2, (int64_t)i);
		kb_stmt_text(st, 3, kv[i].key ? kv[i].key : "");
		kb_stmt_text(st, 4, kv[i].value);
		kb_stmt_int64(st, 5, kv[i].is_num);
		if (kb_stmt_step(st) != 0)
			rc = db_error(h, "cannot store the context");
		kb_stmt_reset(st);
	}
	kb_stmt_finalize(st);
	return rc;
}

static const char insert_result_sql[] =
	"INSERT INTO results (run_id, pos, bench, suite, kernel, params, unit, status, message,"
	" label, iterations_per_sample, rounds, median, ci_low, ci_high, ci_level, mean, sd, cv,"
	" min, max, q1, q3, p90, p99, n, outliers_mild, outliers_severe, converged, validated,"
	" instructions, noise, warmup_s, elapsed_s, timer, gb_cpu_time_ns, samples_ns,"
	" cpu_samples_ns, sample_round, processes, log_se, df, disturbed) VALUES (?1, ?2, ?3,"
	" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
	" ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38,"
	" ?39, ?40, ?41, ?42, ?43) RETURNING id";

static int bind_result(struct kb_stmt *st, int64_t run_id, size_t pos, const struct kb_result *r)
{
	const struct kb_summary *s = &r->summary;
	char *params = params_to_json(r);
	char *wall = doubles_to_json(r->samples_ns, r->nsamples);
	char *cpu = doubles_to_json(r->cpu_samples_ns, r->nsamples);
	char *round = u32_to_json(r->sample_round, r->nsamples);
	int rc = 0;

	if (!params || (r->samples_ns && !wall) || (r->cpu_samples_ns && !cpu) ||
	    (r->sample_round && !round)) {
		rc = kb_error(KB_ENOMEM, "out of memory storing %s", r->id);
		goto out;
	}
	kb_stmt_int64(st, 1, run_id);
	kb_stmt_int64(st, 2, (int64_t)pos);
	kb_stmt_text(st, 3, r->id);
	kb_stmt_text(st, 4, r->suite);
	kb_stmt_text(st, 5, r->kernel);
	kb_stmt_text(st, 6, params);
	kb_stmt_text(st, 7, r->unit);
	kb_stmt_text(st, 8, kb_status_name(r->status));
	kb_stmt_text(st, 9, r->message);
	kb_stmt_text(st, 10, r->label);
	kb_stmt_int64(st, 11, (int64_t)r->iterations_per_sample);
	kb_stmt_int64(st, 12, (int64_t)r->rounds);
	kb_stmt_real(st, 13, s->median);
	kb_stmt_real(st, 14, s->ci_low);
	kb_stmt_real(st, 15, s->ci_high);
	kb_stmt_real(st, 16, s->ci_level);
	kb_stmt_real(st, 17, s->mean);
	kb_stmt_real(st, 18, s->sd);
	kb_stmt_real(st, 19, s->cv);
	kb_stmt_real(st, 20, s->min);
	kb_stmt_real(st, 21, s->max);
	kb_stmt_real(st, 22, s->q1);
	kb_stmt_real(st, 23, s->q3);
	kb_stmt_real(st, 24, s->p90);
	kb_stmt_real(st, 25, s->p99);
	kb_stmt_int64(st, 26, (int64_t)s->n);
	kb_stmt_int64(st, 27, (int64_t)s->outliers_mild);
	kb_stmt_int64(st, 28, (int64_t)s->outliers_severe);
	kb_stmt_int64(st, 29, s->converged);
	kb_stmt_int64(st, 30, r->validated);
	kb_stmt_real(st, 31, r->instructions);
	kb_stmt_real(st, 32, r->noise);
	kb_stmt_real(st, 33, r->warmup_s);
	kb_stmt_real(st, 34, r->elapsed_s);
	kb_stmt_text(st, 35, r->timer);
	kb_stmt_real(st, 36, r->gb_cpu_time_ns);
	kb_stmt_text(st, 37, wall);
	kb_stmt_text(st, 38, cpu);
	kb_stmt_text(st, 39, round); /* the values are copied */
	if (r->proc.processes > 0)
		kb_stmt_int64(st, 40, (int64_t)r->proc.processes);
	else
		kb_stmt_null(st, 40);
	kb_stmt_real(st, 41, r->proc.log_se);
	kb_stmt_real(st, 42, r->proc.df);
	kb_stmt_text(st, 43, r->proc.disturbed);
out:
	free(params);
	free(wall);
	free(cpu);
	free(round);
	return rc;
}

static int insert_results(struct kb_history *h, int64_t run_id, const struct kb_run *run)
{
	struct kb_stmt *st = NULL, *ct = NULL;
	size_t i, j;
	int rc;

	if ((rc = prepare(h, insert_result_sql, &st)))
		return rc;
	if ((rc = prepare(h, "INSERT INTO counters (result_id, pos, name, value)"
			     " VALUES (?1, ?2, ?3, ?4)", &ct)))
		goto out;
	for (i = 0; i < run->nresults; i++) {
		const struct kb_result *r = &run->results[i];
		int64_t rid;

		if (!r->id) {
			rc = kb_error(KB_ESCHEMA, "benchmark %zu of the run has no id", i);
			goto out;
		}
		if ((rc = bind_result(st, run_id, i, r)))
			goto out;
		if (kb_stmt_step(st) != 1) {
			if (kb_db_errclass(h->db) == KB_DB_ERR_UNIQUE)
				rc = kb_error(KB_ESCHEMA, "benchmark %s appears twice in the run", r->id);
			else
				rc = db_error(h, "cannot store a benchmark");
			goto out;
		}
		rid = kb_col_int64(st, 0);
		kb_stmt_reset(st);
		for (j = 0; j < r->ncounters; j++) {
			kb_stmt_int64(ct, 1, rid);
			kb_stmt_int64(ct, 2, (int64_t)j);
			kb_stmt_text(ct, 3, r->counters[j].name ? r->counters[j].name : "");
			kb_stmt_real(ct, 4, r->counters[j].value);
			if (kb_stmt_step(ct) != 0) {
				rc = db_error(h, "cannot store a counter");
				goto out;
			}
			kb_stmt_reset(ct);
		}
		if (kb__history_add_hook)
			kb__history_add_hook(i);
	}
out:
	kb_stmt_finalize(ct);
	kb_stmt_finalize(st);
	return rc;
}

int kb_history_add(struct kb_history *h, const struct kb_run *run, const char *source,
		   int64_t *run_id)
{
	const char *git = run->git ? run->git : "";
	const char *host = run_host(run);
	struct kb_stmt *st = NULL;
	char added[32];
	int64_t id = 0;
	int rc;

	*run_id = 0;
	if (!run->date || !*run->date)
		return kb_error(KB_ESCHEMA, "%s: the run has no date; cannot key it in the history",
				source ? source : "run");
	if ((rc = kb_db_begin(h->db)))
		return rc;
	rc = find_run(h, git, run->date, host, &id);
	if (rc == 1)
		goto out_present;
	if (rc)
		goto out_rollback;
	if ((rc = prepare(h, "INSERT INTO runs (git, git_dirty, date, host, fingerprint, format,"
			     " schema_version, harness_version, seed, source, added)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id", &st)))
		goto out_rollback;
	utc_now(added, sizeof(added));
	kb_stmt_text(st, 1, git);
	kb_stmt_int64(st, 2, run_dirty(run));
	kb_stmt_text(st, 3, run->date);
	kb_stmt_text(st, 4, host);
	kb_stmt_text(st, 5, run->fingerprint ? run->fingerprint : "");
	kb_stmt_text(st, 6, run->format);
	kb_stmt_int64(st, 7, run->schema_version);
	kb_stmt_text(st, 8, run->harness_version);
	kb_stmt_int64(st, 9, (int64_t)run->seed);
	kb_stmt_text(st, 10, source ? source : "");
	kb_stmt_text(st, 11, added);
	if (kb_stmt_step(st) != 1) {
		/*
		 * PostgreSQL: another writer added the same run after our look-up
		 * (its unique key waits for that writer's commit, then fails).
		 */
		if (kb_db_errclass(h->db) == KB_DB_ERR_UNIQUE) {
			kb_db_rollback(h->db);
			if (find_run(h, git, run->date, host, &id) == 1)
				goto out_present;
		}
		rc = db_error(h, "cannot store the run");
		goto out_rollback;
	}
	id = kb_col_int64(st, 0);
	kb_stmt_reset(st); /* SQLite cannot commit while a statement is in progress */
	if ((rc = insert_kv(h, "context", id, run->context, run->ncontext)) ||
	    (rc = insert_kv(h, "config", id, run->config, run->nconfig)) ||
	    (rc = insert_results(h, id, run)))
		goto out_rollback;
	if ((rc = exec(h, "COMMIT")))
		goto out_rollback;
	kb_stmt_finalize(st);
	*run_id = id;
	return 0;

out_present:
	*run_id = id;
	rc = kb_error(KB_EINVAL,
		      "%s is already in the history as run %" PRId64
		      " (git %s, date %s%s%s); not added again",
		      source ? source : "this run", id, *git ? git : "unknown", run->date,
		      *host ? ", host " : "", host);
out_rollback:
	kb_stmt_finalize(st);
	kb_db_rollback(h->db);
	return rc;
}

/* ---- reading back ------------------------------------------------------- */

void kb_history_run_clear(struct kb_history_run *r)
{
	if (!r)
		return;
	free(r->git);
	free(r->date);
	free(r->host);
	free(r->fingerprint);
	free(r->source);
	free(r->added);
	memset(r, 0, sizeof(*r));
}

void kb_history_runs_free(struct kb_history_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kb_history_run_clear(&runs[i]);
	free(runs);
}

static const char run_cols[] =
	"SELECT r.id, r.git, r.git_dirty, r.date, r.host, r.fingerprint, r.source, r.added,"
	" (SELECT count(*) FROM results WHERE run_id = r.id) FROM runs r";

static int read_run_row(struct kb_stmt *st, struct kb_history_run *r)
{
	r->id = kb_col_int64(st, 0);
	r->git = col_text_nn(st, 1);
	r->git_dirty = kb_col_int64(st, 2) != 0;
	r->date = col_text_nn(st, 3);
	r->host = col_text_nn(st, 4);
	r->fingerprint = col_text_nn(st, 5);
	r->source = col_text_nn(st, 6);
	r->added = col_text_nn(st, 7);
	r->nbench = (size_t)kb_col_int64(st, 8);
	if (!r->git || !r->date || !r->host || !r->fingerprint || !r->source || !r->added) {
		kb_history_run_clear(r);
		return kb_error(KB_ENOMEM, "out of memory listing runs");
	}
	return 0;
}

int kb_history_list(struct kb_history *h, struct kb_history_run **runs, size_t *n)
{
	struct kb_stmt *st;
	struct kb_history_run *v = NULL, *nv;
	size_t len = 0, cap = 0;
	char sql[256];
	int rc, step;

	*runs = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "%s ORDER BY r.date, r.id", run_cols);
	if ((rc = prepare(h, sql, &st)))
		return rc;
	while ((step = kb_stmt_step(st)) == 1) {
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = kb_error(KB_ENOMEM, "out of memory listing runs");
				goto out;
			}
			v = nv;
		}
		memset(&v[len], 0, sizeof(v[len]));
		if ((rc = read_run_row(st, &v[len])))
			goto out;
		len++;
	}
	if (step != 0)
		rc = db_error(h, "cannot list runs");
out:
	kb_stmt_finalize(st);
	if (rc) {
		kb_history_runs_free(v, len);
		return rc;
	}
	*runs = v;
	*n = len;
	return 0;
}

static int read_kv(struct kb_history *h, const char *table, int64_t id, struct kb_kv **out,
		   size_t *n)
{
	char sql[128];
	struct kb_stmt *st;
	struct kb_kv *v = NULL, *nv;
	size_t len = 0;
	int rc = 0, step;

	snprintf(sql, sizeof(sql), "SELECT key, value, is_num FROM %s WHERE run_id = ?1 ORDER BY pos",
		 table);
	if ((rc = prepare(h, sql, &st)))
		return rc;
	kb_stmt_int64(st, 1, id);
	while ((step = kb_stmt_step(st)) == 1) {
		nv = realloc(v, (len + 1) * sizeof(*v));
		if (!nv) {
			rc = kb_error(KB_ENOMEM, "out of memory reading %s", table);
			break;
		}
		v = nv;
		v[len].key = col_text_nn(st, 0);
		v[len].value = col_text(st, 1);
		v[len].is_num = kb_col_int64(st, 2) != 0;
		len++;
	}
	if (!rc && step != 0)
		rc = db_error(h, "cannot read the context");
	kb_stmt_finalize(st);
	*out = v;
	*n = len;
	return rc;
}

static const char select_result_sql[] =
	"SELECT id, bench, suite, kernel, params, unit, status, message, label,"
	" iterations_per_sample, rounds, median, ci_low, ci_high, ci_level, mean, sd, cv,"
	" min, max, q1, q3, p90, p99, n, outliers_mild, outliers_severe, converged, validated,"
	" instructions, noise, warmup_s, elapsed_s, timer, gb_cpu_time_ns, samples_ns,"
	" cpu_samples_ns, sample_round, (SELECT count(*) FROM counters WHERE result_id = results.id),"
	" processes, log_se, df, disturbed FROM results WHERE run_id = ?1 ORDER BY pos";

static int read_counters(struct kb_history *h, int64_t rid, size_t count, struct kb_result *r)
{
	struct kb_stmt *st;
	int rc;

	if (count == 0)
		return 0;
	r->counters = calloc(count, sizeof(*r->counters));
	if (!r->counters)
		return kb_error(KB_ENOMEM, "out of memory reading counters");
	if ((rc = prepare(h, "SELECT name, value FROM counters WHERE result_id = ?1 ORDER BY pos",
			  &st)))
		return rc;
	kb_stmt_int64(st, 1, rid);
	while (r->ncounters < count && kb_stmt_step(st) == 1) {
		r->counters[r->ncounters].name = col_text_nn(st, 0);
		r->counters[r->ncounters].value = kb_col_real(st, 1);
		r->ncounters++;
	}
	kb_stmt_finalize(st);
	return 0;
}

static int read_rounds(const char *s, size_t n, uint32_t **out)
{
	double *d;
	int rc;

	*out = NULL;
	if ((rc = json_to_doubles(s, n, &d)) || !d)
		return rc;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out) {
		free(d);
		return kb_error(KB_ENOMEM, "out of memory reading rounds");
	}
	for (size_t i = 0; i < n; i++)
		(*out)[i] = isfinite(d[i]) ? (uint32_t)d[i] : 0;
	free(d);
	return 0;
}

static int read_result(struct kb_history *h, struct kb_stmt *st, struct kb_result *r)
{
	struct kb_summary *s = &r->summary;
	const char *samples;
	int status, rc;

	r->id = col_text_nn(st, 1);
	r->suite = col_text(st, 2);
	r->kernel = col_text(st, 3);
	if ((rc = params_from_json(kb_col_text(st, 4), r)))
		return rc;
	r->unit = col_text(st, 5);
	status = kb_status_parse(kb_col_text(st, 6));
	r->status = status < 0 ? KB_STATUS_ERROR : (enum kb_status)status;
	r->message = col_text(st, 7);
	r->label = col_text(st, 8);
	r->iterations_per_sample = (uint64_t)kb_col_int64(st, 9);
	r->rounds = (size_t)kb_col_int64(st, 10);
	s->median = kb_col_real(st, 11);
	s->ci_low = kb_col_real(st, 12);
	s->ci_high = kb_col_real(st, 13);
	s->ci_level = kb_col_real(st, 14);
	s->mean = kb_col_real(st, 15);
	s->sd = kb_col_real(st, 16);
	s->cv = kb_col_real(st, 17);
	s->min = kb_col_real(st, 18);
	s->max = kb_col_real(st, 19);
	s->q1 = kb_col_real(st, 20);
	s->q3 = kb_col_real(st, 21);
	s->p90 = kb_col_real(st, 22);
	s->p99 = kb_col_real(st, 23);
	s->n = (size_t)kb_col_int64(st, 24);
	s->outliers_mild = (size_t)kb_col_int64(st, 25);
	s->outliers_severe = (size_t)kb_col_int64(st, 26);
	s->converged = kb_col_int64(st, 27) != 0;
	r->validated = kb_col_int64(st, 28);
	r->instructions = kb_col_real(st, 29);
	r->noise = kb_col_real(st, 30);
	r->warmup_s = kb_col_real(st, 31);
	r->elapsed_s = kb_col_real(st, 32);
	r->timer = col_text(st, 33);
	r->gb_cpu_time_ns = kb_col_real(st, 34);
	samples = kb_col_text(st, 35);
	if (samples) {
		/* The sample count is the number of commas plus one. */
		size_t n = strcmp(samples, "[]") == 0 ? 0 : 1;

		for (const char *p = samples; *p; p++)
			n += *p == ',';
		r->nsamples = n;
	}
	if ((rc = json_to_doubles(samples, r->nsamples, &r->samples_ns)) ||
	    (rc = json_to_doubles(kb_col_text(st, 36), r->nsamples,
				  &r->cpu_samples_ns)) ||
	    (rc = read_rounds(kb_col_text(st, 37), r->nsamples,
			      &r->sample_round)))
		return rc;
	if (!kb_col_null(st, 39))
		r->proc.processes = (size_t)kb_col_int64(st, 39);
	/* not stored: the interval within one process, the variance components */
	r->proc.within_ci_low = r->proc.within_ci_high = NAN;
	r->proc.var_within_round = r->proc.var_between_rounds = NAN;
	r->proc.var_between_processes = NAN;
	r->proc.log_se = kb_col_real(st, 40);
	r->proc.df = kb_col_real(st, 41);
	r->proc.disturbed = col_text(st, 42);
	return read_counters(h, kb_col_int64(st, 0), (size_t)kb_col_int64(st, 38),
			     r);
}

static int read_results(struct kb_history *h, int64_t id, struct kb_run *out)
{
	struct kb_stmt *st;
	size_t cap = 0;
	int rc = 0, step;

	if ((rc = prepare(h, select_result_sql, &st)))
		return rc;
	kb_stmt_int64(st, 1, id);
	while ((step = kb_stmt_step(st)) == 1) {
		if (out->nresults == cap) {
			struct kb_result *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(out->results, cap * sizeof(*nv));
			if (!nv) {
				rc = kb_error(KB_ENOMEM, "out of memory reading results");
				break;
			}
			out->results = nv;
		}
		memset(&out->results[out->nresults], 0, sizeof(out->results[0]));
		out->nresults++;
		if ((rc = read_result(h, st, &out->results[out->nresults - 1])))
			break;
	}
	if (!rc && step != 0)
		rc = db_error(h, "cannot read results");
	kb_stmt_finalize(st);
	return rc;
}

int kb_history_get(struct kb_history *h, int64_t id, struct kb_run *out,
		   struct kb_history_run *meta)
{
	struct kb_stmt *st;
	char sql[320];
	int rc;

	memset(out, 0, sizeof(*out));
	if (meta)
		memset(meta, 0, sizeof(*meta));
	snprintf(sql, sizeof(sql),
		 "%s WHERE r.id = ?1", run_cols);
	if ((rc = prepare(h, sql, &st)))
		return rc;
	kb_stmt_int64(st, 1, id);
	if (kb_stmt_step(st) != 1) {
		kb_stmt_finalize(st);
		return kb_error(KB_ENOTFOUND, "%s: no run %" PRId64 " in the history", h->path, id);
	}
	if (meta && (rc = read_run_row(st, meta))) {
		kb_stmt_finalize(st);
		return rc;
	}
	out->git = kb_col_text(st, 1) && *kb_col_text(st, 1) ? col_text(st, 1) : NULL;
	out->date = col_text(st, 3);
	out->fingerprint = kb_col_text(st, 5) && *kb_col_text(st, 5) ? col_text(st, 5) : NULL;
	kb_stmt_finalize(st);

	if ((rc = prepare(h, "SELECT format, schema_version, harness_version, seed FROM runs"
			     " WHERE id = ?1", &st)))
		goto out_clear;
	kb_stmt_int64(st, 1, id);
	if (kb_stmt_step(st) == 1) {
		out->format = col_text(st, 0);
		out->schema_version = kb_col_int64(st, 1);
		out->harness_version = col_text(st, 2);
		out->seed = (uint64_t)kb_col_int64(st, 3);
	}
	kb_stmt_finalize(st);
	if ((rc = read_kv(h, "context", id, &out->context, &out->ncontext)) ||
	    (rc = read_kv(h, "config", id, &out->config, &out->nconfig)) ||
	    (rc = read_results(h, id, out)))
		goto out_clear;
	return 0;

out_clear:
	kb_run_clear(out);
	if (meta)
		kb_history_run_clear(meta);
	return rc;
}

void kb_history_points_free(struct kb_history_point *pts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(pts[i].bench);
		free(pts[i].fingerprint);
		free(pts[i].git);
		free(pts[i].date);
	}
	free(pts);
}

int kb_history_series(struct kb_history *h, const char *glob, struct kb_history_point **pts,
		      size_t *n)
{
	struct kb_stmt *st;
	struct kb_history_point *v = NULL, *nv;
	size_t len = 0, cap = 0;
	int rc = 0, step;

	*pts = NULL;
	*n = 0;
	if ((rc = prepare(h, "SELECT ru.id, re.bench, ru.fingerprint, ru.git, ru.date, re.status,"
			     " re.median, re.ci_low, re.ci_high, re.processes, re.log_se, re.df,"
			     " re.disturbed IS NOT NULL FROM results re"
			     " JOIN runs ru ON ru.id = re.run_id"
			     " ORDER BY re.bench, ru.fingerprint, ru.date, ru.id", &st)))
		return rc;
	while ((step = kb_stmt_step(st)) == 1) {
		const char *bench = kb_col_text(st, 1);
		struct kb_history_point *p;
		int status;

		if (!bench || (glob && fnmatch(glob, bench, 0) != 0))
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = kb_error(KB_ENOMEM, "out of memory reading history");
				break;
			}
			v = nv;
		}
		p = &v[len++];
		memset(p, 0, sizeof(*p));
		p->run_id = kb_col_int64(st, 0);
		p->bench = strdup(bench);
		p->fingerprint = col_text_nn(st, 2);
		p->git = col_text_nn(st, 3);
		p->date = col_text_nn(st, 4);
		status = kb_status_parse(kb_col_text(st, 5));
		p->status = status < 0 ? KB_STATUS_ERROR : (enum kb_status)status;
		p->median = kb_col_real(st, 6);
		p->ci_low = kb_col_real(st, 7);
		p->ci_high = kb_col_real(st, 8);
		p->processes = (size_t)kb_col_int64(st, 9); /* NULL reads 0: unknown */
		p->log_se = kb_col_real(st, 10);
		p->df = kb_col_real(st, 11);
		p->probe_disturbed = kb_col_int64(st, 12) != 0;
		if (!p->bench || !p->fingerprint || !p->git || !p->date) {
			rc = kb_error(KB_ENOMEM, "out of memory reading history");
			break;
		}
	}
	if (!rc && step != 0)
		rc = db_error(h, "cannot read the history");
	kb_stmt_finalize(st);
	if (rc) {
		kb_history_points_free(v, len);
		return rc;
	}
	*pts = v;
	*n = len;
	return 0;
}

/* ---- export --------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *kv_to_json(const struct kb_kv *kv, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *v = NULL;

		if (!kv[i].value)
			v = json_null();
		else if (kv[i].is_num)
			v = json_loads(kv[i].value, JSON_DECODE_ANY, NULL);
		if (!v)
			v = json_string(kv[i].value);
		json_object_set_new(o, kv[i].key, v);
	}
	return o;
}

static json_t *doubles_json(const double *x, size_t n)
{
	json_t *a;

	if (!x)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, kb_json_num(x[i]));
	return a;
}

static json_t *result_to_json(const struct kb_result *r)
{
	const struct kb_summary *s = &r->summary;
	json_t *o = json_object(), *p = json_object(), *c = json_object(), *sm = json_object();
	json_t *rounds = json_null();

	for (size_t i = 0; i < r->nparams; i++)
		json_object_set_new(p, r->params[i].name,
				    r->params[i].is_str ? json_string(r->params[i].str)
							: json_integer((json_int_t)r->params[i].value));
	for (size_t i = 0; i < r->ncounters; i++)
		json_object_set_new(c, r->counters[i].name, kb_json_num(r->counters[i].value));
	if (r->sample_round) {
		rounds = json_array();
		for (size_t i = 0; i < r->nsamples; i++)
			json_array_append_new(rounds, json_integer(r->sample_round[i]));
	}
	json_object_set_new(sm, "median", kb_json_num(s->median));
	json_object_set_new(sm, "ci_low", kb_json_num(s->ci_low));
	json_object_set_new(sm, "ci_high", kb_json_num(s->ci_high));
	json_object_set_new(sm, "ci_level", kb_json_num(s->ci_level));
	json_object_set_new(sm, "mean", kb_json_num(s->mean));
	json_object_set_new(sm, "sd", kb_json_num(s->sd));
	json_object_set_new(sm, "cv", kb_json_num(s->cv));
	json_object_set_new(sm, "min", kb_json_num(s->min));
	json_object_set_new(sm, "max", kb_json_num(s->max));
	json_object_set_new(sm, "q1", kb_json_num(s->q1));
	json_object_set_new(sm, "q3", kb_json_num(s->q3));
	json_object_set_new(sm, "p90", kb_json_num(s->p90));
	json_object_set_new(sm, "p99", kb_json_num(s->p99));
	json_object_set_new(sm, "n", json_integer((json_int_t)s->n));
	json_object_set_new(sm, "outliers",
			    json_pack("{s:I, s:I}", "mild", (json_int_t)s->outliers_mild, "severe",
				      (json_int_t)s->outliers_severe));
	json_object_set_new(sm, "converged", json_boolean(s->converged));

	json_object_set_new(o, "id", jstr(r->id));
	json_object_set_new(o, "suite", jstr(r->suite));
	json_object_set_new(o, "kernel", jstr(r->kernel));
	json_object_set_new(o, "params", p);
	json_object_set_new(o, "unit", jstr(r->unit));
	json_object_set_new(o, "status", json_string(kb_status_name(r->status)));
	json_object_set_new(o, "message", jstr(r->message));
	json_object_set_new(o, "label", jstr(r->label));
	json_object_set_new(o, "iterations_per_sample",
			    json_integer((json_int_t)r->iterations_per_sample));
	json_object_set_new(o, "rounds", json_integer((json_int_t)r->rounds));
	json_object_set_new(o, "samples_ns", doubles_json(r->samples_ns, r->nsamples));
	json_object_set_new(o, "cpu_samples_ns", doubles_json(r->cpu_samples_ns, r->nsamples));
	json_object_set_new(o, "sample_round", rounds);
	json_object_set_new(o, "summary", sm);
	json_object_set_new(o, "counters", c);
	json_object_set_new(o, "validated",
			    r->validated < 0 ? json_null() : json_boolean(r->validated));
	json_object_set_new(o, "instructions", kb_json_num(r->instructions));
	json_object_set_new(o, "timer", jstr(r->timer));
	json_object_set_new(o, "warmup_s", kb_json_num(r->warmup_s));
	json_object_set_new(o, "elapsed_s", kb_json_num(r->elapsed_s));
	json_object_set_new(o, "noise", kb_json_num(r->noise));
	json_object_set_new(o, "processes", r->proc.processes
						 ? json_integer((json_int_t)r->proc.processes)
						 : json_null());
	json_object_set_new(o, "interval", json_pack("{s:o, s:o}", "log_se",
						     kb_json_num(r->proc.log_se), "df",
						     kb_json_num(r->proc.df)));
	json_object_set_new(o, "disturbed", jstr(r->proc.disturbed));
	return o;
}

static json_t *run_to_json(const struct kb_history_run *m, const struct kb_run *run)
{
	json_t *o = json_object(), *b = json_array();

	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "git", json_string(m->git));
	json_object_set_new(o, "git_dirty", json_boolean(m->git_dirty));
	json_object_set_new(o, "date", json_string(m->date));
	json_object_set_new(o, "host", json_string(m->host));
	json_object_set_new(o, "fingerprint", json_string(m->fingerprint));
	json_object_set_new(o, "source", json_string(m->source));
	json_object_set_new(o, "added", json_string(m->added));
	json_object_set_new(o, "format", jstr(run->format));
	json_object_set_new(o, "schema_version", json_integer(run->schema_version));
	json_object_set_new(o, "harness_version", jstr(run->harness_version));
	json_object_set_new(o, "context", kv_to_json(run->context, run->ncontext));
	json_object_set_new(o, "config", kv_to_json(run->config, run->nconfig));
	for (size_t i = 0; i < run->nresults; i++)
		json_array_append_new(b, result_to_json(&run->results[i]));
	json_object_set_new(o, "benchmarks", b);
	return o;
}

int kb_history_export(struct kb_history *h, int64_t id, FILE *out)
{
	struct kb_history_run *runs = NULL;
	size_t nruns = 0, i;
	json_t *root, *arr;
	int rc;

	if ((rc = kb_history_list(h, &runs, &nruns)))
		return rc;
	root = json_object();
	arr = json_array();
	json_object_set_new(root, "format", json_string("kbench-history"));
	json_object_set_new(root, "version", json_integer(KB_HISTORY_SCHEMA));
	json_object_set_new(root, "runs", arr);
	for (i = 0; i < nruns; i++) {
		struct kb_run run;

		if (id > 0 && runs[i].id != id)
			continue;
		if ((rc = kb_history_get(h, runs[i].id, &run, NULL)))
			goto out;
		json_array_append_new(arr, run_to_json(&runs[i], &run));
		kb_run_clear(&run);
	}
	if (id > 0 && json_array_size(arr) == 0) {
		rc = kb_error(KB_ENOTFOUND, "%s: no run %" PRId64 " in the history", h->path, id);
		goto out;
	}
	if (json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) ||
	    fputc('\n', out) == EOF)
		rc = kb_error(KB_EIO, "cannot write the export: %s", strerror(errno));
out:
	json_decref(root);
	kb_history_runs_free(runs, nruns);
	return rc;
}
