/*
 * fileio.h - files that matter are replaced atomically.
 */
#ifndef KB_FILEIO_H
#define KB_FILEIO_H

#include <stdio.h>

/*
 * Writes `path` through a temporary file in the same directory: write()
 * fills it, it is flushed and fsync'ed, then renamed over `path`.  An
 * interruption leaves the old file intact.  "-" writes to stdout.
 * Returns 0 or a negative KB_E* code naming the path.
 */
int kb_file_write_atomic(const char *path, int (*write)(FILE *f, const void *ctx),
			 const void *ctx);

/*
 * Checks, before hours of measuring, that kb_file_write_atomic(path) can
 * succeed: path is not a directory and a temporary file can be made beside
 * it (it is removed at once).  "-" always can.  0 or -KB_EIO naming path.
 */
int kb_file_check_writable(const char *path);

/* Creates a directory and its parents (mkdir -p). Returns 0 or -KB_EIO. */
int kb_mkdir_p(const char *path);

#endif /* KB_FILEIO_H */
