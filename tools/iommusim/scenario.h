/* SPDX-License-Identifier: MIT */
/*
 * The scenario language: one command per line, words separated by blanks,
 * '#' starts a comment.  A word is either positional ("nic0") or key=value
 * ("iova=0x100000").  Numbers take C prefixes and K/M/G suffixes; errnos are
 * written as Linux names ("-EBUSY").
 *
 * `print` takes the rest of its line as text, '=' and all.
 *
 * `set NAME=VALUE` defines a variable, used later as $NAME or ${NAME};
 * $.KEY is a value the previous command reported (set buf=$.iova), and
 * $$ a dollar.  `include FILE` runs another file's lines in place (a
 * relative FILE is found beside the including file).
 *
 * Every command leaves a result: a return code (0 or -errno, as the kernel
 * function returned it) and named values ("iova=0x8000000 data=3").  An
 * `expect key=value ...` line checks the previous command's result.  A
 * command that fails without an `expect rc=...` right after it fails the run,
 * so a scenario can never pass by ignoring an error.
 *
 * Errors in the file itself (unknown command, missing argument, bad number)
 * are reported as FILE:LINE: message and stop the run.
 */
#ifndef IOMMUSIM_TOOLS_SCENARIO_H
#define IOMMUSIM_TOOLS_SCENARIO_H

#include <stdarg.h>
#include <stdio.h>

#include "lib/types.h"

#define SCN_MAX_ARGS	16
#define SCN_MAX_WORD	96
#define SCN_MAX_KV	16
#define SCN_MAX_NAME	32	/* a variable's name */
#define SCN_MAX_VARS	64
#define SCN_MAX_INCLUDE	8	/* include nesting */
#define SCN_MAX_FILE	(1 << 20)

struct scn_arg {
	char key[SCN_MAX_WORD];	/* "" for a positional word */
	char val[SCN_MAX_WORD];
};

struct scn_line {
	const char *file;
	unsigned int lineno;
	char cmd[SCN_MAX_WORD];
	char raw[1024];		/* the rest of the line, for commands taking text */
	int nargs;
	struct scn_arg args[SCN_MAX_ARGS];
};

struct scn_result {
	int rc;
	int nkv;
	struct {
		char key[SCN_MAX_WORD];
		char val[SCN_MAX_WORD];
	} kv[SCN_MAX_KV];
};

struct scenario;

/*
 * A command: returns 0 when it ran (its kernel-side outcome is in r->rc),
 * or -1 after scn_error() for a mistake in the scenario text.
 */
struct scn_command {
	const char *name;
	int (*fn)(struct scenario *s, const struct scn_line *l,
		  struct scn_result *r);
	const char *usage;
};

struct scenario *scenario_create(FILE *out, const struct scn_command *cmds,
				 void *world);
void scenario_destroy(struct scenario *s);
void *scenario_world(struct scenario *s);
/*
 * --json: after each command, one JSON object on its own line to json
 * ({"file","line","command","rc","rc_name","values":{...}}; an expect
 * that held gives "ok":true, a mistake or failed check "error":"...").
 */
void scenario_set_json(struct scenario *s, FILE *json);
/* Run a whole text; name is used in messages.  0 on success, -1 on failure
 * (the message was printed to stderr). */
int scenario_run(struct scenario *s, const char *name, const char *text);
/*
 * A scenario file's text ("-": standard input), at most SCN_MAX_FILE bytes
 * with no NUL, to free(); NULL with the reason in why.
 */
char *scn_read_file(const char *path, char *why, size_t whylen);
FILE *scenario_out(struct scenario *s);

/* Report a mistake in the current line, as FILE:LINE: message. */
int scn_error(struct scenario *s, const struct scn_line *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Argument access: positional by index, or by key.  Each returns -1 after
 * scn_error() when a required argument is missing or malformed. */
const char *scn_pos(const struct scn_line *l, int idx);
const char *scn_key(const struct scn_line *l, const char *key);
int scn_need_pos(struct scenario *s, const struct scn_line *l, int idx,
		 const char *what, const char **out);
int scn_u64(struct scenario *s, const struct scn_line *l, const char *key,
	    bool required, u64 *out);
int scn_check_keys(struct scenario *s, const struct scn_line *l,
		   const char *const *allowed);
int scn_parse_u64(const char *str, u64 *out);

/* Results. */
void scn_set(struct scn_result *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void scn_set_hex(struct scn_result *r, const char *key, u64 val);

/* errno <-> name ("EINVAL"); unknown values print as a number. */
const char *scn_errno_name(int err);
int scn_errno_parse(const char *str, int *out);

#endif
