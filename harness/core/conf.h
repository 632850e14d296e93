/*
 * conf.h - kbench.conf, the user's statements about the machine that
 * override what is detected or measured.
 */
#ifndef KB_CONF_H
#define KB_CONF_H

/*
 * Loads a kbench.conf: "key = value" lines, '#' comments.  Keys:
 * peak.<name> (GFLOP/s or GB/s), cache.l1d / cache.l2 / cache.l3 (bytes,
 * k/M/G suffixes allowed), cpu.model.  Returns 0 or -KB_EIO / -KB_EPARSE
 * naming the file and line.  A NULL path tries $KBENCH_CONFIG, then
 * ./kbench.conf if it exists; *used receives the path read (or NULL).
 */
int kb_conf_load(const char *path, const char **used);
/* The value of a conf key, or NULL. */
const char *kb_conf_get(const char *key);
/* Forgets the loaded conf (tests). */
void kb_conf_clear(void);

/* A conf number (checked when the file was read); NAN if absent.  Cache
 * sizes take a k/M/G suffix, peaks do not. */
double kb_conf_number(const char *key);

/* Strips leading and trailing white space in place; returns the start. */
char *kb_conf_trim(char *s);

#endif /* KB_CONF_H */
