/*
 * tool.h - what the command-line tools (harness/cmd/kbench-*.c) share: an
 * error line that starts with the tool's name, "--name=value" matching,
 * boolean environment values and the decision to colour a stream.
 */
#ifndef KB_TOOL_H
#define KB_TOOL_H

#include <stdbool.h>
#include <stdio.h>

/* Every tool's exit status for bad usage or bad input. */
#define KB_TOOL_EXIT_BAD 2

/* The name error lines start with ("kbench-compare"); call first in main. */
void kb_tool_init(const char *name);

/* Prints "<name>: <message>" on stderr and returns KB_TOOL_EXIT_BAD. */
int kb_tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when arg is "--name=value" (the value may be empty); *val is then
 * set to the value.  Every tool parses its flags with this and reports a
 * bad one with kb_tool_fail. */
bool kb_tool_flag(const char *arg, const char *name, const char **val);

/* An environment value meaning yes: set, not empty, not 0/false/no. */
bool kb_tool_env_true(const char *v);

/* The report format of kbench-compare and kbench-ab: given (empty or NULL
 * means console) when it is console, markdown, md or json, in *format;
 * otherwise kb_tool_fail's message and KB_TOOL_EXIT_BAD. */
int kb_tool_report_format(const char *given, const char **format);

/* Colour on f: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool kb_tool_want_color(FILE *f);

#endif /* KB_TOOL_H */
