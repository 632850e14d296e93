/*
 * test_proc.c - the one child-process runner: capture, files, exit
 * statuses, a program that cannot be executed, the total timeout and the
 * idle watchdog (children are /bin/sh one-liners; the timeouts are far
 * below what the children would take, so no verdict depends on speed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc.h"

static int sh(struct kb_proc *p, const char *script)
{
	static char *argv[4];

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)script;
	argv[3] = NULL;
	p->argv = argv;
	return kb_proc_run(p);
}

static void captures_both_streams(void **st)
{
	struct kb_proc p = KB_PROC_INIT;

	(void)st;
	p.capture_out = p.capture_err = true;
	assert_int_equal(sh(&p, "echo out; echo err >&2; exit 3"), 0);
	assert_string_equal(p.out, "out\n");
	assert_string_equal(p.err, "err\n");
	assert_int_equal(p.out_len, 4);
	assert_true(WIFEXITED(p.status));
	assert_int_equal(WEXITSTATUS(p.status), 3);
	assert_false(kb_proc_ok(p.status));
	assert_false(p.timed_out);
	assert_int_equal(p.pid, 0);
	kb_proc_release(&p);
	assert_null(p.out);
}

static void large_output_is_whole(void **st)
{
	struct kb_proc p = KB_PROC_INIT;

	(void)st;
	p.capture_out = true;
	/* 200 000 bytes: many pipe buffers */
	assert_int_equal(sh(&p, "i=0; while [ $i -lt 20000 ]; do echo 123456789; i=$((i+1)); done"), 0);
	assert_int_equal(p.out_len, 200000);
	assert_true(kb_proc_ok(p.status));
	kb_proc_release(&p);
}

static void stdin_is_empty_and_env_is_given(void **st)
{
	struct kb_proc p = KB_PROC_INIT;
	char *env[] = { "KB_PROC_TEST=given", NULL };

	(void)st;
	p.capture_out = true;
	p.env = env;
	assert_int_equal(sh(&p, "cat; echo \"[$KB_PROC_TEST][$HOME]\""), 0);
	assert_string_equal(p.out, "[given][]\n");
	kb_proc_release(&p);
}

static void output_to_one_file(void **st)
{
	struct kb_proc p = KB_PROC_INIT;
	char path[] = "/tmp/kb-proc-XXXXXX", buf[64] = "";
	int fd = mkstemp(path);
	FILE *f;

	(void)st;
	assert_true(fd >= 0);
	close(fd);
	p.out_path = p.err_path = path;
	assert_int_equal(sh(&p, "echo one; echo two >&2"), 0);
	assert_string_equal(p.out, "");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 8);
	fclose(f);
	assert_string_equal(buf, "one\ntwo\n");
	unlink(path);
	kb_proc_release(&p);
}

static void cannot_execute(void **st)
{
	struct kb_proc p = KB_PROC_INIT;
	char *argv[] = { "/nonexistent/kbench-no-such-program", NULL };
	char how[96];

	(void)st;
	p.argv = argv;
	p.capture_err = true;
	assert_int_equal(kb_proc_run(&p), 0);
	assert_int_equal(WEXITSTATUS(p.status), 127);
	assert_non_null(strstr(p.err, "cannot execute /nonexistent/kbench-no-such-program"));
	kb_proc_describe(p.status, how, sizeof(how));
	assert_string_equal(how, "exit status 127");
	kb_proc_release(&p);
}

static void killed_after_timeout(void **st)
{
	struct kb_proc p = KB_PROC_INIT;
	char how[96];

	(void)st;
	p.capture_out = true;
	p.timeout_s = 0.3;
	assert_int_equal(sh(&p, "echo started; exec sleep 60"), 0);
	assert_true(p.timed_out);
	assert_true(WIFSIGNALED(p.status));
	assert_int_equal(WTERMSIG(p.status), SIGKILL);
	kb_proc_describe(p.status, how, sizeof(how));
	assert_non_null(strstr(how, "killed by signal 9"));
	assert_int_equal(p.pid, 0);
	kb_proc_release(&p);
}

static void idle_watchdog(void **st)
{
	struct kb_proc p = KB_PROC_INIT;
	char path[] = "/tmp/kb-proc-XXXXXX", script[256];
	int fd = mkstemp(path);

	(void)st;
	assert_true(fd >= 0);
	close(fd);
	/* writes once, then goes quiet: killed for idleness, not by the timeout */
	snprintf(script, sizeof(script), "echo progress >> %s; exec sleep 60", path);
	p.progress_path = path;
	p.idle_s = 0.3;
	p.timeout_s = 50;
	assert_int_equal(sh(&p, script), 0);
	assert_true(p.timed_out);
	assert_true(WIFSIGNALED(p.status));
	unlink(path);
	kb_proc_release(&p);
}

static void no_program(void **st)
{
	struct kb_proc p = KB_PROC_INIT;

	(void)st;
	assert_true(kb_proc_run(&p) < 0);
	kb_proc_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captures_both_streams),
		cmocka_unit_test(large_output_is_whole),
		cmocka_unit_test(stdin_is_empty_and_env_is_given),
		cmocka_unit_test(output_to_one_file),
		cmocka_unit_test(cannot_execute),
		cmocka_unit_test(killed_after_timeout),
		cmocka_unit_test(idle_watchdog),
		cmocka_unit_test(no_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
