/*
 * config.c - the default settings of a run.
 */
#include "config.h"

#include <string.h>

void kb_config_defaults(struct kb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->format = KB_FORMAT_CONSOLE;
	cfg->out_format = KB_FORMAT_JSON;
	cfg->min_time_s = 0.001;
	cfg->warmup_s = 0.1;
	cfg->refill_s = 0.005;
	cfg->target_ci = 0.01;
	cfg->max_time_s = 2.0;
	cfg->min_rounds = 6;
	cfg->samples_per_round = 5;
	cfg->ci_level = 0.95;
	cfg->seed = 42;
	cfg->threads = 0;
	cfg->pin = "auto";
	cfg->metric = KB_METRIC_TIME;
	cfg->processes = 0;
	cfg->worker_timeout_s = 120;
	cfg->drift_spec = "auto";
}
