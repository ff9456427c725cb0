// SPDX-License-Identifier: MIT
/*
 * The kernel log (kernel/printk.h) as tests and tools rely on it: each
 * instance keeps its own messages, so a host's and a guest's never mix;
 * dev_*() prefixes the device's name; the console sees only what is severe
 * enough and can be redirected; KWARN_ON is logged as well as counted; the
 * ring keeps the most recent bytes when it wraps, and a message that is too
 * long is cut, never overrun.
 */
#include <string.h>

#include "kernel/device.h"
#include "kernel/kernel.h"
#include "tests/test.h"

struct console {
	int lines, last_level;
	char last[600];
};

static void capture(void *opaque, int level, const char *line)
{
	struct console *c = opaque;

	c->lines++;
	c->last_level = level;
	snprintf(c->last, sizeof(c->last), "%s", line);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct kernel *host, *guest;
	struct console hc = { 0 }, gc = { 0 };
	struct device dev = { 0 };
	static char buf[KERNEL_LOG_BYTES + 1], big[2000];

	REQUIRE(mem && !phys_mem_add_ram(mem, 0x40000000, 16 << 20, "ram"));
	host = kernel_create("host", mem, 0x40000000, 8 << 20);
	guest = kernel_create("guest", mem, 0x40800000, 8 << 20);
	REQUIRE(host && guest);
	kernel_log_set_console(host, LOGLEVEL_WARNING, capture, &hc);
	kernel_log_set_console(guest, LOGLEVEL_INFO, capture, &gc);

	device_initialize(&dev, host, "smmu0");
	dev_err(&dev, "GBPA not responding to update\n");
	dev_info(&dev, "probed: %d StreamID bits", 16);
	kpr_warn(guest, "guest says %s", "hello");

	/* Each log has its own lines, the device's name first. */
	CHECK(kernel_log_contains(host, "smmu0: GBPA not responding to update\n"));
	CHECK(kernel_log_contains(host, "smmu0: probed: 16 StreamID bits\n"));
	CHECK(!kernel_log_contains(host, "guest says"));
	CHECK(kernel_log_contains(guest, "guest says hello"));
	CHECK(!kernel_log_contains(guest, "smmu0"));
	/* The console: the host's shows errors and warnings, not info. */
	CHECK_EQ(hc.lines, 1);
	CHECK_EQ(hc.last_level, LOGLEVEL_ERR);
	CHECK(!strcmp(hc.last, "smmu0: GBPA not responding to update"));
	CHECK_EQ(gc.lines, 1);
	CHECK(!strcmp(gc.last, "guest says hello"));

	/* KWARN_ON: counted and logged. */
	CHECK(KWARN_ON(host, 1 + 1 == 2));
	CHECK_EQ(atomic_load(&host->warnings), 1);
	CHECK(kernel_log_contains(host, "WARNING: host: tests/kernel_log.c:"));
	CHECK_EQ(hc.lines, 2);

	/* Too long: cut, the log still whole. */
	memset(big, 'x', sizeof(big) - 1);
	kpr_err(host, "%s", big);
	CHECK_EQ(hc.lines, 3);
	CHECK(strlen(hc.last) < 600 && strlen(hc.last) > 400);

	/* Wrapping: the most recent bytes survive, the oldest go. */
	for (int i = 0; i < 4000; i++)
		kpr_info(host, "line %d of the flood", i);
	CHECK_EQ(hc.lines, 3);		/* info stayed off the console */
	CHECK(kernel_log_contains(host, "line 3999 of the flood\n"));
	CHECK(!kernel_log_contains(host, "GBPA not responding"));
	CHECK_EQ(kernel_log_read(host, buf, sizeof(buf)), KERNEL_LOG_BYTES);
	CHECK_EQ(kernel_log_read(host, buf, 8), 7);
	CHECK(!strcmp(buf, "flood\n") || strlen(buf) == 7);
	kernel_log_clear(host);
	CHECK_EQ(kernel_log_read(host, buf, sizeof(buf)), 0);
	CHECK(!kernel_log_contains(host, "flood"));

	kernel_destroy(guest);
	kernel_destroy(host);
	phys_mem_destroy(mem);
	return test_done();
}
