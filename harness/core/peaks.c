/*
 * peaks.c - machine peaks (GFLOP/s, GB/s) that results are judged
 * against: from kbench.conf, else measured once by a registered function;
 * each result's pct_peak counter and the context's peaks section.
 */
#include "context.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "kbench.h"

/* ---- peaks ---------------------------------------------------------------- */

struct peak {
	const char *name, *unit, *method;
	kb_peak_fn fn;
	double value;       /* measured or configured, NAN until known */
	bool tried, recorded;
};
static struct peak peaks[16];
static size_t npeaks;
static bool measure_peaks = true;

void kb_context_measure_peaks(bool measure)
{
	measure_peaks = measure;
}

void kb_register_peak(const char *name, const char *unit, const char *method, kb_peak_fn fn)
{
	if (npeaks < sizeof(peaks) / sizeof(peaks[0]))
		peaks[npeaks++] = (struct peak){ name, unit, method, fn, NAN, false, false };
}

void kb__context_use_peak(struct kb_run *run, struct kb_result *r, const char *name)
{
	struct peak *p = NULL;
	const struct kb_counter *rate;
	char key[160], conf_key[128];
	double v;

	for (size_t i = 0; i < npeaks; i++)
		if (strcmp(peaks[i].name, name) == 0)
			p = &peaks[i];
	if (!p) {
		if (npeaks == sizeof(peaks) / sizeof(peaks[0]))
			return;
		peaks[npeaks] = (struct peak){ name, NULL, NULL, NULL, NAN, false, false };
		p = &peaks[npeaks++];
	}
	if (!p->tried) {
		p->tried = true;
		snprintf(conf_key, sizeof(conf_key), "peak.%s", name);
		v = kb_conf_number(conf_key);
		if (!isnan(v)) {
			p->value = v;
			p->method = "kbench.conf";
		} else if (p->fn && !measure_peaks) {
			p->method = "not measured (--no-peaks)";
		} else if (p->fn) {
			/* the best of three, as STREAM reports its best time: on a
			 * shared machine interference only ever lowers a peak */
			for (int trial = 0; trial < 3; trial++) {
				v = p->fn();
				if (v > 0 && isfinite(v) && !(v <= p->value))
					p->value = v;
			}
		}
	}
	if (!p->recorded) {
		p->recorded = true;
		snprintf(key, sizeof(key), "peaks.%s", name);
		kb_ctx_add_num(run, key, p->value);
		snprintf(key, sizeof(key), "peaks.%s_unit", name);
		kb_ctx_add(run, key, p->unit);
		snprintf(key, sizeof(key), "peaks.%s_method", name);
		kb_ctx_add(run, key, !isnan(p->value) || (p->fn && !measure_peaks)
					  ? p->method
					  : "unavailable (no kbench.conf value, no measuring function)");
	}
	if (isnan(p->value))
		return;
	rate = kb_result_counter(r, p->unit && strstr(p->unit, "GB") ? "gbps" : "gflops");
	if (!rate)
		rate = kb_result_counter(r, "gbps");
	if (rate && isfinite(rate->value))
		kb_result_set_counter(r, "pct_peak", 100.0 * rate->value / p->value);
}
