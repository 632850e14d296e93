/*
 * proc.h - the one way kbench starts a child process: spawn with arguments
 * and environment, stdin from /dev/null, stdout/stderr captured into memory
 * or sent to files, a total timeout and an idle watchdog, and the child
 * killed and reaped on every path (git's run-command.h is the model).
 *
 * Used by kbench-ab (the two builds under test), the instruction counter
 * (kbench under callgrind) and the report (gnuplot).  Every child started
 * and not yet reaped is on a list that kb_proc_kill_all() can signal from a
 * signal handler, so an interrupted tool leaves no orphan behind.
 *
 *   struct kb_proc p = KB_PROC_INIT;
 *   p.argv = argv; p.capture_out = true; p.timeout_s = 60;
 *   rc = kb_proc_run(&p);      // 0: it ran (see p.status); <0: could not
 *   ... p.out, p.status ...
 *   kb_proc_release(&p);
 */
#ifndef KB_PROC_H
#define KB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct kb_proc {
	/* ---- what to run (the caller's, borrowed) ---- */
	char *const *argv;       /* NULL-terminated; argv[0] is the path executed */
	char *const *env;        /* NULL: this process's environment */
	bool capture_out;        /* stdout into out/out_len */
	bool capture_err;        /* stderr into err/err_len */
	const char *out_path;    /* else stdout to this file (truncated); NULL: /dev/null */
	const char *err_path;    /* else stderr to this file; equal to out_path: one file */
	double timeout_s;        /* killed (SIGKILL) after this long; 0: no limit */
	/* idle watchdog: killed when progress_path has not changed size for idle_s */
	const char *progress_path;
	double idle_s;
	/* ---- what happened ---- */
	pid_t pid;               /* while running; 0 after it is reaped */
	char *out, *err;         /* captured, NUL-terminated (malloc'ed; "" if none) */
	size_t out_len, err_len;
	int status;              /* the waitpid status */
	bool timed_out;          /* killed by the timeout or the idle watchdog */
};

#define KB_PROC_INIT { 0 }

/*
 * Starts p->argv[0] and waits for it (see the fields).  Returns 0 when the
 * child ran and was reaped, whatever its exit status (p->status; a killed
 * child has p->timed_out); a negative code, with the message naming the
 * program, when it could not be started or waited for.  A program that
 * cannot be executed exits 127 with the reason on its stderr.
 */
int kb_proc_run(struct kb_proc *p);

/* Frees the captured output; the struct can be run again. */
void kb_proc_release(struct kb_proc *p);

/* "exit status 3", "killed by signal 9 (Killed)" for a waitpid status. */
void kb_proc_describe(int status, char *buf, size_t len);

/* The last non-empty line of a child's captured output `s` (NULL: ""),
 * for messages; returns out. */
const char *kb_proc_last_line(const char *s, char *out, size_t len);

/* True when the status is a normal exit with code 0. */
bool kb_proc_ok(int status);

/*
 * Sends `sig` to every child started by kb_proc_run and not yet reaped.
 * Async-signal-safe: for a SIGINT/SIGTERM handler.
 */
void kb_proc_kill_all(int sig);

/*
 * Ctrl-C the kbench way, for a main: SIGINT and SIGTERM are caught; the
 * first calls `first(sig)` (which must be async-signal-safe: set a flag)
 * and sends SIGTERM to every live child, so the program can stop after its
 * current step and keep what it has; a second kills the children with
 * SIGKILL and ends the process at once by the same signal.
 */
void kb_proc_catch_interrupts(void (*first)(int sig));

#endif /* KB_PROC_H */
