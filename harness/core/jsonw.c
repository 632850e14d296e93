#include "jsonw.h"

#include <inttypes.h>
#include <math.h>

void kb_jsonw_init(struct kb_jsonw *w, FILE *f, bool pretty)
{
	w->f = f;
	w->depth = 0;
	w->first[0] = true;
	w->inline_depth[0] = false;
	w->pretty = pretty;
	w->after_key = false;
}

void kb_json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void newline(struct kb_jsonw *w)
{
	if (!w->pretty || w->inline_depth[w->depth])
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputc('\t', w->f);
}

/* Separator, indentation and key before a value. */
static void prefix(struct kb_jsonw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			fputc(',', w->f);
		if (w->inline_depth[w->depth] && !w->first[w->depth])
			fputc(' ', w->f);
		newline(w);
	}
	w->first[w->depth] = false;
	if (key) {
		kb_json_write_string(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open(struct kb_jsonw *w, const char *key, char c, bool one_line)
{
	bool parent_inline = w->inline_depth[w->depth];

	prefix(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < KB_JSONW_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
	w->inline_depth[w->depth] = one_line || parent_inline;
}

static void close(struct kb_jsonw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty && !w->inline_depth[w->depth + 1])
		newline(w);
	fputc(c, w->f);
	if (w->depth == 0 && w->pretty)
		fputc('\n', w->f);
}

void kb_jsonw_object(struct kb_jsonw *w, const char *key)
{
	open(w, key, '{', false);
}

void kb_jsonw_array(struct kb_jsonw *w, const char *key, bool one_line)
{
	open(w, key, '[', one_line);
}

void kb_jsonw_end_object(struct kb_jsonw *w)
{
	close(w, '}');
}

void kb_jsonw_end_array(struct kb_jsonw *w)
{
	close(w, ']');
}

void kb_jsonw_str(struct kb_jsonw *w, const char *key, const char *value)
{
	prefix(w, key);
	if (value)
		kb_json_write_string(w->f, value);
	else
		fputs("null", w->f);
}

void kb_jsonw_num(struct kb_jsonw *w, const char *key, double value)
{
	prefix(w, key);
	if (!isfinite(value))
		fputs("null", w->f);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(w->f, "%.0f", value);
	else
		fprintf(w->f, "%.10g", value);
}

void kb_jsonw_int(struct kb_jsonw *w, const char *key, int64_t value)
{
	prefix(w, key);
	fprintf(w->f, "%" PRId64, value);
}

void kb_jsonw_uint(struct kb_jsonw *w, const char *key, uint64_t value)
{
	prefix(w, key);
	fprintf(w->f, "%" PRIu64, value);
}

void kb_jsonw_bool(struct kb_jsonw *w, const char *key, bool value)
{
	prefix(w, key);
	fputs(value ? "true" : "false", w->f);
}

void kb_jsonw_null(struct kb_jsonw *w, const char *key)
{
	prefix(w, key);
	fputs("null", w->f);
}

void kb_jsonw_raw(struct kb_jsonw *w, const char *key, const char *json)
{
	prefix(w, key);
	fputs(json, w->f);
}
