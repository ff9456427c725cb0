/* SPDX-License-Identifier: MIT */
/*
 * The kernel log of one instance (Linux's printk and dev_printk): drivers
 * say what they found with dev_err(), dev_warn(), dev_info() and dev_dbg()
 * on a device, or kpr_err() and friends on the instance itself.  Each
 * instance keeps its own log (a ring of the most recent bytes), so a host's
 * and a guest's messages never mix and a test can look for the message a
 * driver should have printed with kernel_log_contains().  Messages at or
 * above the console level (warnings and errors by default) also go to the
 * console sink, stderr unless kernel_log_set_console() says otherwise.
 */
#ifndef IOMMUSIM_KERNEL_PRINTK_H
#define IOMMUSIM_KERNEL_PRINTK_H

#include <stdbool.h>
#include <stddef.h>

struct kernel;
struct device;

/* Linux's log levels: lower is more severe. */
#define LOGLEVEL_ERR		3
#define LOGLEVEL_WARNING	4
#define LOGLEVEL_NOTICE		5
#define LOGLEVEL_INFO		6
#define LOGLEVEL_DEBUG		7

/* How much of the most recent log each instance keeps. */
#define KERNEL_LOG_BYTES	(64 * 1024)

void kernel_printk(struct kernel *k, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dev_printk(int level, const struct device *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define dev_err(dev, ...)	dev_printk(LOGLEVEL_ERR, dev, __VA_ARGS__)
#define dev_warn(dev, ...)	dev_printk(LOGLEVEL_WARNING, dev, __VA_ARGS__)
#define dev_notice(dev, ...)	dev_printk(LOGLEVEL_NOTICE, dev, __VA_ARGS__)
#define dev_info(dev, ...)	dev_printk(LOGLEVEL_INFO, dev, __VA_ARGS__)
#define dev_dbg(dev, ...)	dev_printk(LOGLEVEL_DEBUG, dev, __VA_ARGS__)
/* pr_*() with the instance they belong to: there is no global kernel. */
#define kpr_err(k, ...)		kernel_printk(k, LOGLEVEL_ERR, __VA_ARGS__)
#define kpr_warn(k, ...)	kernel_printk(k, LOGLEVEL_WARNING, __VA_ARGS__)
#define kpr_info(k, ...)	kernel_printk(k, LOGLEVEL_INFO, __VA_ARGS__)

/*
 * Where lines at level <= console_level go, one call per line without its
 * newline; NULL sink: nowhere.  The default is stderr at LOGLEVEL_WARNING.
 */
typedef void (*kernel_console_fn)(void *opaque, int level, const char *line);
void kernel_log_set_console(struct kernel *k, int console_level,
			    kernel_console_fn sink, void *opaque);

/* The log's most recent text, NUL-terminated in buf (up to len - 1 bytes). */
size_t kernel_log_read(struct kernel *k, char *buf, size_t len);
/* Whether a line of the kept log contains text. */
bool kernel_log_contains(struct kernel *k, const char *text);
void kernel_log_clear(struct kernel *k);

#endif
