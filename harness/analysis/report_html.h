/*
 * report_html.h - the report a person reads: one self-contained HTML page
 * (CSS inline, plots inlined as SVG, no script, no network) and the same
 * content as Markdown for pull requests and terminals (plots as relative
 * PNG links).
 *
 * Sections, in order: summary, verdicts (when a comparison is given),
 * recommendations (the fastest kernel per family and size, with the
 * speed-up's interval), plots (scaling, comparison, distribution,
 * history), results (every benchmark of every run, errors and skips
 * included) and the machine context of each run.
 */
#ifndef KB_REPORT_HTML_H
#define KB_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "report_group.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One plot of the report. */
struct kb_report_figure {
	const char *kind;  /* "scaling", "comparison", "distribution" or "history" */
	const char *title;
	const char *svg;   /* SVG file to inline (HTML), or NULL when not rendered */
	const char *png;   /* PNG path as the Markdown links it (relative), or NULL */
	const char *data;  /* data file path as the reports link it (relative) */
	const char *caption; /* a line under the plot (the complexity fits), or NULL */
};

struct kb_report_doc {
	const char *title;                 /* page title */
	const char *generated;             /* date the report was made */
	const char *const *inputs;         /* file of each run (group->runs order) */
	const struct kb_group *group;      /* the runs, grouped */
	const struct kb_recommendation *recs;
	size_t nrecs;
	const struct kb_compare *cmp;      /* verdicts, or NULL */
	const char *cmp_source;            /* the comparison's file, or NULL */
	const struct kb_report_figure *figs;
	size_t nfigs;
	const char *note;                  /* shown under the title (e.g. plots skipped), or NULL */
	const char *machines;              /* the cross-hardware report (report_machines.h) as
					    * text, shown as is, or NULL */
};

/* Writes the HTML page. Returns 0, -KB_EIO (write or SVG read failed). */
int kb_report_html(FILE *f, const struct kb_report_doc *doc);
/* Writes the Markdown report. Returns 0 or -KB_EIO. */
int kb_report_markdown(FILE *f, const struct kb_report_doc *doc);

/*
 * Copies an SVG file into `f` for inlining: drops the XML prolog and
 * doctype, and prefixes every id (and the references to it) with
 * `prefix`, so several gnuplot SVGs can share a page.  Returns 0 or
 * -KB_EIO.
 */
int kb_report_inline_svg(FILE *f, const char *path, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_HTML_H */
