// SPDX-License-Identifier: MIT
/*
 * Scenario interpreter: see scenario.h for the language.
 *
 * The interpreter knows nothing of IOMMUs: it tokenises, dispatches to a
 * command table, keeps the last result for `expect`, and enforces that no
 * failure goes unchecked.  Input is untrusted (a file anybody wrote), so
 * every word is bounded and every malformed line is an error message, never
 * a crash.
 */
#include "tools/iommusim/scenario.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct scenario {
	FILE *out;
	FILE *json;		/* --json: one object per line, or NULL */
	const struct scn_command *cmds;
	void *world;
	struct scn_result last;
	bool last_valid;
	bool last_checked;	/* an expect looked at rc */
	struct scn_line last_line;
	int depth;		/* include nesting */
	int nvars;
	struct {
		char name[SCN_MAX_NAME];
		char val[SCN_MAX_WORD];
	} vars[SCN_MAX_VARS];
};

struct scenario *scenario_create(FILE *out, const struct scn_command *cmds,
				 void *world)
{
	struct scenario *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->out = out;
	s->cmds = cmds;
	s->world = world;
	return s;
}

void scenario_destroy(struct scenario *s)
{
	free(s);
}

void scenario_set_json(struct scenario *s, FILE *json)
{
	s->json = json;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *f, const char *str)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* {"file":..,"line":..,"command":.. — the opening every JSON line shares. */
static void json_open(struct scenario *s, const struct scn_line *l, const char *cmd)
{
	fputs("{\"file\":", s->json);
	json_str(s->json, l->file);
	fprintf(s->json, ",\"line\":%u,\"command\":", l->lineno);
	json_str(s->json, cmd);
}

static void rc_string(int rc, char *buf, size_t len);

/* One command's result: rc (and its errno name) and the named values. */
static void json_result(struct scenario *s, const struct scn_line *l,
			const struct scn_result *r)
{
	char rc[32];

	json_open(s, l, l->cmd);
	rc_string(r->rc, rc, sizeof(rc));
	fprintf(s->json, ",\"rc\":%d,\"rc_name\":", r->rc);
	json_str(s->json, rc);
	fputs(",\"values\":{", s->json);
	for (int k = 0; k < r->nkv; k++) {
		if (k)
			fputc(',', s->json);
		json_str(s->json, r->kv[k].key);
		fputc(':', s->json);
		json_str(s->json, r->kv[k].val);
	}
	fputs("}}\n", s->json);
}

void *scenario_world(struct scenario *s)
{
	return s->world;
}

FILE *scenario_out(struct scenario *s)
{
	return s->out;
}

int scn_error(struct scenario *s, const struct scn_line *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%u: %s\n", l->file, l->lineno, msg);
	if (s && s->json) {
		json_open(s, l, l->cmd);
		fputs(",\"error\":", s->json);
		json_str(s->json, msg);
		fputs("}\n", s->json);
	}
	return -1;
}

static const struct {
	const char *name;
	int val;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO },
	{ "ENXIO", ENXIO }, { "E2BIG", E2BIG }, { "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC }, { "ERANGE", ERANGE }, { "ENOSYS", ENOSYS },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "EOVERFLOW", EOVERFLOW },
	{ "ENOTTY", ENOTTY }, { "EBADF", EBADF }, { "ENOTSUP", ENOTSUP },
};

const char *scn_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].val == err)
			return errnos[i].name;
	return NULL;
}

int scn_errno_parse(const char *str, int *out)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(str, errnos[i].name)) {
			*out = errnos[i].val;
			return 0;
		}
	return -1;
}

/* Numbers: C syntax with an optional K/M/G/T binary suffix. */
int scn_parse_u64(const char *str, u64 *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!*str || *str == '-' || isspace((unsigned char)*str))
		return -1;
	errno = 0;
	v = strtoull(str, &end, 0);
	if (errno || end == str)
		return -1;
	switch (*end) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end || (shift && v > (~0ULL >> shift)))
		return -1;
	*out = (u64)v << shift;
	return 0;
}

const char *scn_pos(const struct scn_line *l, int idx)
{
	for (int i = 0; i < l->nargs; i++)
		if (!l->args[i].key[0] && idx-- == 0)
			return l->args[i].val;
	return NULL;
}

const char *scn_key(const struct scn_line *l, const char *key)
{
	for (int i = 0; i < l->nargs; i++)
		if (!strcmp(l->args[i].key, key))
			return l->args[i].val;
	return NULL;
}

int scn_need_pos(struct scenario *s, const struct scn_line *l, int idx,
		 const char *what, const char **out)
{
	*out = scn_pos(l, idx);
	if (!*out)
		return scn_error(s, l, "%s: missing %s", l->cmd, what);
	return 0;
}

int scn_u64(struct scenario *s, const struct scn_line *l, const char *key,
	    bool required, u64 *out)
{
	const char *v = scn_key(l, key);

	if (!v) {
		if (required)
			return scn_error(s, l, "%s: missing %s=", l->cmd, key);
		return 0;
	}
	if (scn_parse_u64(v, out))
		return scn_error(s, l, "%s: %s=%s is not a number", l->cmd, key, v);
	return 0;
}

int scn_check_keys(struct scenario *s, const struct scn_line *l,
		   const char *const *allowed)
{
	for (int i = 0; i < l->nargs; i++) {
		const char *const *a;

		if (!l->args[i].key[0])
			continue;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, l->args[i].key))
				break;
		if (!*a)
			return scn_error(s, l, "%s: unknown argument '%s='",
					 l->cmd, l->args[i].key);
	}
	return 0;
}

void scn_set(struct scn_result *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	int i;

	for (i = 0; i < r->nkv; i++)
		if (!strcmp(r->kv[i].key, key))
			break;
	if (i == r->nkv) {
		if (r->nkv == SCN_MAX_KV)
			return;
		r->nkv++;
		snprintf(r->kv[i].key, sizeof(r->kv[i].key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(r->kv[i].val, sizeof(r->kv[i].val), fmt, ap);
	va_end(ap);
}

void scn_set_hex(struct scn_result *r, const char *key, u64 val)
{
	scn_set(r, key, "0x%llx", (unsigned long long)val);
}

/* Split one line into words; -1 with a message on overlong input. */
static int tokenize(struct scenario *s, char *text, struct scn_line *l)
{
	char *p = text, *hash = strchr(text, '#');
	bool first = true;

	if (hash)
		*hash = '\0';
	l->nargs = 0;
	l->cmd[0] = '\0';
	l->raw[0] = '\0';
	for (;;) {
		char *w, *eq;
		size_t len;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		len = (size_t)(p - w);
		if (*p)
			*p++ = '\0';
		if (len >= SCN_MAX_WORD)
			return scn_error(s, l, "word too long (max %d characters)",
					 SCN_MAX_WORD - 1);
		if (first) {
			memcpy(l->cmd, w, len + 1);
			first = false;
			if (!strcmp(l->cmd, "print")) {
				size_t n;

				while (*p && isspace((unsigned char)*p))
					p++;
				n = strlen(p);
				while (n && isspace((unsigned char)p[n - 1]))
					n--;
				memcpy(l->raw, p, n);	/* lines are < 1024 bytes */
				l->raw[n] = '\0';
				return 0;
			}
			continue;
		}
		if (l->nargs == SCN_MAX_ARGS)
			return scn_error(s, l, "too many arguments (max %d)",
					 SCN_MAX_ARGS);
		eq = strchr(w, '=');
		if (eq == w)
			return scn_error(s, l, "'%s': empty key", w);
		if (eq) {
			size_t klen = (size_t)(eq - w);

			memcpy(l->args[l->nargs].key, w, klen);
			l->args[l->nargs].key[klen] = '\0';
			memcpy(l->args[l->nargs].val, eq + 1, len - klen);
		} else {
			l->args[l->nargs].key[0] = '\0';
			memcpy(l->args[l->nargs].val, w, len + 1);
		}
		l->nargs++;
	}
}

/* Values match numerically when both parse as numbers or errnos. */
static bool value_matches(const char *want, const char *got)
{
	u64 a, b;
	int ea, eb;

	if (!strcmp(want, got))
		return true;
	if (!scn_parse_u64(want, &a) && !scn_parse_u64(got, &b))
		return a == b;
	if (want[0] == '-' && got[0] == '-' && !scn_errno_parse(want + 1, &ea) &&
	    !scn_errno_parse(got + 1, &eb))
		return ea == eb;
	return false;
}

static void rc_string(int rc, char *buf, size_t len)
{
	const char *n = rc < 0 ? scn_errno_name(-rc) : NULL;

	if (n)
		snprintf(buf, len, "-%s", n);
	else
		snprintf(buf, len, "%d", rc);
}

/* "rc, iova, pa" — what the last command reported, for error messages. */
static void reported_keys(const struct scn_result *r, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "rc");

	for (int k = 0; k < r->nkv && used < len; k++)
		used += snprintf(buf + used, len - used, ", %s", r->kv[k].key);
}

static int do_expect(struct scenario *s, const struct scn_line *l)
{
	int failures = 0;

	if (!s->last_valid)
		return scn_error(s, l, "expect: no command before it");
	if (!l->nargs)
		return scn_error(s, l, "expect: nothing to check (use key=value)");
	for (int i = 0; i < l->nargs; i++) {
		const struct scn_arg *a = &l->args[i];
		char got[SCN_MAX_WORD];
		const char *g = NULL;

		if (!a->key[0])
			return scn_error(s, l, "expect: '%s' is not key=value", a->val);
		if (!strcmp(a->key, "rc")) {
			int want;

			if (a->val[0] == '-' && !scn_errno_parse(a->val + 1, &want))
				want = -want;
			else if (!strcmp(a->val, "0") || !strcmp(a->val, "ok"))
				want = 0;
			else
				return scn_error(s, l, "expect: rc=%s: use 0, ok or -ENAME",
						 a->val);
			s->last_checked = true;
			if (want != s->last.rc) {
				char w[32], gr[32];

				rc_string(want, w, sizeof(w));
				rc_string(s->last.rc, gr, sizeof(gr));
				scn_error(s, l, "expected %s rc=%s, got rc=%s",
					  s->last_line.cmd, w, gr);
				failures++;
			}
			continue;
		}
		for (int k = 0; k < s->last.nkv; k++)
			if (!strcmp(s->last.kv[k].key, a->key))
				g = s->last.kv[k].val;
		if (!g) {
			char keys[512];

			reported_keys(&s->last, keys, sizeof(keys));
			scn_error(s, l, "expected %s %s=%s, but it reported no %s (it reported %s)",
				  s->last_line.cmd, a->key, a->val, a->key, keys);
			failures++;
			continue;
		}
		snprintf(got, sizeof(got), "%s", g);
		if (!value_matches(a->val, got)) {
			scn_error(s, l, "expected %s %s=%s, got %s=%s",
				  s->last_line.cmd, a->key, a->val, a->key, got);
			failures++;
		}
	}
	if (s->json && !failures) {
		json_open(s, l, "expect");
		fputs(",\"ok\":true}\n", s->json);
	}
	return failures ? -1 : 0;
}

/* A failed command must be followed by an expect that checks its rc. */
static int check_unexpected_failure(struct scenario *s)
{
	char rc[32];

	if (!s->last_valid || s->last.rc >= 0 || s->last_checked)
		return 0;
	rc_string(s->last.rc, rc, sizeof(rc));
	return scn_error(s, &s->last_line,
			 "%s failed with %s (add 'expect rc=%s' if that is intended)",
			 s->last_line.cmd, rc, rc);
}

static int do_set(struct scenario *s, const struct scn_line *l);
static int do_include(struct scenario *s, const struct scn_line *l);
static int unknown_command(struct scenario *s, const struct scn_line *l);

static int run_line(struct scenario *s, struct scn_line *l)
{
	const struct scn_command *c;
	struct scn_result r;

	if (!strcmp(l->cmd, "expect"))
		return do_expect(s, l);
	if (check_unexpected_failure(s))
		return -1;
	if (!strcmp(l->cmd, "set"))
		return do_set(s, l);
	if (!strcmp(l->cmd, "include"))
		return do_include(s, l);
	for (c = s->cmds; c->name; c++)
		if (!strcmp(c->name, l->cmd))
			break;
	if (!c->name)
		return unknown_command(s, l);
	memset(&r, 0, sizeof(r));
	if (c->fn(s, l, &r))
		return -1;
	if (s->json)
		json_result(s, l, &r);
	s->last = r;
	s->last_line = *l;
	s->last_valid = true;
	s->last_checked = false;
	return 0;
}

/* ------------------------------------------------------------ variables */

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const char *var_get(struct scenario *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i].name, name))
			return s->vars[i].val;
	return NULL;
}

/*
 * set NAME=VALUE...: scenario variables, used later as $NAME or ${NAME}.
 * VALUE may itself be $.KEY, a value the previous command reported
 * (set buf=$.iova after dma-map), expanded like any word.
 */
static int do_set(struct scenario *s, const struct scn_line *l)
{
	if (!l->nargs)
		return scn_error(s, l, "set: nothing to set (use NAME=VALUE)");
	for (int i = 0; i < l->nargs; i++) {
		const struct scn_arg *a = &l->args[i];
		int v;

		if (!a->key[0])
			return scn_error(s, l, "set: '%s' is not NAME=VALUE", a->val);
		for (const char *c = a->key; *c; c++)
			if (!is_name_char(*c) || strlen(a->key) >= SCN_MAX_NAME)
				return scn_error(s, l, "set: '%s' is not a name (letters, digits, _; at most %d)",
						 a->key, SCN_MAX_NAME - 1);
		for (v = 0; v < s->nvars; v++)
			if (!strcmp(s->vars[v].name, a->key))
				break;
		if (v == SCN_MAX_VARS)
			return scn_error(s, l, "set: at most %d variables", SCN_MAX_VARS);
		if (v == s->nvars) {
			s->nvars++;
			snprintf(s->vars[v].name, sizeof(s->vars[v].name), "%s", a->key);
		}
		snprintf(s->vars[v].val, sizeof(s->vars[v].val), "%s", a->val);
	}
	return 0;
}

/*
 * Replaces $NAME, ${NAME} and $.KEY in one line up to its comment; $$ is
 * a dollar.  -1 with a message for an unknown name or an overlong result.
 */
static int expand_line(struct scenario *s, struct scn_line *l, const char *in,
		       char *out, size_t len)
{
	size_t o = 0;

	while (*in && *in != '#') {
		char name[SCN_MAX_NAME];
		const char *val = NULL, *start = in;
		bool braced, last_key;
		size_t n = 0, vlen;

		if (*in != '$' || in[1] == '$') {
			if (o + 1 >= len)
				goto too_long;
			out[o++] = *in;
			in += *in == '$' ? 2 : 1;
			continue;
		}
		in++;
		braced = *in == '{';
		in += braced;
		last_key = *in == '.';
		in += last_key;
		while (is_name_char(*in) && n + 1 < sizeof(name))
			name[n++] = *in++;
		name[n] = '\0';
		if (braced && *in++ != '}')
			return scn_error(s, l, "'%.*s': unclosed ${", (int)(in - start), start);
		if (!n)
			return scn_error(s, l, "a '$' with no name after it (write $$ for a dollar)");
		if (last_key) {
			for (int k = 0; s->last_valid && k < s->last.nkv; k++)
				if (!strcmp(s->last.kv[k].key, name))
					val = s->last.kv[k].val;
			if (!val) {
				char keys[512] = "nothing";

				if (s->last_valid)
					reported_keys(&s->last, keys, sizeof(keys));
				return scn_error(s, l, "$.%s: the previous command reported no %s (it reported %s)",
						 name, name, keys);
			}
		} else if (!(val = var_get(s, name))) {
			return scn_error(s, l, "$%s: no such variable (set it first with 'set %s=VALUE')",
					 name, name);
		}
		vlen = strlen(val);
		if (o + vlen >= len)
			goto too_long;
		memcpy(out + o, val, vlen);
		o += vlen;
	}
	out[o] = '\0';
	return 0;
too_long:
	return scn_error(s, l, "line too long after expanding variables (max %zu characters)",
			 len - 1);
}

/* ------------------------------------------------------------ files */

char *scn_read_file(const char *path, char *why, size_t whylen)
{
	struct stat st;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	/* fopen() opens a directory for reading; a scenario is a file. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "is a directory, not a scenario file");
		goto out;
	}
	buf = malloc(SCN_MAX_FILE + 1);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	n = fread(buf, 1, SCN_MAX_FILE + 1, f);
	if (ferror(f))
		snprintf(why, whylen, "%s", strerror(errno));
	else if (n > SCN_MAX_FILE)
		snprintf(why, whylen, "larger than %d bytes", SCN_MAX_FILE);
	else if (memchr(buf, '\0', n))
		snprintf(why, whylen, "contains a NUL byte: not a scenario file");
	else {
		buf[n] = '\0';
		goto out;
	}
	free(buf);
	buf = NULL;
out:
	if (f != stdin)
		fclose(f);
	return buf;
}

/*
 * include FILE: runs FILE's lines here, as if pasted, with its own name
 * and line numbers in messages.  A relative FILE is found beside the file
 * that includes it.  Variables and the last result carry across.
 */
static int do_include(struct scenario *s, const struct scn_line *l)
{
	const char *file, *slash = strrchr(l->file, '/');
	char path[1024], why[128];
	char *text;
	int ret;

	if (scn_need_pos(s, l, 0, "file name", &file))
		return -1;
	if (l->nargs > 1)
		return scn_error(s, l, "include: one file at a time");
	if (s->depth >= SCN_MAX_INCLUDE)
		return scn_error(s, l, "include: nested deeper than %d files (an include loop?)",
				 SCN_MAX_INCLUDE);
	if (file[0] != '/' && slash)
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - l->file), l->file, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	text = scn_read_file(path, why, sizeof(why));
	if (!text)
		return scn_error(s, l, "include: %s: %s", path, why);
	s->depth++;
	ret = scenario_run(s, path, text);
	s->depth--;
	free(text);
	return ret;
}

/* ------------------------------------------------------------ commands */

/* Edit distance of two short words (names are < SCN_MAX_WORD). */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[SCN_MAX_WORD + 1], la = strlen(a), lb = strlen(b);

	if (la > SCN_MAX_WORD || lb > SCN_MAX_WORD)
		return ~0u;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static int unknown_command(struct scenario *s, const struct scn_line *l)
{
	static const char *const builtins[] = { "expect", "set", "include", NULL };
	const char *best = NULL;
	unsigned int best_d = ~0u, d;

	for (const struct scn_command *c = s->cmds; c->name; c++)
		if ((d = edit_distance(l->cmd, c->name)) < best_d)
			best_d = d, best = c->name;
	for (const char *const *b = builtins; *b; b++)
		if ((d = edit_distance(l->cmd, *b)) < best_d)
			best_d = d, best = *b;
	if (best && best_d <= 2 + strlen(l->cmd) / 4)
		return scn_error(s, l, "unknown command '%s'; did you mean '%s'? "
				 "(iommusim --help-commands lists them all)", l->cmd, best);
	return scn_error(s, l, "unknown command '%s' (iommusim --help-commands lists them all)",
			 l->cmd);
}

/* Whether a raw line is an expect (which may look at a failure). */
static bool is_expect(const char *raw)
{
	while (isspace((unsigned char)*raw))
		raw++;
	return !strncmp(raw, "expect", 6) &&
	       (!raw[6] || isspace((unsigned char)raw[6]) || raw[6] == '#');
}

int scenario_run(struct scenario *s, const char *name, const char *text)
{
	struct scn_line *l = calloc(1, sizeof(*l));
	const char *p = text;
	unsigned int lineno = 0;
	int ret = 0;

	if (!l)
		return -1;
	if (!s->depth)
		s->last_valid = false;
	while (*p && !ret) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char raw[1024], buf[1024];

		lineno++;
		l->file = name;
		l->lineno = lineno;
		if (len >= sizeof(raw)) {
			ret = scn_error(s, l, "line too long (max %zu characters)",
					sizeof(raw) - 1);
			break;
		}
		memcpy(raw, p, len);
		raw[len] = '\0';
		p = nl ? nl + 1 : p + len;
		/*
		 * A failure nobody checked is the first thing to report, before
		 * a variable that the failed command never set.
		 */
		if (!is_expect(raw))
			ret = check_unexpected_failure(s);
		if (!ret)
			ret = expand_line(s, l, raw, buf, sizeof(buf));
		if (!ret)
			ret = tokenize(s, buf, l);
		if (!ret && l->cmd[0])
			ret = run_line(s, l);
	}
	if (!ret && !s->depth)
		ret = check_unexpected_failure(s);
	free(l);
	return ret;
}
