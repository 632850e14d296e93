#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
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

int kb_file_check_writable(const char *path)
{
	struct stat st;
	char *tmp;
	int fd;

	if (strcmp(path, "-") == 0)
		return 0;
	if (!*path)
		return kb_error(KB_EIO, "cannot write to an empty file name");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return kb_error(KB_EIO, "cannot write %s: it is a directory", path);
	if ((fd = temp_beside(path, "cannot write %s: %s", &tmp)) < 0)
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
	char *tmp;
	FILE *f;
	int fd, rc;

	*staged = NULL;
	if ((fd = temp_beside(path, "cannot create a temporary file beside %s: %s", &tmp)) < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		rc = kb_error(KB_EIO, "cannot open %s: %s", tmp, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	rc = write(f, ctx);
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
		rc = kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
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
	int rc = 0;

	if (rename(staged, path) != 0) {
		rc = kb_error(KB_EIO, "cannot rename %s to %s: %s", staged, path, strerror(errno));
		unlink(staged);
	} else {
		sync_dir_of(path);
	}
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

	if (strcmp(path, "-") == 0) {
		rc = write(stdout, ctx);
		fflush(stdout);
		return rc;
	}
	if ((rc = kb_file_stage(path, write, ctx, &staged)))
		return rc;
	return kb_file_commit(staged, path);
}
