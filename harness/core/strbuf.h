/*
 * strbuf.h - small string helpers shared by the tools.
 */
#ifndef KB_STRBUF_H
#define KB_STRBUF_H

/* A malloc'ed string formatted like printf, or NULL when out of memory. */
char *kb_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* KB_STRBUF_H */
