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

struct scenario {
	FILE *out;
	const struct scn_command *cmds;
	void *world;
	struct scn_result last;
	bool last_valid;
	bool last_checked;	/* an expect looked at rc */
	struct scn_line last_line;
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
	va_list ap;

	(void)s;
	fprintf(stderr, "%s:%u: ", l->file, l->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
			scn_error(s, l, "expected %s %s=%s, but it reported no %s",
				  s->last_line.cmd, a->key, a->val, a->key);
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

/*
 * How many positional words a command takes, read off its usage line
 * ("attach DEV DOMAIN [via=iommufd]": 2): words without '=' and not in
 * brackets, up to the "(...)" remark; -1 for "WORDS...", any number.
 */
static int usage_positionals(const char *usage)
{
	const char *p = usage + strcspn(usage, " ");
	int n = 0;

	for (;;) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (!len || *p == '(')
			return n;
		if (*p != '[' && !memchr(p, '=', len)) {
			if (len >= 3 && !strncmp(p + len - 3, "...", 3))
				return -1;
			n++;
		}
		p += len;
	}
}

/* A word after the command's arguments is a mistake, not something to ignore. */
static int check_extra_words(struct scenario *s, const struct scn_line *l,
			     const struct scn_command *c)
{
	int max = c->usage ? usage_positionals(c->usage) : -1;

	if (max < 0)
		return 0;
	for (int i = 0; i < l->nargs; i++)
		if (!l->args[i].key[0] && max-- <= 0)
			return scn_error(s, l, "%s: extra word '%s' (usage: %s)",
					 l->cmd, l->args[i].val, c->usage);
	return 0;
}

static int run_line(struct scenario *s, struct scn_line *l)
{
	const struct scn_command *c;
	struct scn_result r;

	if (!strcmp(l->cmd, "expect"))
		return do_expect(s, l);
	if (check_unexpected_failure(s))
		return -1;
	for (c = s->cmds; c->name; c++)
		if (!strcmp(c->name, l->cmd))
			break;
	if (!c->name)
		return scn_error(s, l, "unknown command '%s'", l->cmd);
	if (check_extra_words(s, l, c))
		return -1;
	memset(&r, 0, sizeof(r));
	if (c->fn(s, l, &r))
		return -1;
	s->last = r;
	s->last_line = *l;
	s->last_valid = true;
	s->last_checked = false;
	return 0;
}

int scenario_run(struct scenario *s, const char *name, const char *text)
{
	struct scn_line *l = calloc(1, sizeof(*l));
	const char *p = text;
	unsigned int lineno = 0;
	int ret = 0;

	if (!l)
		return -1;
	s->last_valid = false;
	while (*p && !ret) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[1024];

		lineno++;
		l->file = name;
		l->lineno = lineno;
		if (len >= sizeof(buf)) {
			ret = scn_error(s, l, "line too long (max %zu characters)",
					sizeof(buf) - 1);
			break;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = nl ? nl + 1 : p + len;
		ret = tokenize(s, buf, l);
		if (!ret && l->cmd[0])
			ret = run_line(s, l);
	}
	if (!ret)
		ret = check_unexpected_failure(s);
	free(l);
	return ret;
}
