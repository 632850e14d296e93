/*
 * writer_csv.c - one row per benchmark, for spreadsheets.
 */
#include "writer.h"

#include <math.h>
#include <string.h>

#include "error.h"

static void csv_str(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	fputc(',', f);
	if (isfinite(v))
		fprintf(f, "%.10g", v);
}

int kb_report_csv(FILE *f, const struct kb_run *run)
{
	static const char *counters[] = { "gflops", "gbps", "items_per_second", "pct_peak" };

	fputs("id,status,median_ns,ci_low_ns,ci_high_ns,ci_level,mean_ns,sd_ns,cv,min_ns,max_ns,"
	      "q1_ns,q3_ns,p90_ns,p99_ns,samples,iterations_per_sample,rounds,converged,"
	      "outliers_mild,outliers_severe,gflops,gbps,items_per_second,pct_peak,validated,message\n",
	      f);
	for (size_t i = 0; i < run->nresults; i++) {
		const struct kb_result *r = &run->results[i];
		const struct kb_summary *s = &r->summary;
		bool have = r->nsamples > 0;

		csv_str(f, r->id);
		fprintf(f, ",%s", kb_status_name(r->status));
		csv_num(f, have ? s->median : NAN);
		csv_num(f, have ? s->ci_low : NAN);
		csv_num(f, have ? s->ci_high : NAN);
		csv_num(f, have ? s->ci_level : NAN);
		csv_num(f, have ? s->mean : NAN);
		csv_num(f, have ? s->sd : NAN);
		csv_num(f, have ? s->cv : NAN);
		csv_num(f, have ? s->min : NAN);
		csv_num(f, have ? s->max : NAN);
		csv_num(f, have ? s->q1 : NAN);
		csv_num(f, have ? s->q3 : NAN);
		csv_num(f, have ? s->p90 : NAN);
		csv_num(f, have ? s->p99 : NAN);
		fprintf(f, ",%zu,%llu,%zu,%s,%zu,%zu", r->nsamples,
			(unsigned long long)r->iterations_per_sample, r->rounds,
			s->converged ? "true" : "false", s->outliers_mild, s->outliers_severe);
		for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
			const struct kb_counter *k = kb_result_counter(r, counters[c]);
			csv_num(f, k ? k->value : NAN);
		}
		fprintf(f, ",%s,", r->validated < 0 ? "" : r->validated ? "true" : "false");
		csv_str(f, r->message);
		fputc('\n', f);
	}
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}
