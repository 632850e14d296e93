/*
 * jsonw.h - a small streaming JSON writer: strict output (non-finite
 * numbers become null), escaped strings, optional indentation.
 */
#ifndef KB_JSONW_H
#define KB_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KB_JSONW_DEPTH 32

struct kb_jsonw {
	FILE *f;
	int depth;
	bool first[KB_JSONW_DEPTH]; /* no element written yet at this depth */
	bool pretty;                /* newline + tab indentation */
	bool inline_depth[KB_JSONW_DEPTH]; /* arrays written on one line */
	bool after_key;
};

void kb_jsonw_init(struct kb_jsonw *w, FILE *f, bool pretty);
/* Containers; `key` is NULL inside arrays and at top level. */
void kb_jsonw_object(struct kb_jsonw *w, const char *key);
void kb_jsonw_array(struct kb_jsonw *w, const char *key, bool one_line);
void kb_jsonw_end_object(struct kb_jsonw *w);
void kb_jsonw_end_array(struct kb_jsonw *w);
/* Values; a NULL string is null, a non-finite double is null. */
void kb_jsonw_str(struct kb_jsonw *w, const char *key, const char *value);
void kb_jsonw_num(struct kb_jsonw *w, const char *key, double value);
void kb_jsonw_int(struct kb_jsonw *w, const char *key, int64_t value);
void kb_jsonw_uint(struct kb_jsonw *w, const char *key, uint64_t value);
void kb_jsonw_bool(struct kb_jsonw *w, const char *key, bool value);
void kb_jsonw_null(struct kb_jsonw *w, const char *key);
/* A value already in JSON form (a number's text). */
void kb_jsonw_raw(struct kb_jsonw *w, const char *key, const char *json);
/* Writes `s` as a JSON string literal to f. */
void kb_json_write_string(FILE *f, const char *s);

#endif /* KB_JSONW_H */
