#include "fileio.h"

#include <errno.h>
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

int kb_file_check_writable(const char *path)
{
	struct stat st;
	char *tmp;
	size_t len = strlen(path);
	int fd;

	if (strcmp(path, "-") == 0)
		return 0;
	if (len == 0)
		return kb_error(KB_EIO, "cannot write to an empty file name");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return kb_error(KB_EIO, "cannot write %s: it is a directory", path);
	tmp = malloc(len + 16);
	if (!tmp)
		return kb_error(KB_ENOMEM, "out of memory checking %s", path);
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		int rc = kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

int kb_file_write_atomic(const char *path, int (*write)(FILE *f, const void *ctx),
			 const void *ctx)
{
	char *tmp;
	size_t len = strlen(path);
	FILE *f;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		rc = write(stdout, ctx);
		fflush(stdout);
		return rc;
	}
	tmp = malloc(len + 16);
	if (!tmp)
		return kb_error(KB_ENOMEM, "out of memory writing %s", path);
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = kb_error(KB_EIO, "cannot create a temporary file beside %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
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
	if (rc == 0 && fchmod_path_default(tmp) == 0 && rename(tmp, path) != 0)
		rc = kb_error(KB_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc == 0) {
		free(tmp);
		return 0;
	}
out_unlink:
	unlink(tmp);
	free(tmp);
	return rc;
}
