#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static __thread char last_message[1024];

const char *kb_strerror(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case 0:
		return "success";
#define KB__ERR_CASE(name, value, text) \
	case value:                     \
		return text;
		KB_ERRNO_MAP(KB__ERR_CASE)
#undef KB__ERR_CASE
	}
	return "unknown error";
}

int kb_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	return code > 0 ? -code : code;
}

const char *kb_last_error(void)
{
	return last_message;
}
