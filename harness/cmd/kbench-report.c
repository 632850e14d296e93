/*
 * kbench-report RESULT.json... - plots and reports from results files.
 *
 * Reads one or more results files (kbench or Google Benchmark JSON) and,
 * optionally, a comparison (kbench-compare/kbench-ab --format=json, or a
 * baseline run to compare here), then writes into --out-dir:
 *   index.html      self-contained page: plots inlined as SVG, tables,
 *                   verdicts, recommendations, machine context
 *   report.md       the same for pull requests and terminals
 *   plots/NAME.png, plots/NAME.svg  scaling, comparison and distribution
 *                   plots (gnuplot)
 *   data/NAME.dat   the plots' data, plain columns
 * Exit 0: written; 1: gnuplot (or its scripts) missing or failing, or an
 * output cannot be written; 2: bad usage or unusable input.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "strbuf.h"
#include "compare.h"
#include "error.h"
#include "fileio.h"
#include "json_read.h"
#include "report_group.h"
#include "report_html.h"
#include "history.h"
#include "report_input.h"
#include "report_machines.h"
#include "report_plot.h"
#include "tool.h"

#define EXIT_FAIL 1
#define EXIT_BAD KB_TOOL_EXIT_BAD
#define MAX_DIST 16

static const char usage[] =
	"usage: kbench-report [options] RESULT.json...\n"
	"\n"
	"Plots (PNG and SVG through gnuplot), a self-contained HTML report and a\n"
	"Markdown report from kbench results files.\n"
	"\n"
	"  --out-dir=DIR      where to write (default build/report): index.html, report.md,\n"
	"                     plots/, data/\n"
	"  --compare=FILE     a kbench-compare or kbench-ab result (--format=json): comparison\n"
	"                     plot and verdicts\n"
	"  --baseline=FILE    compare the last RESULT with this baseline run here, with\n"
	"                     kbench-compare's method and defaults\n"
	"  --dist=GLOB        benchmarks whose samples are plotted together (repeatable; default:\n"
	"                     every kernel of each family at its largest size)\n"
	"  --by=machine       the cross-hardware report instead, on standard output: inputs\n"
	"                     LABEL=RESULT.json (or RESULT.json, labelled by its fingerprint),\n"
	"                     one column per machine, the fastest machine per benchmark and\n"
	"                     the fastest kernel per machine\n"
	"  --machines         add that report to the HTML and Markdown pages (inputs as for\n"
	"                     --by=machine)\n"
	"  --history-db=DB    with --by=machine or --machines: the trend per machine from\n"
	"                     this history\n"
	"                     (SQLite file or postgresql://...)\n"
	"  --history=DIR      add the history plots kbench-history trend wrote in DIR\n"
	"                     (history-*.svg; those with a change point first)\n"
	"  --title=TEXT       report title\n"
	"  --no-plots         data files and reports without images (no gnuplot needed)\n"
	"  --scripts=DIR      where scaling.gp, comparison.gp, distribution.gp live\n"
	"                     (default: found next to the executable; $KBENCH_SCRIPTS)\n"
	"  --resamples=N      bootstrap resamples for the recommendation intervals (10000)\n"
	"  --quiet            print nothing on success\n"
	"  --help             this text\n"
	"\n"
	"Exit status: 0 written, 1 gnuplot missing or failing or cannot write,\n"
	"2 bad usage or unusable input.\n";

struct args {
	const char *out_dir, *compare, *baseline, *title, *scripts, *history, *history_db;
	bool by_machine, machines;
	const char *dists[32];
	size_t ndists;
	size_t resamples;
	bool no_plots, quiet;
	const char **inputs;
	size_t ninputs;
};

struct figures {
	struct kb_report_figure *v;
	char **owned; /* strings the figures point to */
	size_t n, nowned;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	const char *v;

	a->out_dir = "build/report";
	a->resamples = 10000;
	a->inputs = calloc((size_t)argc, sizeof(*a->inputs));
	if (!a->inputs)
		return kb_tool_fail("out of memory");
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (kb_tool_flag(arg, "--out-dir", &v)) {
			a->out_dir = v;
		} else if (kb_tool_flag(arg, "--compare", &v)) {
			a->compare = v;
		} else if (kb_tool_flag(arg, "--baseline", &v)) {
			a->baseline = v;
		} else if (kb_tool_flag(arg, "--by", &v)) {
			if (strcmp(v, "machine") != 0 && strcmp(v, "fingerprint") != 0)
				return kb_tool_fail("--by=%s: expected machine (or fingerprint)", v);
			a->by_machine = true;
		} else if (strcmp(arg, "--machines") == 0) {
			a->machines = true;
		} else if (kb_tool_flag(arg, "--history-db", &v)) {
			a->history_db = v;
		} else if (kb_tool_flag(arg, "--history", &v)) {
			a->history = v;
		} else if (kb_tool_flag(arg, "--title", &v)) {
			a->title = v;
		} else if (kb_tool_flag(arg, "--scripts", &v)) {
			a->scripts = v;
		} else if (kb_tool_flag(arg, "--dist", &v)) {
			if (a->ndists == sizeof(a->dists) / sizeof(a->dists[0]))
				return kb_tool_fail("too many --dist options (at most 32)");
			a->dists[a->ndists++] = v;
		} else if (kb_tool_flag(arg, "--resamples", &v)) {
			char *end;
			unsigned long long n = strtoull(v, &end, 10);

			if (*v == '\0' || *end || n > 10000000)
				return kb_tool_fail("--resamples=%s: expected a count up to 10000000", v);
			a->resamples = (size_t)n;
		} else if (strcmp(arg, "--no-plots") == 0) {
			a->no_plots = true;
		} else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
			a->quiet = true;
		} else if (arg[0] == '-' && arg[1]) {
			return kb_tool_fail("unknown option %s", arg);
		} else {
			a->inputs[a->ninputs++] = arg;
		}
	}
	if (a->ninputs == 0)
		return kb_tool_fail("no results file given");
	if (a->history_db && !a->by_machine && !a->machines)
		return kb_tool_fail("--history-db goes with --by=machine or --machines (the report's trend plots come from --history=DIR)");
	if (a->compare && a->baseline)
		return kb_tool_fail("--compare and --baseline both give a comparison; pass one");
	if (!*a->out_dir)
		return kb_tool_fail("--out-dir is empty");
	return 0;
}

/* "build/results/latest.json" -> "latest"; made unique with the index. */
static char *run_label(const char *path, size_t i, const char *const *inputs)
{
	const char *base = strrchr(path, '/');
	char *s, *dot;

	base = base ? base + 1 : path;
	s = strdup(base);
	if (!s)
		return NULL;
	dot = strrchr(s, '.');
	if (dot && dot != s && strcmp(dot, ".json") == 0)
		*dot = '\0';
	for (size_t j = 0; j < i; j++) {
		const char *other = strrchr(inputs[j], '/');

		other = other ? other + 1 : inputs[j];
		if (strncmp(other, s, strlen(s)) == 0) {
			char *t = malloc(strlen(s) + 24);

			if (t)
				sprintf(t, "%s#%zu", s, i + 1);
			free(s);
			return t;
		}
	}
	return s;
}

static char *own(struct figures *fig, char *s)
{
	char **v = realloc(fig->owned, (fig->nowned + 1) * sizeof(*v));

	if (!v || !s) {
		free(s);
		fprintf(stderr, "kbench-report: out of memory\n");
		exit(EXIT_FAIL);
	}
	fig->owned = v;
	fig->owned[fig->nowned++] = s;
	return s;
}

struct plot_ctx {
	const struct args *a;
	const char *gnuplot; /* NULL: no rendering */
	const char *scripts;
	struct figures figs;
	size_t rendered;
};

typedef int (*data_writer)(FILE *f, const void *ctx, struct kb_plot_vars *vars);

/*
 * Writes data/<name>.dat with `write`, renders plots/<name>.{png,svg} and
 * adds the figure.  Returns 0, or the error code (message in
 * kb_last_error()).
 */
static int make_plot(struct plot_ctx *p, const char *kind, const char *name, const char *title,
		     const char *script, data_writer write, const void *ctx)
{
	struct kb_plot_vars vars = {0};
	struct kb_report_figure *fig;
	char *data = own(&p->figs, kb_strdup_printf("%s/data/%s.dat", p->a->out_dir, name));
	char *base = own(&p->figs, kb_strdup_printf("%s/plots/%s", p->a->out_dir, name));
	FILE *f = fopen(data, "w");
	int rc;

	if (!f)
		return kb_error(KB_EIO, "cannot write %s: %s", data, strerror(errno));
	rc = write(f, ctx, &vars);
	if (fclose(f) != 0 && !rc)
		rc = kb_error(KB_EIO, "cannot write %s: %s", data, strerror(errno));
	if (!rc && p->gnuplot) {
		rc = kb_plot_render(p->gnuplot, p->scripts, script, data, base, &vars);
		if (!rc) {
			char *log = kb_strdup_printf("%s.log", base);

			if (log)
				unlink(log);
			free(log);
		}
	}
	kb_plot_vars_release(&vars);
	if (rc)
		return rc;
	fig = realloc(p->figs.v, (p->figs.n + 1) * sizeof(*fig));
	if (!fig)
		return kb_error(KB_ENOMEM, "out of memory");
	p->figs.v = fig;
	fig = &p->figs.v[p->figs.n++];
	memset(fig, 0, sizeof(*fig));
	fig->kind = kind;
	fig->title = own(&p->figs, strdup(title));
	fig->data = own(&p->figs, kb_strdup_printf("data/%s.dat", name));
	if (p->gnuplot) {
		fig->svg = own(&p->figs, kb_strdup_printf("%s.svg", base));
		fig->png = own(&p->figs, kb_strdup_printf("plots/%s.png", name));
		p->rendered++;
	}
	return 0;
}

struct scaling_ctx {
	const struct kb_group *g;
	size_t family;
};

static int write_scaling(FILE *f, const void *ctx, struct kb_plot_vars *vars)
{
	const struct scaling_ctx *s = ctx;

	return kb_plot_scaling_write(f, s->g, s->family, vars);
}

static int write_roofline(FILE *f, const void *ctx, struct kb_plot_vars *vars)
{
	return kb_plot_roofline_write(f, ctx, vars);
}

static int write_comparison(FILE *f, const void *ctx, struct kb_plot_vars *vars)
{
	return kb_plot_comparison_write(f, ctx, vars);
}

struct dist_ctx {
	const struct kb_result *res[MAX_DIST];
	const char *labels[MAX_DIST];
	size_t n;
	const char *title;
};

static int write_dist(FILE *f, const void *ctx, struct kb_plot_vars *vars)
{
	const struct dist_ctx *d = ctx;

	return kb_plot_distribution_write(f, d->res, d->labels, d->n, d->title, vars);
}

static void dist_add(struct dist_ctx *d, const struct kb_group_entry *e)
{
	if (d->n < MAX_DIST && e->res->samples_ns && e->res->nsamples) {
		d->res[d->n] = e->res;
		d->labels[d->n] = e->series;
		d->n++;
	}
}

/* One distribution plot per family: every series at its largest size. */
static int default_dists(struct plot_ctx *p, const struct kb_group *g)
{
	for (size_t fi = 0; fi < g->nfamilies; fi++) {
		const struct kb_family *f = &g->families[fi];
		const char *label = NULL;
		double size = -INFINITY;
		struct dist_ctx d = {0};
		char title[512], name[300];
		int rc;

		for (size_t i = 0; i < f->nentries; i++) {
			const struct kb_group_entry *e = &g->entries[f->entries[i]];

			if (!label || (!isnan(e->size) && e->size > size)) {
				size = e->size;
				label = e->size_label;
			}
		}
		for (size_t i = 0; label && i < f->nentries; i++)
			if (strcmp(g->entries[f->entries[i]].size_label, label) == 0)
				dist_add(&d, &g->entries[f->entries[i]]);
		if (d.n == 0)
			continue;
		snprintf(title, sizeof(title), "%s at %s %s: samples per kernel", f->key,
			 f->size_param ? f->size_param : "size", label);
		d.title = title;
		snprintf(name, sizeof(name), "distribution-%s", f->slug);
		if ((rc = make_plot(p, "distribution", name, title, "distribution", write_dist, &d)))
			return rc;
	}
	return 0;
}

static int glob_dists(struct plot_ctx *p, const struct kb_group *g)
{
	for (size_t k = 0; k < p->a->ndists; k++) {
		struct dist_ctx d = {0};
		char title[512], name[64];
		size_t matched = 0;
		int rc;

		for (size_t i = 0; i < g->nentries; i++)
			if (fnmatch(p->a->dists[k], g->entries[i].res->id, 0) == 0) {
				matched++;
				/* with one run the id names it best; else the series has the run */
				dist_add(&d, &g->entries[i]);
				if (g->nruns == 1 && d.n)
					d.labels[d.n - 1] = g->entries[i].res->id;
			}
		if (d.n == 0) {
			fprintf(stderr, "kbench-report: --dist=%s: no benchmark with samples matches\n",
				p->a->dists[k]);
			continue;
		}
		snprintf(title, sizeof(title), "%s: samples%s", p->a->dists[k],
			 matched > MAX_DIST ? " (first 16)" : "");
		d.title = title;
		snprintf(name, sizeof(name), "distribution-%zu", k + 1);
		if ((rc = make_plot(p, "distribution", name, title, "distribution", write_dist, &d)))
			return rc;
	}
	return 0;
}

struct history_plot {
	char *stem;   /* "history-matmul-sgemm_blocked-64" */
	char *title;
	size_t runs, changes;
};

static int cmp_history(const void *a, const void *b)
{
	const struct history_plot *x = a, *y = b;

	if ((x->changes > 0) != (y->changes > 0))
		return x->changes > 0 ? -1 : 1;
	return strcmp(x->stem, y->stem);
}

/* Reads the benchmark, run count and change points from a history .dat. */
static bool history_info(const char *path, struct history_plot *h)
{
	FILE *f = fopen(path, "r");
	char line[1024], bench[512] = "";

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		int cp;

		if (sscanf(line, "# kbench history data: %511[^\n]", bench) == 1)
			continue;
		if (line[0] == '#')
			continue;
		h->runs++;
		if (sscanf(line, "%*s %*s %*s %*s %*s %d", &cp) == 1 && cp)
			h->changes++;
	}
	fclose(f);
	if (!bench[0])
		return false;
	h->title = kb_strdup_printf("%s: %zu runs, %zu change point%s", bench, h->runs, h->changes,
			      h->changes == 1 ? "" : "s");
	return h->title != NULL;
}

/*
 * Figures for the history plots in a->history (written by kbench-history
 * trend): every series with two runs or more.
 */
static int history_figures(struct plot_ctx *p)
{
	const char *dir = p->a->history;
	size_t dl = strlen(p->a->out_dir), n = 0;
	struct history_plot *v = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return kb_error(KB_EIO, "--history=%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct history_plot h = {0}, *nv;
		char *dat, *svg;

		if (strncmp(de->d_name, "history-", 8) != 0 || len < 12 ||
		    strcmp(de->d_name + len - 4, ".svg") != 0)
			continue;
		h.stem = strndup(de->d_name, len - 4);
		dat = kb_strdup_printf("%s/%s.dat", dir, h.stem);
		svg = kb_strdup_printf("%s/%s.svg", dir, h.stem);
		if (h.stem && dat && svg && history_info(dat, &h) && h.runs >= 2 &&
		    (nv = realloc(v, (n + 1) * sizeof(*v)))) {
			v = nv;
			v[n++] = h;
		} else {
			free(h.stem);
			free(h.title);
		}
		free(dat);
		free(svg);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_history);
	for (size_t i = 0; i < n && !rc; i++) {
		struct kb_report_figure *fig = realloc(p->figs.v, (p->figs.n + 1) * sizeof(*fig));
		/* links relative to the report when the plots are inside its directory */
		const char *rel = strncmp(dir, p->a->out_dir, dl) == 0 && dir[dl] == '/' ? dir + dl + 1 : dir;

		if (!fig) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			break;
		}
		p->figs.v = fig;
		fig = &p->figs.v[p->figs.n++];
		memset(fig, 0, sizeof(*fig));
		fig->kind = "history";
		fig->title = own(&p->figs, v[i].title);
		v[i].title = NULL;
		fig->svg = own(&p->figs, kb_strdup_printf("%s/%s.svg", dir, v[i].stem));
		fig->png = own(&p->figs, kb_strdup_printf("%s/%s.png", rel, v[i].stem));
		fig->data = own(&p->figs, kb_strdup_printf("%s/%s.dat", rel, v[i].stem));
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].stem);
		free(v[i].title);
	}
	free(v);
	return rc;
}

static int write_html(FILE *f, const void *doc)
{
	return kb_report_html(f, doc);
}

static int write_md(FILE *f, const void *doc)
{
	return kb_report_markdown(f, doc);
}

/*
 * --by=machine: LABEL=FILE inputs (a FILE alone is labelled by its
 * fingerprint), the cross-hardware report on `out`.
 */
static int by_machine(const struct args *a, FILE *out)
{
	struct kb_machine_run *m = calloc(a->ninputs, sizeof(*m));
	struct kb_run *runs = calloc(a->ninputs, sizeof(*runs));
	char **labels = calloc(a->ninputs, sizeof(*labels));
	struct kb_history *h = NULL;
	int status = 0;

	if (!m || !runs || !labels) {
		status = kb_tool_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < a->ninputs; i++) {
		const char *eq = strchr(a->inputs[i], '='), *file = eq ? eq + 1 : a->inputs[i];

		if (kb_run_load(file, &runs[i])) {
			status = kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		labels[i] = eq ? strndup(a->inputs[i], (size_t)(eq - a->inputs[i]))
			       : strdup(runs[i].fingerprint ? runs[i].fingerprint : file);
		if (!labels[i] || !*labels[i]) {
			status = kb_tool_fail("%s: an empty label (expected LABEL=FILE)", a->inputs[i]);
			goto out;
		}
		m[i].label = labels[i];
		m[i].run = &runs[i];
	}
	if (a->history_db && kb_history_open(a->history_db, false, &h)) {
		status = kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	if (kb_report_machines(out, m, a->ninputs, h)) {
		status = kb_tool_fail("%s", kb_last_error());
		goto out;
	}
	if (fflush(out) != 0)
		status = EXIT_FAIL;
out:
	kb_history_close(h);
	for (size_t i = 0; runs && labels && i < a->ninputs; i++) {
		kb_run_clear(&runs[i]);
		free(labels[i]);
	}
	free(runs);
	free(labels);
	free(m);
	return status;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct kb_run *runs;
	struct kb_run base_run = {0};
	struct kb_compare cmp = {0};
	bool have_cmp = false;
	struct kb_group g = {0};
	struct kb_recommendation *recs = NULL;
	size_t nrecs = 0, total = 0;
	char **labels;
	char gnuplot[PATH_MAX], scripts[PATH_MAX], path[PATH_MAX], now[64], note[256];
	struct plot_ctx p = {0};
	struct kb_report_doc doc = {0};
	char *machines = NULL;
	size_t machines_len = 0;
	time_t t = time(NULL);
	int rc, status = 0;

	kb_tool_init("kbench-report");

	if ((rc = parse_args(argc, argv, &a))) {
		free(a.inputs);
		return rc;
	}
	if (a.by_machine) {
		rc = by_machine(&a, stdout);
		free(a.inputs);
		return rc;
	}
	if (a.machines) {
		/* the section's text first, then the inputs as plain files */
		FILE *f = open_memstream(&machines, &machines_len);

		if (!f)
			return kb_tool_fail("out of memory");
		rc = by_machine(&a, f);
		fclose(f);
		if (rc) {
			free(machines);
			free(a.inputs);
			return rc;
		}
		for (size_t i = 0; i < a.ninputs; i++)
			if (strchr(a.inputs[i], '='))
				a.inputs[i] = strchr(a.inputs[i], '=') + 1;
	}
	p.a = &a;
	runs = calloc(a.ninputs, sizeof(*runs));
	labels = calloc(a.ninputs, sizeof(*labels));
	if (!runs || !labels) {
		status = kb_tool_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < a.ninputs; i++) {
		if (kb_run_load(a.inputs[i], &runs[i])) {
			status = kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		total += runs[i].nresults;
		labels[i] = run_label(a.inputs[i], i, a.inputs);
	}
	if (total == 0) {
		status = kb_tool_fail("no benchmarks in %s%s: nothing to report", a.inputs[0],
				      a.ninputs > 1 ? " and the other inputs" : "");
		goto out;
	}
	if (a.compare) {
		if (kb_report_load_compare(a.compare, &cmp)) {
			status = kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		have_cmp = true;
	} else if (a.baseline) {
		struct kb_compare_options opt;

		if (kb_run_load(a.baseline, &base_run)) {
			status = kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		kb_compare_options_init(&opt);
		if (kb_compare_runs(&base_run, &runs[a.ninputs - 1], a.baseline,
				    a.inputs[a.ninputs - 1], &opt, &cmp)) {
			status = kb_tool_fail("%s", kb_last_error());
			goto out;
		}
		have_cmp = true;
	}

	if (!a.no_plots) {
		if (kb_plot_find_gnuplot(gnuplot, sizeof(gnuplot)) ||
		    kb_plot_find_scripts(a.scripts, scripts, sizeof(scripts))) {
			fprintf(stderr, "kbench-report: %s\n", kb_last_error());
			status = EXIT_FAIL;
			goto out;
		}
		p.gnuplot = gnuplot;
		p.scripts = scripts;
	}
	snprintf(path, sizeof(path), "%s/plots", a.out_dir);
	if (kb_mkdir_p(path) != 0) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/data", a.out_dir);
	if (kb_mkdir_p(path) != 0) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	if (kb_group_build(&g, runs, (const char *const *)labels, a.ninputs) ||
	    kb_group_recommend(&g, runs[0].seed ? runs[0].seed : 42, a.resamples, &recs, &nrecs)) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	if (g.nentries == 0)
		fprintf(stderr, "kbench-report: warning: no benchmark finished with status ok;"
				" the report has tables only\n");

	rc = 0;
	if (kb_plot_roofline_has_points(&g))
		rc = make_plot(&p, "roofline", "roofline", "roofline: GFLOP/s against arithmetic "
			       "intensity (FLOP/byte), with the machine's compute and memory roofs",
			       "roofline", write_roofline, &g);
	for (size_t fi = 0; fi < g.nfamilies && !rc; fi++) {
		struct scaling_ctx s = {&g, fi};
		char name[300], title[512];

		if (!kb_plot_scaling_has_points(&g, fi))
			continue; /* nothing to draw against size */
		snprintf(name, sizeof(name), "scaling-%s", g.families[fi].slug);
		snprintf(title, sizeof(title), "%s: %s against %s", g.families[fi].key,
			 kb_group_metric_label(g.families[fi].metric),
			 g.families[fi].size_param ? g.families[fi].size_param : "size");
		rc = make_plot(&p, "scaling", name, title, "scaling", write_scaling, &s);
		if (!rc) { /* the complexity fits beside the plot */
			bool err;
			char *cap = kb_group_fit_caption(&g, fi, &err);

			if (err)
				rc = kb_error(KB_ENOMEM, "out of memory");
			else if (cap)
				p.figs.v[p.figs.n - 1].caption = own(&p.figs, cap);
		}
	}
	if (!rc && have_cmp) {
		rc = make_plot(&p, "comparison", "comparison", "baseline vs current, relative to the"
			       " baseline median, with confidence intervals", "comparison",
			       write_comparison, &cmp);
		if (rc == -KB_ENOTFOUND) {
			fprintf(stderr, "kbench-report: %s; no comparison plot\n", kb_last_error());
			rc = 0;
		}
	}
	if (!rc)
		rc = a.ndists ? glob_dists(&p, &g) : default_dists(&p, &g);
	if (!rc && a.history)
		rc = history_figures(&p);
	if (rc) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}

	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S %z", localtime(&t));
	doc.title = a.title ? a.title : "kbench report";
	doc.generated = now;
	doc.inputs = a.inputs;
	doc.group = &g;
	doc.recs = recs;
	doc.nrecs = nrecs;
	doc.cmp = have_cmp ? &cmp : NULL;
	doc.cmp_source = a.compare ? a.compare : a.baseline;
	doc.machines = machines;
	doc.figs = p.figs.v;
	doc.nfigs = p.figs.n;
	if (a.no_plots) {
		snprintf(note, sizeof(note), "Plots were not rendered (--no-plots); their data files"
			 " are in data/.");
		doc.note = note;
	}
	snprintf(path, sizeof(path), "%s/index.html", a.out_dir);
	if (kb_file_write_atomic(path, write_html, &doc)) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/report.md", a.out_dir);
	if (kb_file_write_atomic(path, write_md, &doc)) {
		fprintf(stderr, "kbench-report: %s\n", kb_last_error());
		status = EXIT_FAIL;
		goto out;
	}
	if (!a.quiet) {
		printf("kbench-report: %s/index.html and %s/report.md", a.out_dir, a.out_dir);
		if (p.rendered)
			printf(", %zu plots in %s/plots/ (PNG and SVG)", p.rendered, a.out_dir);
		printf("\n");
		if (have_cmp && cmp.counts[KB_VERDICT_REGRESSED])
			printf("kbench-report: %zu regression%s marked in the report\n",
			       cmp.counts[KB_VERDICT_REGRESSED],
			       cmp.counts[KB_VERDICT_REGRESSED] == 1 ? "" : "s");
	}
out:
	free(recs);
	free(machines);
	kb_group_release(&g);
	for (size_t i = 0; i < p.figs.nowned; i++)
		free(p.figs.owned[i]);
	free(p.figs.owned);
	free(p.figs.v);
	if (have_cmp)
		kb_compare_release(&cmp);
	kb_run_clear(&base_run);
	for (size_t i = 0; i < a.ninputs; i++) {
		if (runs)
			kb_run_clear(&runs[i]);
		if (labels)
			free(labels[i]);
	}
	free(runs);
	free(labels);
	free(a.inputs);
	return status;
}
