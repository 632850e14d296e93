/*
 * fileio.h - files that matter are replaced atomically.
 */
#ifndef KB_FILEIO_H
#define KB_FILEIO_H

#include <stdio.h>

/*
 * Writes `path` as its kind asks:
 *   - a regular file, or nothing yet: through a temporary file in the same
 *     directory (write() fills it, it is flushed and fsync'ed, then renamed
 *     over the file); an interruption or a full disk leaves the old file
 *     intact and no temporary behind;
 *   - a symlink: followed (a chain, or a dangling link, too), and its
 *     target written as above; the link itself stays;
 *   - a character device, FIFO or socket, and /dev/stdout, /dev/fd/N and
 *     /proc paths: written directly, never renamed over;
 *   - anything else (a directory, a block device): refused.
 * "-" writes to stdout.  Every write error (ENOSPC, EIO, a failed fsync or
 * rename) is an error.  Returns 0 or a negative KB_E* code naming the path.
 */
int kb_file_write_atomic(const char *path, int (*write)(FILE *f, const void *ctx),
			 const void *ctx);

/*
 * The two halves of kb_file_write_atomic, for a set of files replaced
 * together (kbench-baseline's suites): kb_file_stage writes and fsyncs a
 * temporary file beside path and returns its malloc'ed name in *staged;
 * kb_file_commit renames it over path (then syncs the directory) and frees
 * the name; kb_file_discard removes an uncommitted one.  Stage every file
 * before committing any, and a failure leaves all the old files.  Symlinks
 * are followed as above; a device or FIFO cannot be staged (-KB_EINVAL).
 */
int kb_file_stage(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx,
		  char **staged);
int kb_file_commit(char *staged, const char *path);
void kb_file_discard(char *staged);

/*
 * Checks, before hours of measuring, that kb_file_write_atomic(path) can
 * succeed: path is of a kind it writes, and a temporary file can be made
 * beside the file it replaces (removed at once), or a device or FIFO is
 * writable.  "-" always can.  0 or -KB_EIO naming path.
 */
int kb_file_check_writable(const char *path);

/*
 * A file in kbench's per-machine cache folder (the drift file, the peak
 * cache): $KBENCH_CACHE_DIR/<prefix><fingerprint><suffix>, else
 * $XDG_CACHE_HOME/kbench/..., else $HOME/.cache/kbench/....  Malloc'ed;
 * NULL without any of the three (or out of memory).
 */
char *kb_cache_path(const char *prefix, const char *fingerprint, const char *suffix);

/* Creates a directory and its parents (mkdir -p). Returns 0 or -KB_EIO. */
int kb_mkdir_p(const char *path);

#endif /* KB_FILEIO_H */
