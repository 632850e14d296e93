/*
 * Files that matter: written through a temporary file and renamed, the old
 * file intact when writing fails, nothing left behind, and a destination
 * checked before a run is spent on it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "fileio.h"

static char dir[256];

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "%s/kb-fileio-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[300];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int write_text(FILE *f, const void *ctx)
{
	fputs((const char *)ctx, f);
	return 0;
}

static int write_then_fail(FILE *f, const void *ctx)
{
	(void)ctx;
	fputs("half a fil", f);
	return kb_error(KB_EIO, "the writer gave up");
}

static void replaces_atomically(void **st)
{
	char path[300];

	(void)st;
	snprintf(path, sizeof(path), "%s/a.json", dir);
	assert_int_equal(kb_file_write_atomic(path, write_text, "first\n"), 0);
	assert_string_equal(slurp(path), "first\n");
	assert_int_equal(kb_file_write_atomic(path, write_text, "second\n"), 0);
	assert_string_equal(slurp(path), "second\n");
	assert_int_equal(entries(dir), 1); /* no temporary file left */
}

static void failed_write_keeps_old_file(void **st)
{
	char path[300];

	(void)st;
	snprintf(path, sizeof(path), "%s/b.json", dir);
	assert_int_equal(kb_file_write_atomic(path, write_text, "kept\n"), 0);
	assert_true(kb_file_write_atomic(path, write_then_fail, NULL) < 0);
	assert_string_equal(slurp(path), "kept\n");
	assert_int_equal(entries(dir), 1);
}

/* A set of files replaced together: nothing changes until each is staged,
 * and discarding the staged ones leaves the old set whole. */
static void staged_set(void **st)
{
	char a[300], b[300];
	char *sa, *sb;

	(void)st;
	snprintf(a, sizeof(a), "%s/s1.json", dir);
	snprintf(b, sizeof(b), "%s/s2.json", dir);
	assert_int_equal(kb_file_write_atomic(a, write_text, "old a\n"), 0);
	assert_int_equal(kb_file_write_atomic(b, write_text, "old b\n"), 0);
	assert_int_equal(kb_file_stage(a, write_text, "new a\n", &sa), 0);
	assert_int_equal(kb_file_stage(b, write_then_fail, NULL, &sb), -KB_EIO);
	assert_null(sb);
	kb_file_discard(sa);
	assert_string_equal(slurp(a), "old a\n");
	assert_string_equal(slurp(b), "old b\n");
	assert_int_equal(entries(dir), 2);
	assert_int_equal(kb_file_stage(a, write_text, "new a\n", &sa), 0);
	assert_int_equal(kb_file_stage(b, write_text, "new b\n", &sb), 0);
	assert_string_equal(slurp(a), "old a\n"); /* staged, not yet visible */
	assert_int_equal(kb_file_commit(sa, a), 0);
	assert_int_equal(kb_file_commit(sb, b), 0);
	assert_string_equal(slurp(a), "new a\n");
	assert_string_equal(slurp(b), "new b\n");
	assert_int_equal(entries(dir), 2);
}

static void checks_destination(void **st)
{
	char path[300];

	(void)st;
	snprintf(path, sizeof(path), "%s/c.json", dir);
	assert_int_equal(kb_file_check_writable(path), 0);
	assert_int_equal(entries(dir), 0); /* the probe file is gone */
	assert_int_equal(kb_file_check_writable("-"), 0);
	assert_int_equal(kb_file_check_writable(dir), -KB_EIO);
	assert_non_null(strstr(kb_last_error(), "it is a directory"));
	snprintf(path, sizeof(path), "%s/missing/c.json", dir);
	assert_int_equal(kb_file_check_writable(path), -KB_EIO);
	assert_non_null(strstr(kb_last_error(), path));
}

static void mkdir_p_makes_parents(void **st)
{
	char path[300];
	struct stat sb;

	(void)st;
	snprintf(path, sizeof(path), "%s/x/y/z", dir);
	assert_int_equal(kb_mkdir_p(path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(kb_mkdir_p(path), 0); /* already there */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replaces_atomically, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_keeps_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(staged_set, setup, teardown),
		cmocka_unit_test_setup_teardown(checks_destination, setup, teardown),
		cmocka_unit_test_setup_teardown(mkdir_p_makes_parents, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
