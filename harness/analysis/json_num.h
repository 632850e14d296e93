/*
 * json_num.h - a number for a jansson document: JSON has no NaN or
 * infinity, so a value that is not finite (unknown, not measured) is null.
 */
#ifndef KB_JSON_NUM_H
#define KB_JSON_NUM_H

#include <math.h>

#include <jansson.h>

static inline json_t *kb_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

#endif /* KB_JSON_NUM_H */
