/*
 * The kernel command line: space-separated key=value words; a value may be
 * "double quoted" to hold spaces (autorun="free; lsmem -a").
 *   mem=SIZE       ignore RAM at or above SIZE
 *   loglevel=N     print messages of level <= N (0-7)
 *   autorun=CMDS   run shell commands (separated by ';') before the prompt
 */
#ifndef BALLAST_CMDLINE_H
#define BALLAST_CMDLINE_H

#include <ballast/types.h>

#define CMDLINE_MAX 1024

extern char boot_cmdline[CMDLINE_MAX];
/* The loader's line did not fit: cmdline_set dropped it. */
extern bool boot_cmdline_dropped;

/*
 * Take the loader's command line whole or not at all: a cut line could run
 * a cut autorun command or apply a cut mem=.
 */
void cmdline_set(const char *s);

/*
 * Copy the value of key from cmdline into val. Returns 0, -ENOENT when the
 * key is absent, -E2BIG when the value does not fit (val then unchanged).
 * A bare word "key" has the empty value.
 */
int cmdline_param(const char *cmdline, const char *key, char *val, size_t len);

/*
 * A two-way switch KEY=ON_WORD|OFF_WORD: 1 and *on set when the line says
 * one of the two, 0 when KEY is absent, -EINVAL for anything else (*on
 * unchanged; the caller says so).
 */
int cmdline_switch(const char *cmdline, const char *key, const char *on_word,
		   const char *off_word, bool *on);

/* Calls fn for each ';'-separated command in list (trimmed, non-empty). */
void cmdline_for_each_cmd(const char *list, void (*fn)(const char *cmd));

#endif
