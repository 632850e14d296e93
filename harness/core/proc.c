/*
 * proc.c - spawn, capture, wait with a timeout, kill and reap.  See proc.h.
 */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

extern char **environ;

/* Children started and not yet reaped, for kb_proc_kill_all. */
#define MAX_LIVE 16
static volatile sig_atomic_t live[MAX_LIVE];

static void live_add(pid_t pid)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == 0) {
			live[i] = pid;
			return;
		}
}

static void live_remove(pid_t pid)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == pid)
			live[i] = 0;
}

void kb_proc_kill_all(int sig)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] > 0)
			kill((pid_t)live[i], sig);
}

static void (*volatile interrupt_first)(int sig);
static volatile sig_atomic_t interrupted_once;

static void on_interrupt(int sig)
{
	if (interrupted_once) {
		kb_proc_kill_all(SIGKILL);
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted_once = sig;
	if (interrupt_first)
		interrupt_first(sig);
	kb_proc_kill_all(SIGTERM);
}

void kb_proc_catch_interrupts(void (*first)(int sig))
{
	struct sigaction sa;

	interrupt_first = first;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Growable, NUL-terminated capture buffer. */
struct cap {
	char **p;
	size_t *len;
	size_t cap;
};

/* Reads what is there: 1 if something was read, 0 at EOF, -1 on error. */
static int cap_read(struct cap *c, int fd)
{
	ssize_t got;

	if (c->cap - *c->len < 4096) {
		size_t cap = c->cap ? 2 * c->cap : 16384;
		char *p = realloc(*c->p, cap);

		if (!p)
			return -1;
		*c->p = p;
		c->cap = cap;
	}
	do
		got = read(fd, *c->p + *c->len, c->cap - *c->len - 1);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		*c->len += (size_t)got;
	(*c->p)[*c->len] = '\0';
	return got > 0 ? 1 : got == 0 ? 0 : -1;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 ? st.st_size : -1;
}

/* In the child: stdin from /dev/null, stdout/stderr to a pipe or a file. */
static void child_redirect(const struct kb_proc *p, int out_pipe, int err_pipe)
{
	int null = open("/dev/null", O_RDWR);
	int fd;

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (out_pipe >= 0) {
		dup2(out_pipe, STDOUT_FILENO);
	} else {
		fd = p->out_path ? open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
	}
	if (err_pipe >= 0) {
		dup2(err_pipe, STDERR_FILENO);
	} else if (p->err_path && p->out_path && strcmp(p->err_path, p->out_path) == 0) {
		dup2(STDOUT_FILENO, STDERR_FILENO);
	} else {
		fd = p->err_path ? open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
	}
}

static int reap(struct kb_proc *p)
{
	int rc = 0;

	while (waitpid(p->pid, &p->status, 0) < 0)
		if (errno != EINTR) {
			rc = kb_error(KB_EIO, "waiting for %s: %s", p->argv[0], strerror(errno));
			break;
		}
	live_remove(p->pid);
	p->pid = 0;
	return rc;
}

int kb_proc_run(struct kb_proc *p)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	struct cap caps[2] = { { &p->out, &p->out_len, 0 }, { &p->err, &p->err_len, 0 } };
	struct pollfd fds[2];
	double start, idle_since;
	off_t seen;
	int rc = 0;
	bool exited = false;

	kb_proc_release(p);
	p->timed_out = false;
	p->status = 0;
	if (!p->argv || !p->argv[0])
		return kb_error(KB_EINVAL, "kb_proc_run: no program");
	if ((p->capture_out && pipe2(po, O_CLOEXEC) != 0) ||
	    (p->capture_err && pipe2(pe, O_CLOEXEC) != 0)) {
		rc = kb_error(KB_EIO, "cannot create a pipe for %s: %s", p->argv[0], strerror(errno));
		goto out_close;
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = 0;
		rc = kb_error(KB_EIO, "cannot start %s: %s", p->argv[0], strerror(errno));
		goto out_close;
	}
	if (p->pid == 0) {
		child_redirect(p, po[1], pe[1]);
		execve(p->argv[0], p->argv, p->env ? p->env : environ);
		dprintf(STDERR_FILENO, "cannot execute %s: %s\n", p->argv[0], strerror(errno));
		_exit(127);
	}
	live_add(p->pid);
	for (int i = 0; i < 2; i++) {
		int *pp = i ? pe : po;

		if (pp[1] >= 0)
			close(pp[1]);
		pp[1] = -1;
	}
	fds[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	start = idle_since = now_s();
	seen = file_size(p->progress_path);
	for (;;) {
		double now = now_s();
		int open_fds = (fds[0].fd >= 0) + (fds[1].fd >= 0);
		int wait_ms = 50;

		if (!exited) {
			pid_t w = waitpid(p->pid, &p->status, WNOHANG);

			if (w == p->pid) {
				exited = true;
				live_remove(p->pid);
				p->pid = 0;
			} else if (w < 0 && errno != EINTR) {
				rc = kb_error(KB_EIO, "waiting for %s: %s", p->argv[0], strerror(errno));
				kill(p->pid, SIGKILL);
				reap(p);
				break;
			}
		}
		if (exited && open_fds == 0)
			break;
		if (!exited && p->progress_path && p->idle_s > 0) {
			off_t sz = file_size(p->progress_path);

			if (sz != seen) {
				seen = sz;
				idle_since = now;
			}
		}
		if (!exited && ((p->timeout_s > 0 && now - start > p->timeout_s) ||
				(p->progress_path && p->idle_s > 0 && now - idle_since > p->idle_s))) {
			/* not draining the pipes: a grandchild may hold them open */
			kill(p->pid, SIGKILL);
			p->timed_out = true;
			rc = reap(p);
			break;
		}
		/* once the child is gone, take what is buffered and stop: a
		 * grandchild may keep the pipes open */
		if (exited)
			wait_ms = 0;
		if (open_fds == 0) {
			struct timespec nap = { 0, 20 * 1000 * 1000 };
			nanosleep(&nap, NULL);
			continue;
		}
		int ready = poll(fds, 2, wait_ms);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready == 0 && exited)
			break;
		for (int i = 0; i < 2 && ready > 0; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (cap_read(&caps[i], fds[i].fd) <= 0)
				fds[i].fd = -1;
		}
	}
out_close:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	/* callers read the captures as strings: never NULL */
	for (int i = 0; i < 2; i++)
		if (!*caps[i].p && (*caps[i].p = calloc(1, 1)) == NULL && !rc)
			rc = kb_error(KB_ENOMEM, "out of memory");
	return rc;
}

void kb_proc_release(struct kb_proc *p)
{
	free(p->out);
	free(p->err);
	p->out = p->err = NULL;
	p->out_len = p->err_len = 0;
}

void kb_proc_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status %d", status);
}

const char *kb_proc_last_line(const char *s, char *out, size_t len)
{
	size_t n = s ? strlen(s) : 0, start;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	start = n;
	while (start && s[start - 1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(n - start), s ? s + start : "");
	return out;
}

bool kb_proc_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
