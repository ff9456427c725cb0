// SPDX-License-Identifier: MIT
/*
 * The per-instance kernel log (printk.h): a byte ring that keeps the most
 * recent KERNEL_LOG_BYTES of text, a line per message, and a console that
 * sees the severe ones as they happen.  A message is formatted on the
 * caller's stack before the ring's lock is taken, so the lock covers a
 * memcpy, and nothing here allocates: a driver can log on an out-of-memory
 * path, and allocation-failure injection never changes what is logged.
 */
#include "kernel/printk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/device.h"
#include "kernel/kernel.h"

/* One message; longer ones are cut, as printk cuts at LOG_LINE_MAX. */
#define LOG_LINE_MAX	512

static void console_stderr(void *opaque, int level, const char *line)
{
	(void)opaque;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

void kernel_log_init(struct kernel *k)
{
	spin_lock_init(&k->log.lock);
	k->log.console_level = LOGLEVEL_WARNING;
	k->log.console = console_stderr;
}

void kernel_log_set_console(struct kernel *k, int console_level,
			    kernel_console_fn sink, void *opaque)
{
	spin_lock(&k->log.lock);
	k->log.console_level = console_level;
	k->log.console = sink;
	k->log.console_opaque = opaque;
	spin_unlock(&k->log.lock);
}

/* Appends len bytes to the ring; lockdep: k->log.lock held. */
static void log_append(struct kernel_log *log, const char *text, size_t len)
{
	while (len) {
		size_t at = log->written % KERNEL_LOG_BYTES;
		size_t n = len < KERNEL_LOG_BYTES - at ? len : KERNEL_LOG_BYTES - at;

		memcpy(log->ring + at, text, n);
		log->written += n;
		text += n;
		len -= n;
	}
}

static void log_line(struct kernel *k, int level, const char *line)
{
	kernel_console_fn console;
	void *opaque;
	size_t len = strlen(line);

	spin_lock(&k->log.lock);
	log_append(&k->log, line, len);
	log_append(&k->log, "\n", 1);
	console = level <= k->log.console_level ? k->log.console : NULL;
	opaque = k->log.console_opaque;
	spin_unlock(&k->log.lock);
	if (console)
		console(opaque, level, line);
}

static void vlog(struct kernel *k, int level, const char *prefix,
		 const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = prefix ? snprintf(line, sizeof(line), "%s: ", prefix) : 0;
	size_t len;

	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')	/* callers may end with one */
		line[--len] = '\0';
	log_line(k, level, line);
}

void kernel_printk(struct kernel *k, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(k, level, NULL, fmt, ap);
	va_end(ap);
}

void dev_printk(int level, const struct device *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(dev->k, level, dev_name(dev), fmt, ap);
	va_end(ap);
}

size_t kernel_log_read(struct kernel *k, char *buf, size_t len)
{
	size_t kept, start, n = 0;

	if (!len)
		return 0;
	spin_lock(&k->log.lock);
	kept = k->log.written < KERNEL_LOG_BYTES ? k->log.written : KERNEL_LOG_BYTES;
	if (kept > len - 1)
		kept = len - 1;
	start = k->log.written - kept;
	while (n < kept) {
		size_t at = (start + n) % KERNEL_LOG_BYTES;
		size_t chunk = kept - n < KERNEL_LOG_BYTES - at ? kept - n : KERNEL_LOG_BYTES - at;

		memcpy(buf + n, k->log.ring + at, chunk);
		n += chunk;
	}
	spin_unlock(&k->log.lock);
	buf[n] = '\0';
	return n;
}

bool kernel_log_contains(struct kernel *k, const char *text)
{
	static const size_t size = KERNEL_LOG_BYTES + 1;
	char *buf = malloc(size);
	bool found;

	if (!buf)
		return false;
	kernel_log_read(k, buf, size);
	found = strstr(buf, text) != NULL;
	free(buf);
	return found;
}

void kernel_log_clear(struct kernel *k)
{
	spin_lock(&k->log.lock);
	k->log.written = 0;
	spin_unlock(&k->log.lock);
}
