/*
 * json_read.h - loads a results file into a struct kb_run: kbench JSON
 * (schema_version 1, baselines included) or Google Benchmark JSON (with or
 * without repetitions and aggregates).  Bad input is refused with a message
 * (kb_last_error()) naming the file, the place (line and column for syntax
 * errors, the benchmark and field otherwise) and what was expected.
 */
#ifndef KB_JSON_READ_H
#define KB_JSON_READ_H

#include <stddef.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads and validates `path`; on success fills *out (cleared first). Returns 0
 * or a negative KB_E* code with the message in kb_last_error(). */
int kb_run_load(const char *path, struct kb_run *out);

/* The same from memory; `name` is used in messages. */
int kb_run_parse(const char *text, size_t len, const char *name, struct kb_run *out);

/*
 * Loads every *.json of a baseline directory (baselines/<fingerprint>/, one
 * file per suite) as one run, in file-name order: the run-level fields come
 * from the first file; every file must have the same fingerprint and no id
 * may appear twice.  Returns 0 or a negative code (-KB_ENOTFOUND when the
 * directory has no *.json).
 */
int kb_run_load_dir(const char *dir, struct kb_run *out);

/* kb_run_load_dir for a directory, else kb_run_load. */
int kb_run_load_any(const char *path, struct kb_run *out);

#ifdef __cplusplus
}
#endif
#endif /* KB_JSON_READ_H */
