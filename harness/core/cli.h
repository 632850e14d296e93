/*
 * cli.h - parsing the runner's flags and environment, and recording them.
 */
#ifndef KB_CLI_H
#define KB_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "result.h"
#include "runner.h"

/*
 * Applies KBENCH_* variables, then argv, over *cfg (which holds defaults).
 * Returns 0 or -KB_EINVAL with a message naming the flag (or variable),
 * the value and what was expected.
 */
int kb_cli_parse(int argc, char **argv, struct kb_config *cfg, bool *help, bool *version);
void kb_cli_usage(FILE *f);
/* Writes every setting into run->config; `pinned` says what --pin did. */
void kb_cli_record(const struct kb_config *cfg, const char *pinned, struct kb_run *run);

#endif /* KB_CLI_H */
