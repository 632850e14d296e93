/*
 * error.h - error codes and messages.
 *
 * Functions return 0 on success or a negative KB_E* code; the message that
 * goes with the last error of this thread is kept for the caller to print:
 *
 *     return kb_error(KB_EIO, "cannot open %s: %s", path, strerror(errno));
 */
#ifndef KB_ERROR_H
#define KB_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro table: code, value, description. */
#define KB_ERRNO_MAP(X)                                                   \
	X(KB_EINVAL, 1, "invalid argument")                               \
	X(KB_ENOMEM, 2, "out of memory")                                  \
	X(KB_EIO, 3, "input/output error")                                \
	X(KB_EPARSE, 4, "malformed input")                                \
	X(KB_ESCHEMA, 5, "input does not follow the schema")              \
	X(KB_EMISMATCH, 6, "incomparable data")                           \
	X(KB_ENOTFOUND, 7, "not found")                                   \
	X(KB_EUNSUPPORTED, 8, "not supported on this machine")            \
	X(KB_EVALIDATE, 9, "validation failed")                           \
	X(KB_EINTERNAL, 10, "internal error")

enum kb_errno {
#define KB__ERR_ENUM(name, value, text) name = value,
	KB_ERRNO_MAP(KB__ERR_ENUM)
#undef KB__ERR_ENUM
};

/* The description of a code (positive or negative). */
const char *kb_strerror(int code);

/* Records a formatted message for this thread and returns -code. */
int kb_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message of the last kb_error() on this thread ("" if none). */
const char *kb_last_error(void);

#ifdef __cplusplus
}
#endif
#endif /* KB_ERROR_H */
