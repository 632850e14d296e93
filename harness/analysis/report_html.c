/*
 * report_html.c - the HTML and Markdown reports (see report_html.h).  Both
 * are written by the same section functions through a tiny table/heading
 * layer, so they always say the same thing.
 */
#include "report_html.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "writer.h"
#include "report_compare.h"

struct out {
	FILE *f;
	bool md;
	const struct kb_report_doc *doc;
	size_t ncols; /* of the open table */
	int rc;       /* first error */
};

/* ---- escaping and the layout layer ---------------------------------------- */

static void esc(struct out *o, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		if (o->md) {
			/* '_' inside words and a lone '[' render as text (GFM) */
			if (*p == '|' || *p == '*' || *p == '`' || *p == '<')
				fputc('\\', o->f);
			fputc(*p == '\n' ? ' ' : *p, o->f);
			continue;
		}
		switch (*p) {
		case '<':
			fputs("&lt;", o->f);
			break;
		case '>':
			fputs("&gt;", o->f);
			break;
		case '&':
			fputs("&amp;", o->f);
			break;
		case '"':
			fputs("&quot;", o->f);
			break;
		default:
			fputc(*p, o->f);
		}
	}
}

static void heading(struct out *o, int level, const char *id, const char *text)
{
	if (o->md) {
		fprintf(o->f, "\n%.*s ", level, "######");
		esc(o, text);
		fputs("\n\n", o->f);
	} else {
		if (id)
			fprintf(o->f, "<h%d id=\"%s\">", level, id);
		else
			fprintf(o->f, "<h%d>", level);
		esc(o, text);
		fprintf(o->f, "</h%d>\n", level);
	}
}

static void para(struct out *o, const char *cls, const char *text)
{
	if (o->md) {
		esc(o, text);
		fputs("\n\n", o->f);
	} else {
		fprintf(o->f, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
		esc(o, text);
		fputs("</p>\n", o->f);
	}
}

static void table_begin(struct out *o, const char *const *head, size_t n)
{
	o->ncols = n;
	if (o->md) {
		fputc('|', o->f);
		for (size_t i = 0; i < n; i++) {
			fputc(' ', o->f);
			esc(o, head[i]);
			fputs(" |", o->f);
		}
		fputs("\n|", o->f);
		for (size_t i = 0; i < n; i++)
			fputs("---|", o->f);
		fputc('\n', o->f);
		return;
	}
	fputs("<table>\n<thead><tr>", o->f);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", o->f);
		esc(o, head[i]);
		fputs("</th>", o->f);
	}
	fputs("</tr></thead>\n<tbody>\n", o->f);
}

/* A row; `cls` colours it in HTML (ok, warn, bad, good, dim). */
static void table_row(struct out *o, const char *cls, const char *const *cells)
{
	if (o->md) {
		fputc('|', o->f);
		for (size_t i = 0; i < o->ncols; i++) {
			fputc(' ', o->f);
			esc(o, cells[i]);
			fputs(" |", o->f);
		}
		fputc('\n', o->f);
		return;
	}
	fprintf(o->f, "<tr%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	for (size_t i = 0; i < o->ncols; i++) {
		fputs(i == 0 ? "<td class=\"id\">" : "<td>", o->f);
		esc(o, cells[i]);
		fputs("</td>", o->f);
	}
	fputs("</tr>\n", o->f);
}

static void table_end(struct out *o)
{
	fputs(o->md ? "\n" : "</tbody>\n</table>\n", o->f);
}

static void details_begin(struct out *o, const char *summary)
{
	if (o->md) {
		fputs("<details><summary>", o->f);
		esc(o, summary);
		fputs("</summary>\n\n", o->f);
	} else {
		fputs("<details><summary>", o->f);
		esc(o, summary);
		fputs("</summary>\n", o->f);
	}
}

static void details_end(struct out *o)
{
	fputs(o->md ? "\n</details>\n\n" : "</details>\n", o->f);
}

/* ---- number formatting ------------------------------------------------------ */

static void fmt_num(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void fmt_counter(const struct kb_result *r, const char *name, char *buf, size_t len)
{
	const struct kb_counter *c = kb_result_counter(r, name);

	fmt_num(c ? c->value : NAN, buf, len);
}

static void fmt_bytes(double b, char *buf, size_t len)
{
	if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024.0 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.0f KiB", b / 1024.0);
}

/* The memory column: bytes requested, the RSS growth (~ when it could not
 * be reset between benchmarks), device memory; "-" when not measured. */
static void fmt_memory(const struct kb_mem_use *m, char *buf, size_t len)
{
	char a[32], b[32], c[32];
	size_t n;

	if (!m->have) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_bytes((double)m->requested, a, sizeof(a));
	n = (size_t)snprintf(buf, len, "%s", a);
	if (m->rss_reset >= 0 && n < len) {
		fmt_bytes((double)m->rss_growth, b, sizeof(b));
		n += (size_t)snprintf(buf + n, len - n, ", RSS +%s%s", b, m->rss_reset ? "" : " (delta)");
	}
	if ((m->device_requested || m->device_in_use) && n < len) {
		fmt_bytes((double)m->device_in_use, c, sizeof(c));
		snprintf(buf + n, len - n, ", device %s", c);
	}
}

static const char *verdict_class(enum kb_verdict v)
{
	switch (v) {
	case KB_VERDICT_REGRESSED:
	case KB_VERDICT_ERROR:
		return "bad";
	case KB_VERDICT_IMPROVED:
		return "good";
	case KB_VERDICT_INCONCLUSIVE:
		return "warn";
	case KB_VERDICT_UNCHANGED:
		return NULL;
	default:
		return "dim";
	}
}

/* ---- sections -------------------------------------------------------------- */

static void section_summary(struct out *o)
{
	const struct kb_report_doc *d = o->doc;
	const struct kb_group *g = d->group;
	size_t ok = 0, skipped = 0, errors = 0;
	char line[512];

	for (size_t r = 0; r < g->nruns; r++)
		for (size_t i = 0; i < g->runs[r].nresults; i++) {
			enum kb_status s = g->runs[r].results[i].status;

			ok += s == KB_STATUS_OK;
			skipped += s == KB_STATUS_SKIPPED;
			errors += s == KB_STATUS_ERROR;
		}
	heading(o, 2, "summary", "Summary");
	snprintf(line, sizeof(line),
		 "%zu run%s, %zu benchmarks: %zu ok, %zu skipped, %zu error%s; %zu kernel famil%s.",
		 g->nruns, g->nruns == 1 ? "" : "s", ok + skipped + errors, ok, skipped, errors,
		 errors == 1 ? "" : "s", g->nfamilies, g->nfamilies == 1 ? "y" : "ies");
	para(o, errors ? "bad" : NULL, line);
	if (d->cmp) {
		const size_t *c = d->cmp->counts;

		snprintf(line, sizeof(line),
			 "Comparison (%s): %zu regressed, %zu improved, %zu unchanged, %zu inconclusive,"
			 " %zu new, %zu missing, %zu error.",
			 d->cmp_source ? d->cmp_source : "given", c[KB_VERDICT_REGRESSED],
			 c[KB_VERDICT_IMPROVED], c[KB_VERDICT_UNCHANGED], c[KB_VERDICT_INCONCLUSIVE],
			 c[KB_VERDICT_NEW], c[KB_VERDICT_MISSING], c[KB_VERDICT_ERROR]);
		para(o, c[KB_VERDICT_REGRESSED] || c[KB_VERDICT_ERROR] ? "bad" : "good", line);
	}
	for (size_t r = 0; r < g->nruns; r++) {
		const struct kb_run *run = &g->runs[r];
		const char *cpu = kb_run_context(run, "cpu.model");

		snprintf(line, sizeof(line), "Run %s: %s, %s, git %s, machine %s%s%s.",
			 g->labels[r], d->inputs && d->inputs[r] ? d->inputs[r] : "-",
			 run->date ? run->date : "date unknown", run->git ? run->git : "unknown",
			 run->fingerprint ? run->fingerprint : "unknown", cpu ? ", " : "",
			 cpu ? cpu : "");
		para(o, NULL, line);
	}
}

static void verdict_row(struct out *o, const struct kb_compare *c, const struct kb_compare_row *r)
{
	char base[48], cur[48], change[96], thr[32];
	bool time = !c->metric || strcmp(c->metric, "time") == 0;
	const char *cells[7];

	if (time) {
		kb_format_time(r->baseline, base, sizeof(base));
		kb_format_time(r->current, cur, sizeof(cur));
	} else {
		fmt_num(r->baseline, base, sizeof(base));
		fmt_num(r->current, cur, sizeof(cur));
	}
	kb_report_compare_change(r, change, sizeof(change));
	if (isfinite(r->threshold))
		snprintf(thr, sizeof(thr), "%.1f %%", r->threshold * 100);
	else
		snprintf(thr, sizeof(thr), "-");
	cells[0] = r->id;
	cells[1] = kb_verdict_name(r->verdict);
	cells[2] = base;
	cells[3] = cur;
	cells[4] = change[0] ? change : "-";
	cells[5] = thr;
	cells[6] = r->note ? r->note : "";
	table_row(o, verdict_class(r->verdict), cells);
}

static void section_verdicts(struct out *o)
{
	static const char *const head[] = {"benchmark", "verdict", "baseline", "current",
					   "change [CI]", "threshold", "note"};
	static const enum kb_verdict order[] = {
		KB_VERDICT_REGRESSED, KB_VERDICT_ERROR, KB_VERDICT_INCONCLUSIVE, KB_VERDICT_IMPROVED,
		KB_VERDICT_NEW, KB_VERDICT_MISSING, KB_VERDICT_SKIPPED};
	const struct kb_compare *c = o->doc->cmp;
	char line[512];

	if (!c)
		return;
	heading(o, 2, "verdicts", "Verdicts");
	snprintf(line, sizeof(line), "%s (current) against %s (baseline), metric %s; a change is a"
		 " regression only when its whole interval is beyond the noise floor and the"
		 " estimate beyond the threshold.",
		 c->current_name ? c->current_name : "current",
		 c->baseline_name ? c->baseline_name : "baseline", c->metric ? c->metric : "time");
	para(o, NULL, line);
	for (size_t i = 0; i < c->nwarnings; i++)
		para(o, "warn", c->warnings[i]);
	table_begin(o, head, 7);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < c->nrows; i++)
			if (c->rows[i].verdict == order[k])
				verdict_row(o, c, &c->rows[i]);
	table_end(o);
	if (c->counts[KB_VERDICT_UNCHANGED]) {
		snprintf(line, sizeof(line), "%zu unchanged", c->counts[KB_VERDICT_UNCHANGED]);
		details_begin(o, line);
		table_begin(o, head, 7);
		for (size_t i = 0; i < c->nrows; i++)
			if (c->rows[i].verdict == KB_VERDICT_UNCHANGED)
				verdict_row(o, c, &c->rows[i]);
		table_end(o);
		details_end(o);
	}
}

/* A series name without its "@run" suffix (the table already names the run). */
static const char *in_run(const struct kb_group *g, size_t entry, char *buf, size_t len)
{
	const char *name = g->entries[entry].series, *at = strrchr(name, '@');

	if (g->nruns < 2 || !at)
		return name;
	snprintf(buf, len, "%.*s", (int)(at - name), name);
	return buf;
}

static void section_recommendations(struct out *o)
{
	static const char *const head[] = {"family", "size", "fastest", "median time", "rate",
					   "runner-up", "speed-up over runner-up [95% CI]",
					   "vs slowest", "compared"};
	const struct kb_group *g = o->doc->group;
	size_t shown_run = SIZE_MAX;

	heading(o, 2, "recommendations", "Recommendations: the fastest kernel per family and size");
	if (o->doc->nrecs == 0) {
		para(o, "dim", "No benchmark finished with status ok: nothing to rank.");
		return;
	}
	para(o, NULL, "Fastest by median time on this machine. The speed-up is the runner-up's"
		      " median over the fastest one's, with a bootstrap interval from the raw samples;"
		      " when the interval includes 1 the two are tied within noise.");
	for (size_t i = 0; i < o->doc->nrecs; i++) {
		const struct kb_recommendation *r = &o->doc->recs[i];
		const struct kb_family *f = &g->families[r->family];
		const struct kb_group_entry *best = &g->entries[r->best];
		char t[48], rate[48], up[160], slow[320], nc[16], h[256], bn[160], rn[160], sn[160];
		const char *cells[9];

		if (r->run_index != shown_run) {
			if (shown_run != SIZE_MAX)
				table_end(o);
			if (g->nruns > 1) {
				snprintf(h, sizeof(h), "Run %s", g->labels[r->run_index]);
				heading(o, 3, NULL, h);
			}
			table_begin(o, head, 9);
			shown_run = r->run_index;
		}
		kb_format_time(best->res->summary.median, t, sizeof(t));
		if (strcmp(f->metric, "time") == 0) {
			snprintf(rate, sizeof(rate), "-");
		} else {
			fmt_num(best->rate, rate, sizeof(rate));
			snprintf(rate + strlen(rate), sizeof(rate) - strlen(rate), " %s",
				 kb_group_metric_label(f->metric));
		}
		if (r->runner_up == SIZE_MAX) {
			snprintf(up, sizeof(up), "only one kernel");
			snprintf(slow, sizeof(slow), "-");
		} else {
			snprintf(up, sizeof(up), "%.2fx [%.2f, %.2f]%s", r->speedup, r->speedup_lo,
				 r->speedup_hi, r->clear ? "" : " (tie within noise)");
			snprintf(slow, sizeof(slow), "%.3gx faster than %s", r->vs_slowest,
				 in_run(g, r->slowest, sn, sizeof(sn)));
		}
		snprintf(nc, sizeof(nc), "%zu", r->ncandidates);
		cells[0] = f->key;
		cells[1] = r->size_label;
		cells[2] = in_run(g, r->best, bn, sizeof(bn));
		cells[3] = t;
		cells[4] = rate;
		cells[5] = r->runner_up == SIZE_MAX ? "-" : in_run(g, r->runner_up, rn, sizeof(rn));
		cells[6] = up;
		cells[7] = slow;
		cells[8] = nc;
		table_row(o, r->runner_up != SIZE_MAX && !r->clear ? "warn" : NULL, cells);
	}
	table_end(o);
}

static const char *const kind_titles[][2] = {
	{"roofline", "Roofline"},
	{"scaling", "Scaling"},
	{"comparison", "Comparison with the baseline"},
	{"distribution", "Sample distributions"},
	{"history", "History"},
};

static void figure(struct out *o, const struct kb_report_figure *fig, size_t index)
{
	char prefix[32];

	if (o->md) {
		if (fig->png)
			fprintf(o->f, "![%s](%s)\n\n", fig->title, fig->png);
		else
			fprintf(o->f, "*%s* (not rendered)", fig->title);
		if (fig->data)
			fprintf(o->f, "data: [%s](%s)\n\n", fig->data, fig->data);
		if (fig->caption)
			fprintf(o->f, "%s\n\n", fig->caption);
		return;
	}
	fputs("<figure>\n", o->f);
	if (fig->svg) {
		snprintf(prefix, sizeof(prefix), "f%zu-", index);
		if (kb_report_inline_svg(o->f, fig->svg, prefix) && !o->rc)
			o->rc = -KB_EIO;
	} else {
		fputs("<p class=\"dim\">(plot not rendered)</p>\n", o->f);
	}
	fputs("<figcaption>", o->f);
	esc(o, fig->title);
	if (fig->data) {
		fputs(" &middot; data: <a href=\"", o->f);
		esc(o, fig->data);
		fputs("\">", o->f);
		esc(o, fig->data);
		fputs("</a>", o->f);
	}
	if (fig->caption) {
		fputs("<br>", o->f);
		esc(o, fig->caption);
	}
	fputs("</figcaption>\n</figure>\n", o->f);
}

static void section_figures(struct out *o)
{
	const struct kb_report_doc *d = o->doc;

	for (size_t k = 0; k < sizeof(kind_titles) / sizeof(kind_titles[0]); k++) {
		bool any = false;

		for (size_t i = 0; i < d->nfigs; i++) {
			if (strcmp(d->figs[i].kind, kind_titles[k][0]) != 0)
				continue;
			if (!any)
				heading(o, 2, kind_titles[k][0], kind_titles[k][1]);
			any = true;
			figure(o, &d->figs[i], i);
		}
	}
}

static void section_results(struct out *o)
{
	static const char *const head[] = {"benchmark", "status", "median", "95% CI of the median",
					   "GFLOP/s", "GB/s", "% peak", "CV", "samples", "memory",
					   "note"};
	const struct kb_group *g = o->doc->group;

	heading(o, 2, "results", "Results");
	for (size_t r = 0; r < g->nruns; r++) {
		const struct kb_run *run = &g->runs[r];
		char h[256];

		if (g->nruns > 1) {
			snprintf(h, sizeof(h), "Run %s", g->labels[r]);
			heading(o, 3, NULL, h);
		}
		table_begin(o, head, 11);
		for (size_t i = 0; i < run->nresults; i++) {
			const struct kb_result *res = &run->results[i];
			const struct kb_summary *s = &res->summary;
			char med[48], lo[48], hi[48], ci[112], gf[32], gb[32], pk[32], cv[32], n[32];
			char mem[112];
			const char *cells[11], *cls = NULL;
			char note[256];

			kb_format_time(s->median, med, sizeof(med));
			kb_format_time(s->ci_low, lo, sizeof(lo));
			kb_format_time(s->ci_high, hi, sizeof(hi));
			if (isfinite(s->ci_low) && isfinite(s->ci_high))
				snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
			else
				snprintf(ci, sizeof(ci), "-");
			fmt_counter(res, "gflops", gf, sizeof(gf));
			fmt_counter(res, "gbps", gb, sizeof(gb));
			fmt_counter(res, "pct_peak", pk, sizeof(pk));
			if (isfinite(s->cv))
				snprintf(cv, sizeof(cv), "%.1f %%", s->cv * 100);
			else
				snprintf(cv, sizeof(cv), "-");
			snprintf(n, sizeof(n), "%zu", res->nsamples ? res->nsamples : s->n);
			note[0] = '\0';
			if (res->status != KB_STATUS_OK) {
				snprintf(note, sizeof(note), "%s", res->message ? res->message : "");
				cls = res->status == KB_STATUS_ERROR ? "bad" : "dim";
			} else if (!s->converged) {
				snprintf(note, sizeof(note), "CI target not reached");
				cls = "warn";
			}
			if (res->status == KB_STATUS_OK && (s->outliers_mild || s->outliers_severe))
				snprintf(note + strlen(note), sizeof(note) - strlen(note),
					 "%s%zu mild, %zu severe outliers", note[0] ? "; " : "",
					 s->outliers_mild, s->outliers_severe);
			cells[0] = res->id;
			cells[1] = kb_status_name(res->status);
			cells[2] = res->status == KB_STATUS_OK ? med : "-";
			cells[3] = res->status == KB_STATUS_OK ? ci : "-";
			cells[4] = gf;
			cells[5] = gb;
			cells[6] = pk;
			cells[7] = cv;
			cells[8] = n;
			fmt_memory(&res->mem, mem, sizeof(mem));
			cells[9] = mem;
			cells[10] = note;
			table_row(o, cls, cells);
		}
		table_end(o);
	}
}

static bool key_fact(const char *key)
{
	static const char *const prefixes[] = {"host", "cpu.", "caches.", "memory.", "numa.", "os.",
					       "compiler.", "build.", "peaks.", "gpu.", "cuda.",
					       "openblas.", "virtual", "governor", "frequency",
					       "fingerprint", NULL};

	if (strncmp(key, "fingerprint_parts", 17) == 0 || strstr(key, "_method"))
		return false;
	for (const char *const *p = prefixes; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0)
			return true;
	return false;
}

static void kv_rows(struct out *o, const struct kb_kv *kv, size_t n, bool facts_only)
{
	for (size_t i = 0; i < n; i++) {
		const char *cells[2];

		if (!kv[i].key || (facts_only && !key_fact(kv[i].key)))
			continue;
		cells[0] = kv[i].key;
		cells[1] = kv[i].value ? kv[i].value : "(unknown)";
		table_row(o, kv[i].value ? NULL : "dim", cells);
	}
}

static void section_machine(struct out *o)
{
	static const char *const head[] = {"key", "value"};
	const struct kb_group *g = o->doc->group;

	heading(o, 2, "machine", "Machine and configuration");
	for (size_t r = 0; r < g->nruns; r++) {
		const struct kb_run *run = &g->runs[r];
		char h[256];
		const char *cells[2];

		snprintf(h, sizeof(h), "Run %s (%s)", g->labels[r],
			 run->date ? run->date : "date unknown");
		heading(o, 3, NULL, h);
		table_begin(o, head, 2);
		cells[0] = "git revision";
		cells[1] = run->git ? run->git : "unknown";
		table_row(o, NULL, cells);
		cells[0] = "harness version";
		cells[1] = run->harness_version ? run->harness_version : "unknown";
		table_row(o, NULL, cells);
		kv_rows(o, run->context, run->ncontext, true);
		table_end(o);
		snprintf(h, sizeof(h), "full context (%zu entries) and configuration (%zu)",
			 run->ncontext, run->nconfig);
		details_begin(o, h);
		table_begin(o, head, 2);
		kv_rows(o, run->context, run->ncontext, false);
		kv_rows(o, run->config, run->nconfig, false);
		table_end(o);
		details_end(o);
	}
}

/* ---- documents ------------------------------------------------------------- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
	"max-width:1180px;padding:16px 24px;color:#1b1f24;background:#fff}"
	"h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;"
	"margin-top:1.6em}h3{margin-top:1.2em}"
	"nav a{margin-right:14px}p.note{color:#6e4b00}"
	"table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}"
	"th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f3f5f7}td.id{font-family:ui-monospace,Menlo,Consolas,monospace}"
	"tr.bad td{background:#ffe5e3}tr.good td{background:#e3f8e6}tr.warn td{background:#fff6d6}"
	"tr.dim td{color:#6a737d}p.bad{color:#b3261e;font-weight:600}p.good{color:#1a7f37}"
	"p.warn{color:#8a6100}p.dim{color:#6a737d}"
	"figure{margin:12px 0 24px}figure svg{max-width:100%;height:auto;display:block;"
	"border:1px solid #eaeef2}figcaption{font-size:12px;color:#57606a;margin-top:4px}"
	"details{margin:6px 0 14px}summary{cursor:pointer;color:#0969da}";

/* The cross-hardware report, preformatted (its columns line up). */
static void section_machines(struct out *o)
{
	if (!o->doc->machines)
		return;
	heading(o, 2, "machines", "Across machines: which hardware for which kernel");
	fputs(o->md ? "```\n" : "<pre>", o->f);
	if (o->md)
		fputs(o->doc->machines, o->f); /* inside a fence nothing is markup */
	else
		for (const char *p = o->doc->machines; *p; p++)
			if (*p == '<')
				fputs("&lt;", o->f);
			else if (*p == '&')
				fputs("&amp;", o->f);
			else
				fputc(*p, o->f);
	fputs(o->md ? "```\n" : "</pre>\n", o->f);
}

static void write_body(struct out *o)
{
	section_summary(o);
	section_verdicts(o);
	section_recommendations(o);
	section_machines(o);
	section_figures(o);
	section_results(o);
	section_machine(o);
}

int kb_report_html(FILE *f, const struct kb_report_doc *doc)
{
	struct out o = {.f = f, .md = false, .doc = doc};
	const char *title = doc->title ? doc->title : "kbench report";

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      f);
	esc(&o, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	esc(&o, title);
	fputs("</h1>\n<p>Generated ", f);
	esc(&o, doc->generated ? doc->generated : "");
	fputs(" by kbench-report.</p>\n", f);
	if (doc->note)
		para(&o, "note", doc->note);
	fputs("<nav><a href=\"#summary\">summary</a>", f);
	if (doc->cmp)
		fputs("<a href=\"#verdicts\">verdicts</a>", f);
	fputs("<a href=\"#recommendations\">recommendations</a>", f);
	if (doc->machines)
		fputs("<a href=\"#machines\">machines</a>", f);
	for (size_t k = 0; k < sizeof(kind_titles) / sizeof(kind_titles[0]); k++)
		for (size_t i = 0; i < doc->nfigs; i++)
			if (strcmp(doc->figs[i].kind, kind_titles[k][0]) == 0) {
				fprintf(f, "<a href=\"#%s\">%s</a>", kind_titles[k][0], kind_titles[k][0]);
				break;
			}
	fputs("<a href=\"#results\">results</a><a href=\"#machine\">machine</a></nav>\n</header>\n"
	      "<main>\n", f);
	write_body(&o);
	fputs("</main>\n</body>\n</html>\n", f);
	if (!o.rc && ferror(f))
		o.rc = kb_error(KB_EIO, "cannot write the HTML report: %s", strerror(errno));
	return o.rc;
}

int kb_report_markdown(FILE *f, const struct kb_report_doc *doc)
{
	struct out o = {.f = f, .md = true, .doc = doc};

	fputs("# ", f);
	esc(&o, doc->title ? doc->title : "kbench report");
	fputs("\n\nGenerated ", f);
	esc(&o, doc->generated ? doc->generated : "");
	fputs(" by kbench-report.\n\n", f);
	if (doc->note)
		para(&o, NULL, doc->note);
	write_body(&o);
	if (ferror(f))
		return kb_error(KB_EIO, "cannot write the Markdown report: %s", strerror(errno));
	return 0;
}

/* ---- SVG inlining --------------------------------------------------------- */

int kb_report_inline_svg(FILE *f, const char *path, const char *prefix)
{
	static const char *const refs[] = {" id='", " id=\"", "href='#", "href=\"#", "url(#"};
	FILE *in = fopen(path, "rb");
	char *text, *p;
	long size;

	if (!in)
		return kb_error(KB_EIO, "cannot read the plot %s: %s", path, strerror(errno));
	if (fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) != 0 ||
	    !(text = malloc((size_t)size + 1))) {
		fclose(in);
		return kb_error(KB_EIO, "cannot read the plot %s", path);
	}
	if (fread(text, 1, (size_t)size, in) != (size_t)size) {
		free(text);
		fclose(in);
		return kb_error(KB_EIO, "cannot read the plot %s", path);
	}
	fclose(in);
	text[size] = '\0';
	p = strstr(text, "<svg");
	if (!p) {
		free(text);
		return kb_error(KB_EIO, "%s is not an SVG file", path);
	}
	while (*p) {
		size_t k, n = 0;

		for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
			n = strlen(refs[k]);
			if (strncmp(p, refs[k], n) == 0)
				break;
		}
		if (k < sizeof(refs) / sizeof(refs[0])) {
			fwrite(p, 1, n, f);
			fputs(prefix, f);
			p += n;
		} else {
			fputc(*p++, f);
		}
	}
	fputc('\n', f);
	free(text);
	return ferror(f) ? kb_error(KB_EIO, "cannot write the inlined plot %s", path) : 0;
}
