/*
 * Registration, parameter spaces, expansion into ids, and --filter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "kbench.h"
#include "registry.h"

static void body(struct kb_state *state)
{
	while (kb_loop(state)) {
	}
}

KB_BENCH(t, plain) { body(state); }

KB_BENCH(t, list) { body(state); }
KB_ARGS(t, list, 8, 16, 1 << 10);

KB_BENCH(t, range) { body(state); }
KB_RANGE(t, range, 64, 1024);

KB_BENCH(t, product) { body(state); }
KB_SPACE(t, product, "m=1,2 k=10..40*2");

KB_BENCH(t, quick) { body(state); }
KB_SPACE(t, quick, "n=1M");
KB_QUICK(t, quick, "n=4k");
KB_LARGE(t, quick, "n=1G");

KB_BENCH(t, bad) { body(state); }
KB_SPACE(t, bad, "n=12..oops");

KB_BENCH(t, sizes) { body(state); }
KB_SPACE(t, sizes, "bytes=1000,4k,64M,1G,1536");

KB_BENCH(t, dups) { body(state); }
KB_ARGS(t, dups, 1, 2);
KB_ARGS(t, dups, 2, 3);

KB_BENCH(t, team) { body(state); }
KB_ARGS(t, team, 8, 16);
KB_THREADS(t, team, 1, 4);

KB_BENCH(t, badteam) { body(state); }
KB_THREADS(t, badteam, 2, 0);

static const struct kb_instance *find(const struct kb_instance_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

static size_t count_prefix(const struct kb_instance_list *l, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += strncmp(l->v[i].id, prefix, strlen(prefix)) == 0;
	return n;
}

static void expands_ids(void **st)
{
	struct kb_instance_list l;
	const struct kb_instance *in;
	(void)st;
	assert_int_equal(kb_registry_expand(false, false, &l), 0);
	assert_non_null(find(&l, "t/plain"));
	assert_int_equal(find(&l, "t/plain")->nparams, 0);
	assert_non_null(find(&l, "t/list/8"));
	assert_non_null(find(&l, "t/list/1024"));
	assert_int_equal(count_prefix(&l, "t/list/"), 3);
	/* 64..1024 in powers of two: 64 128 256 512 1024 */
	assert_int_equal(count_prefix(&l, "t/range/"), 5);
	assert_non_null(find(&l, "t/range/512"));
	/* product: 2 x {10, 20, 40}, last axis fastest */
	assert_int_equal(count_prefix(&l, "t/product/"), 6);
	in = find(&l, "t/product/2/40");
	assert_non_null(in);
	assert_string_equal(in->param_names[0], "m");
	assert_string_equal(in->param_names[1], "k");
	assert_int_equal(in->params[0], 2);
	assert_int_equal(in->params[1], 40);
	assert_true(find(&l, "t/product/1/10") < find(&l, "t/product/1/20"));
	assert_true(find(&l, "t/product/1/40") < find(&l, "t/product/2/10"));
	/* suffixes are binary */
	assert_non_null(find(&l, "t/quick/1048576"));
	assert_null(find(&l, "t/quick/4096"));
	assert_null(find(&l, "t/quick/1073741824")); /* only under --large */
	/* a malformed spec is one instance carrying the error */
	in = find(&l, "t/bad");
	assert_non_null(in);
	assert_non_null(in->error);
	assert_non_null(strstr(in->error, "n=12..oops"));
	/* byte sizes read with binary units when they divide exactly */
	assert_non_null(find(&l, "t/sizes/1000"));
	assert_non_null(find(&l, "t/sizes/4KiB"));
	assert_non_null(find(&l, "t/sizes/64MiB"));
	assert_non_null(find(&l, "t/sizes/1GiB"));
	assert_non_null(find(&l, "t/sizes/1536"));
	assert_int_equal(find(&l, "t/sizes/64MiB")->params[0], 64 << 20);
	/* duplicate tuples appear once */
	assert_int_equal(count_prefix(&l, "t/dups/"), 3);
	kb_instance_list_clear(&l);
}

static void quick_sets_replace(void **st)
{
	struct kb_instance_list l;
	(void)st;
	assert_int_equal(kb_registry_expand(true, false, &l), 0);
	assert_non_null(find(&l, "t/quick/4096"));
	assert_null(find(&l, "t/quick/1048576"));
	/* benchmarks without quick sets keep their normal sets */
	assert_int_equal(count_prefix(&l, "t/list/"), 3);
	kb_instance_list_clear(&l);
}

static void large_sets_add(void **st)
{
	struct kb_instance_list l;
	(void)st;
	assert_int_equal(kb_registry_expand(false, true, &l), 0);
	assert_non_null(find(&l, "t/quick/1048576"));
	assert_non_null(find(&l, "t/quick/1073741824"));
	kb_instance_list_clear(&l);
	assert_int_equal(kb_registry_expand(true, true, &l), 0);
	assert_null(find(&l, "t/quick/1073741824")); /* --quick wins */
	kb_instance_list_clear(&l);
}

static void spec_errors(void **st)
{
	char *names[KB_MAX_AXES];
	int64_t *values[KB_MAX_AXES];
	size_t counts[KB_MAX_AXES], n;
	(void)st;
	assert_int_not_equal(kb_registry_parse_spec("", &n, names, values, counts), 0);
	assert_int_not_equal(kb_registry_parse_spec("n=", &n, names, values, counts), 0);
	for (size_t a = 0; a < n; a++) free(names[a]), free(values[a]);
	assert_int_not_equal(kb_registry_parse_spec("n=8..4", &n, names, values, counts), 0);
	assert_non_null(strstr(kb_last_error(), "lo <= hi"));
	for (size_t a = 0; a < n; a++) free(names[a]), free(values[a]);
	assert_int_equal(kb_registry_parse_spec("n=1..1000*10 t=1,2", &n, names, values, counts), 0);
	assert_int_equal(n, 2);
	assert_int_equal(counts[0], 4);
	assert_int_equal(values[0][3], 1000);
	assert_int_equal(counts[1], 2);
	for (size_t a = 0; a < n; a++) free(names[a]), free(values[a]);
}

/* KB_THREADS: one instance per size and thread count, "/threads:N" last. */
static void thread_teams(void **st)
{
	struct kb_instance_list l = { 0 };
	const struct kb_instance *i;

	(void)st;
	assert_int_equal(kb_registry_expand(false, false, &l), 0);
	assert_int_equal(count_prefix(&l, "t/team/"), 4);
	i = find(&l, "t/team/16/threads:4");
	assert_non_null(i);
	assert_int_equal(i->threads, 4);
	assert_int_equal(i->nparams, 1);
	assert_non_null(find(&l, "t/team/8/threads:1"));
	assert_int_equal(find(&l, "t/list/8")->threads, 0);
	i = find(&l, "t/badteam");
	assert_non_null(i);
	assert_non_null(strstr(i->error, "KB_THREADS: 0 threads: expected 1 to 256"));
	kb_instance_list_clear(&l);
}

static void filter(void **st)
{
	struct kb_filter *f;
	(void)st;
	assert_int_equal(kb_filter_new("list/(8|16)$", &f), 0);
	assert_true(kb_filter_match(f, "t/list/8"));
	assert_true(kb_filter_match(f, "t/list/16"));
	assert_false(kb_filter_match(f, "t/list/1024"));
	kb_filter_free(f);
	assert_int_equal(kb_filter_new("-^t/list", &f), 0);
	assert_false(kb_filter_match(f, "t/list/8"));
	assert_true(kb_filter_match(f, "t/plain"));
	kb_filter_free(f);
	assert_int_equal(kb_filter_new(NULL, &f), 0);
	assert_true(kb_filter_match(f, "anything"));
	kb_filter_free(f);
	assert_int_not_equal(kb_filter_new("(unclosed", &f), 0);
	assert_null(f);
	assert_non_null(strstr(kb_last_error(), "(unclosed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expands_ids),
		cmocka_unit_test(quick_sets_replace),
		cmocka_unit_test(large_sets_add),
		cmocka_unit_test(spec_errors),
		cmocka_unit_test(thread_teams),
		cmocka_unit_test(filter),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	kb_registry_reset();
	return rc;
}
