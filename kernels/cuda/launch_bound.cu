/*
 * launch_bound.cu - the launch-bound rule and its share over recorded
 * samples (launch_bound.h explains both).  Host code only.
 */
#include "cuda/launch_bound.h"

#include <stdlib.h>
#include <string.h>

/* One benchmark instance's tally, kept across the runner's calls. */
struct kb_lb_tally {
	char *id;
	size_t recorded; /* batches the runner kept as samples */
	size_t starved;  /* of those, launch-bound ones */
};

static struct kb_lb_tally *g_tallies;
static size_t g_ntallies;
static struct kb_lb_tally *g_cur; /* the instance of the current call */

bool kb_cuda_batch_starved(double gpu_ns, double queued_ns, double head_start_ns)
{
	return queued_ns > gpu_ns + head_start_ns / 2;
}

static struct kb_lb_tally *tally(const char *id)
{
	struct kb_lb_tally *t;

	for (size_t i = 0; i < g_ntallies; i++)
		if (strcmp(g_tallies[i].id, id) == 0)
			return &g_tallies[i];
	t = (struct kb_lb_tally *)realloc(g_tallies, (g_ntallies + 1) * sizeof(*t));
	if (!t)
		return NULL;
	g_tallies = t;
	t = &g_tallies[g_ntallies];
	memset(t, 0, sizeof(*t));
	t->id = strdup(id);
	if (!t->id)
		return NULL;
	g_ntallies++;
	return t;
}

static void write_share(struct kb_state *state, const struct kb_lb_tally *t)
{
	kb_set_counter(state, "launch_bound",
		       t->recorded ? (double)t->starved / (double)t->recorded : 0.0);
}

void kb_cuda_launch_bound_call(struct kb_state *state)
{
	g_cur = tally(kb_id(state));
	if (!g_cur)
		return; /* out of memory: no counter rather than a wrong one */
	write_share(state, g_cur);
}

void kb_cuda_launch_bound_batch(struct kb_state *state, bool starved)
{
	struct kb_lb_tally *t = g_cur;

	if (!t || strcmp(t->id, kb_id(state)) != 0)
		return;
	/* the warmup call and each round's refill batches are not samples */
	if (kb_batch_kept(state)) {
		t->recorded++;
		t->starved += starved;
	}
	write_share(state, t);
}
