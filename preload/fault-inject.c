// SPDX-License-Identifier: MIT
/*
 * Linux's fault-injection interface, served for the emulated kernel, so a
 * program that sweeps allocation failures the kernel's way (the selftest's
 * iommufd_fail_nth) drives the shim's kernel instead of the host's.
 *
 *   /proc/self/task/TID/fail-nth (and /proc/thread-self/fail-nth,
 *   /proc/PID/task/TID/fail-nth for this process): writing N makes the
 *   N-th allocation from then on fail, 0 disables; reading answers how
 *   many allocations are left before it, 0 once it was injected - the
 *   kernel's fs/proc/base.c proc_fail_nth_write/_read, on
 *   kernel_fail_nth() of the machine's kernel.  The count is the kernel
 *   instance's, not one task's: every thread's allocations count.
 *
 *   /sys/kernel/debug/failslab/ and /sys/kernel/debug/fail_page_alloc/:
 *   the knobs iommufd_fail_nth sets (ignore-gfp-wait, ignore-gfp-highmem,
 *   verbose, ...) open, take a well-formed value and read it back.  They
 *   change nothing: every allocation of the emulated kernel can fail, as
 *   with ignore-gfp-wait=N.  opendir("/sys/kernel/debug") lists these two
 *   directories only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "preload/preload.h"

#define DEBUGFS		"/sys/kernel/debug"

/* ------------------------------------------------------------ fail-nth */

struct text_file {
	char text[24];		/* a knob's value, or scratch for fail-nth */
	bool is_bool;		/* a knob taking Y/N */
	bool fail_nth;
};

static struct kernel *machine_kernel(void)
{
	struct preload_machine *m;

	return preload_machine_get(&m) ? NULL : preload_machine_kernel(m);
}

/* simple_read_from_buffer over what the file shows now. */
static ssize_t text_pread(struct shim_file *f, void *buf, size_t count, off_t off)
{
	struct text_file *t = f->priv;
	char now[24];
	size_t len;

	if (t->fail_nth) {
		struct kernel *k = machine_kernel();

		if (!k)
			return -ENODEV;
		snprintf(now, sizeof(now), "%lu\n", kernel_fail_nth_left(k));
	} else {
		snprintf(now, sizeof(now), "%s", t->text);
	}
	len = strlen(now);
	if ((size_t)off >= len)
		return 0;
	if (count > len - (size_t)off)
		count = len - (size_t)off;
	return shim_copy_to_user(buf, now + off, count) ? -EFAULT : (ssize_t)count;
}

/* kstrtouint_from_user (base 0, one trailing newline), or kstrtobool. */
static ssize_t text_pwrite(struct shim_file *f, const void *buf, size_t count,
			   off_t off)
{
	struct text_file *t = f->priv;
	char in[24], *end;
	unsigned long v;

	(void)off;
	if (count >= sizeof(in))
		return -EINVAL;
	if (shim_copy_from_user(in, buf, count))
		return -EFAULT;
	in[count] = '\0';
	if (count && in[count - 1] == '\n')
		in[count - 1] = '\0';
	if (t->is_bool) {
		if (!strchr("YyNn10", in[0]) || !in[0])
			return -EINVAL;
		snprintf(t->text, sizeof(t->text), "%c\n",
			 strchr("Yy1", in[0]) ? 'Y' : 'N');
		return (ssize_t)count;
	}
	errno = 0;
	v = strtoul(in, &end, 0);
	if (!in[0] || *end || in[0] == '-' || errno)
		return -EINVAL;
	if (v > 0xffffffffUL)
		return -ERANGE;
	if (t->fail_nth) {
		struct kernel *k = machine_kernel();

		if (!k)
			return -ENODEV;
		kernel_fail_nth(k, v);
	} else {
		snprintf(t->text, sizeof(t->text), "%lu\n", v);
	}
	return (ssize_t)count;
}

/* read/write keep no position: each starts at 0, as the tests use them. */
static ssize_t text_read(struct shim_file *f, void *buf, size_t count)
{
	return text_pread(f, buf, count, 0);
}

static ssize_t text_write(struct shim_file *f, const void *buf, size_t count)
{
	return text_pwrite(f, buf, count, 0);
}

static void text_release(struct shim_file *f)
{
	free(f->priv);
}

static const struct shim_file_ops text_fops = {
	.name = "fault-injection",
	.read = text_read,
	.write = text_write,
	.pread = text_pread,
	.pwrite = text_pwrite,
	.release = text_release,
};

static int text_open(int flags, bool fail_nth, bool is_bool, const char *init)
{
	struct text_file *t = calloc(1, sizeof(*t));
	int fd;

	if (!t)
		return -ENOMEM;
	t->fail_nth = fail_nth;
	t->is_bool = is_bool;
	snprintf(t->text, sizeof(t->text), "%s", init);
	fd = shim_file_install(&text_fops, t, flags, NULL);
	if (fd < 0)
		free(t);
	return fd;
}

/* "/proc/self/task/TID/fail-nth" and its spellings, for this process. */
static bool is_fail_nth(const char *path)
{
	char self[64];
	const char *p = NULL;

	if (strncmp(path, "/proc/", 6))
		return false;
	if (!strcmp(path, "/proc/thread-self/fail-nth"))
		return true;
	if (!strncmp(path, "/proc/self/task/", 16)) {
		p = path + 16;
	} else {
		snprintf(self, sizeof(self), "/proc/%d/task/", (int)getpid());
		if (!strncmp(path, self, strlen(self)))
			p = path + strlen(self);
	}
	if (!p || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !strcmp(p, "/fail-nth");
}

/* ------------------------------------------------------------ debugfs */

static const char *const fault_dirs[] = { "failslab", "fail_page_alloc" };

/* The knobs of lib/fault-inject.c, failslab.c and fail_page_alloc.c. */
static const struct {
	const char *name;
	const char *init;
	bool is_bool;
} knobs[] = {
	{ "probability", "0\n", false }, { "interval", "1\n", false },
	{ "times", "1\n", false }, { "space", "0\n", false },
	{ "verbose", "2\n", false }, { "task-filter", "N\n", true },
	{ "verbose_ratelimit_interval_ms", "0\n", false },
	{ "verbose_ratelimit_burst", "0\n", false },
	{ "ignore-gfp-wait", "Y\n", true }, { "ignore-gfp-highmem", "Y\n", true },
	{ "cache-filter", "N\n", true }, { "min-order", "1\n", false },
};

/* "failslab/verbose" and the like; -ENOENT for anything else. */
static int open_knob(const char *rel, int flags)
{
	for (size_t d = 0; d < sizeof(fault_dirs) / sizeof(fault_dirs[0]); d++) {
		size_t n = strlen(fault_dirs[d]);

		if (strncmp(rel, fault_dirs[d], n) || rel[n] != '/')
			continue;
		for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
			if (!strcmp(rel + n + 1, knobs[i].name))
				return text_open(flags, false, knobs[i].is_bool,
						 knobs[i].init);
	}
	return -ENOENT;
}

/* A directory descriptor for openat, standing for DEBUGFS. */
static const struct shim_file_ops debugfs_dir_fops = { .name = "debugfs" };

int fault_inject_open(int dirfd, const char *path, int flags, bool *served)
{
	struct shim_file *dir;

	*served = false;
	if (dirfd != AT_FDCWD && path[0] != '/') {
		dir = shim_fget(dirfd);
		if (!dir)
			return -ENOENT;
		*served = dir->ops == &debugfs_dir_fops;
		shim_fput(dir);
		return *served ? open_knob(path, flags) : -ENOENT;
	}
	if (is_fail_nth(path)) {
		*served = true;
		return text_open(flags, true, false, "");
	}
	if (!strncmp(path, DEBUGFS "/", strlen(DEBUGFS) + 1)) {
		int ret = open_knob(path + strlen(DEBUGFS) + 1, flags);

		*served = ret != -ENOENT;
		return ret;
	}
	return -ENOENT;
}

/* A DIR* of ours: what opendir(DEBUGFS) returns. */
struct fault_dir {
	unsigned int magic;
	int fd;
	unsigned int next;
	struct dirent ent;
};

#define FAULT_DIR_MAGIC	0x66646972	/* "fdir" */

bool fault_inject_is_dir_path(const char *path)
{
	return path && (!strcmp(path, DEBUGFS) || !strcmp(path, DEBUGFS "/"));
}

void *fault_inject_opendir(void)
{
	struct fault_dir *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = FAULT_DIR_MAGIC;
	d->fd = shim_file_install(&debugfs_dir_fops, NULL, O_RDONLY | O_CLOEXEC, NULL);
	if (d->fd < 0) {
		errno = -d->fd;
		free(d);
		return NULL;
	}
	return d;
}

/*
 * Whether p came from fault_inject_opendir.  Registered DIR pointers are
 * not tracked: a real glibc DIR starts with its descriptor (an int below
 * the magic's value), so the first word tells them apart.
 */
bool fault_inject_is_dir(const void *p)
{
	return p && ((const struct fault_dir *)p)->magic == FAULT_DIR_MAGIC;
}

struct dirent *fault_inject_readdir(void *p)
{
	static const char *const names[] = { ".", "..", "failslab",
					     "fail_page_alloc" };
	struct fault_dir *d = p;

	if (d->next >= sizeof(names) / sizeof(names[0]))
		return NULL;
	memset(&d->ent, 0, sizeof(d->ent));
	d->ent.d_ino = d->next + 1;
	d->ent.d_type = DT_DIR;
	d->ent.d_reclen = sizeof(d->ent);
	snprintf(d->ent.d_name, sizeof(d->ent.d_name), "%s", names[d->next++]);
	return &d->ent;
}

int fault_inject_dirfd(void *p)
{
	return ((struct fault_dir *)p)->fd;
}

int fault_inject_closedir(void *p)
{
	struct fault_dir *d = p;
	struct shim_file *f = shim_fd_forget(d->fd);

	libc()->close(d->fd);
	shim_fput(f);
	d->magic = 0;
	free(d);
	return 0;
}
