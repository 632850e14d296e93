#define _GNU_SOURCE /* asprintf */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

int kb_mkdir_p(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return kb_error(KB_EINVAL, "bad directory path \"%s\"", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return kb_error(KB_EIO, "cannot create directory %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return kb_error(KB_EIO, "cannot create directory %s: %s", buf, strerror(errno));
	return 0;
}

/* mkstemp makes 0600; give the file the mode a plain fopen would. */
static int fchmod_path_default(const char *path)
{
	mode_t mask = umask(0);
	umask(mask);
	return chmod(path, 0666 & ~mask);
}

/* Creates path.tmp.XXXXXX (mode 0600) and returns its descriptor, its
 * malloc'ed name in *tmp; or a negative KB_E* code, the failure told with
 * fail_fmt (path, strerror). */
static int temp_beside(const char *path, const char *fail_fmt, char **tmp)
{
	size_t len = strlen(path) + 16;
	int fd, rc;

	*tmp = malloc(len);
	if (!*tmp)
		return kb_error(KB_ENOMEM, "out of memory writing %s", path);
	snprintf(*tmp, len, "%s.tmp.XXXXXX", path);
	fd = mkstemp(*tmp);
	if (fd < 0) {
		rc = kb_error(KB_EIO, fail_fmt, path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	return fd;
}

/* A writer's own failure ("write error"), told with the path and errno. */
static int name_write_error(const char *path, int rc)
{
	char why[256];
	int e = errno;

	snprintf(why, sizeof(why), "%s", kb_last_error());
	return kb_error(rc, "cannot write %s: %s", path,
			e && strcmp(why, "write error") == 0 ? strerror(e) : why);
}

/* ---- what a path names ---------------------------------------------------- */

/*
 * Where a write to `path` goes.  A regular file (or nothing yet) is replaced
 * atomically; a symlink is followed and its target replaced (the link
 * stays); a character device, FIFO or socket, and /dev/stdout-style paths
 * (/dev/std*, /dev/fd/N, /proc/...), are written directly, never renamed
 * over.  Anything else (a directory, a block device) is refused.
 */
struct target {
	bool direct;          /* write in place, no temporary file */
	char path[PATH_MAX];  /* the file to write or replace */
};

static bool is_stream_path(const char *path)
{
	return strncmp(path, "/dev/std", 8) == 0 || strncmp(path, "/dev/fd/", 8) == 0 ||
	       strncmp(path, "/proc/", 6) == 0;
}

/* Follows a chain of symlinks that ends at nothing (a dangling link). */
static int follow_dangling(const char *path, char *out, size_t len)
{
	char cur[PATH_MAX], link[PATH_MAX];
	struct stat st;

	snprintf(cur, sizeof(cur), "%s", path);
	for (int hops = 0; hops < 40; hops++) {
		ssize_t n;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
			snprintf(out, len, "%s", cur);
			return 0;
		}
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return kb_error(KB_EIO, "cannot read the link %s: %s", cur, strerror(errno));
		link[n] = 0;
		if (link[0] == '/') {
			snprintf(cur, sizeof(cur), "%s", link);
		} else {
			const char *slash = strrchr(cur, '/');
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - cur) : 1,
				 slash ? cur : ".");
			if (snprintf(cur, sizeof(cur), "%s/%s", dir, link) >= (int)sizeof(cur))
				return kb_error(KB_EIO, "%s: the link's target path is too long", path);
		}
	}
	return kb_error(KB_EIO, "cannot write %s: too many levels of symbolic links", path);
}

static int resolve_target(const char *path, struct target *t)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	if (!*path)
		return kb_error(KB_EIO, "cannot write to an empty file name");
	if (strlen(path) >= sizeof(t->path))
		return kb_error(KB_EIO, "cannot write %s: the path is too long", path);
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return kb_error(KB_EIO, "cannot write %s: it is a directory", path);
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
		    is_stream_path(path)) {
			t->direct = true;
			snprintf(t->path, sizeof(t->path), "%s", path);
			return 0;
		}
		if (!S_ISREG(st.st_mode))
			return kb_error(KB_EIO, "cannot write %s: not a regular file, character device "
					"or FIFO (a block device is never written)", path);
		if (!realpath(path, t->path))
			return kb_error(KB_EIO, "cannot resolve %s: %s", path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	return follow_dangling(path, t->path, sizeof(t->path));
}

/* Writes straight into a device, FIFO or stream; no fsync (not a file). */
static int write_direct(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	FILE *f;
	int rc;

	if (fd < 0)
		return kb_error(KB_EIO, "cannot open %s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		rc = kb_error(KB_EIO, "cannot open %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	errno = 0;
	rc = write(f, ctx);
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = kb_error(KB_EIO, "cannot write %s: %s", path, errno ? strerror(errno) : "write error");
	else if (rc)
		rc = name_write_error(path, rc);
	if (fclose(f) != 0 && rc == 0)
		rc = kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

int kb_file_check_writable(const char *path)
{
	struct target t;
	char *tmp;
	int fd;

	if (strcmp(path, "-") == 0)
		return 0;
	if ((fd = resolve_target(path, &t)))
		return fd;
	if (t.direct)
		return access(t.path, W_OK) == 0
			       ? 0
			       : kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	if ((fd = temp_beside(t.path, "cannot write %s: %s", &tmp)) < 0)
		return fd;
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

/* Makes a rename in path's directory durable; best effort (some file
 * systems cannot fsync a directory, and the data itself is already synced). */
static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int kb_file_stage(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx,
		  char **staged)
{
	struct target t;
	char *tmp;
	FILE *f;
	int fd, rc;

	*staged = NULL;
	if ((rc = resolve_target(path, &t)))
		return rc;
	if (t.direct) /* nothing to stage: a device or stream is written at commit */
		return kb_error(KB_EINVAL, "cannot stage %s: not a regular file", path);
	if ((fd = temp_beside(t.path, "cannot create a temporary file beside %s: %s", &tmp)) < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		rc = kb_error(KB_EIO, "cannot open %s: %s", tmp, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	errno = 0;
	rc = write(f, ctx);
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
		rc = kb_error(KB_EIO, "cannot write %s: %s", path, errno ? strerror(errno) : "write error");
	else if (rc)
		rc = name_write_error(path, rc);
	if (fclose(f) != 0 && rc == 0)
		rc = kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	if (rc == 0) {
		/* mkstemp made it 0600; a plain fopen would honour the umask
		 * (cosmetic: a failure here does not stop the write) */
		(void)fchmod_path_default(tmp);
		*staged = tmp;
		return 0;
	}
out_unlink:
	unlink(tmp);
	free(tmp);
	return rc;
}

int kb_file_commit(char *staged, const char *path)
{
	struct target t;
	int rc;

	/* the same resolution as kb_file_stage: a symlink's target is replaced */
	if ((rc = resolve_target(path, &t)) == 0 && t.direct)
		rc = kb_error(KB_EIO, "cannot replace %s: it is no longer a regular file", path);
	if (rc == 0 && rename(staged, t.path) != 0)
		rc = kb_error(KB_EIO, "cannot rename %s to %s: %s", staged, t.path, strerror(errno));
	if (rc)
		unlink(staged);
	else
		sync_dir_of(t.path);
	free(staged);
	return rc;
}

void kb_file_discard(char *staged)
{
	if (staged) {
		unlink(staged);
		free(staged);
	}
}

int kb_file_write_atomic(const char *path, int (*write)(FILE *f, const void *ctx),
			 const void *ctx)
{
	char *staged;
	int rc;

	struct target t;

	if (strcmp(path, "-") == 0) {
		rc = write(stdout, ctx);
		if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
			rc = kb_error(KB_EIO, "cannot write to standard output: %s", strerror(errno));
		return rc;
	}
	if ((rc = resolve_target(path, &t)))
		return rc;
	if (t.direct)
		return write_direct(t.path, write, ctx);
	if ((rc = kb_file_stage(path, write, ctx, &staged)))
		return rc;
	return kb_file_commit(staged, path);
}

char *kb_cache_path(const char *prefix, const char *fingerprint, const char *suffix)
{
	const char *dir = getenv("KBENCH_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	char *p = NULL;
	int n;

	if (dir && *dir)
		n = asprintf(&p, "%s/%s%s%s", dir, prefix, fingerprint, suffix);
	else if (xdg && *xdg)
		n = asprintf(&p, "%s/kbench/%s%s%s", xdg, prefix, fingerprint, suffix);
	else if (home && *home)
		n = asprintf(&p, "%s/.cache/kbench/%s%s%s", home, prefix, fingerprint, suffix);
	else
		return NULL;
	return n < 0 ? NULL : p;
}
