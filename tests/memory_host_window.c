// SPDX-License-Identifier: MIT
/*
 * hw/memory's host window: the machine reaches this process's own bytes,
 * in place, exactly where and while they are pinned - read-only pins only
 * for reads - and a pin checks the host pages as pin_user_pages would.
 * DMA to one pinned page runs while other pages are pinned and unpinned.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>

#include "hw/memory.h"
#include "lib/types.h"
#include "tests/test.h"

#define WBASE	(1ULL << 47)
#define WSIZE	(1ULL << 47)
#define PG	4096UL

static struct phys_mem *mem;

static u64 pa_of(const void *p)
{
	return WBASE + (uintptr_t)p;
}

static void test_pin_rw(void)
{
	u8 *buf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 pa, v = 0;

	REQUIRE(buf != MAP_FAILED);
	/* Not pinned: a hole. */
	CHECK_EQ(phys_read(mem, pa_of(buf), &v, 8), -EFAULT);
	CHECK(phys_ram_ptr(mem, pa_of(buf), 8) == NULL);
	/* Pinned from an unaligned byte: its own address, no copy. */
	CHECK_EQ(phys_mem_pin_host(mem, buf + 0x10, PG, true, &pa), 0);
	CHECK_EQ(pa, pa_of(buf + 0x10));
	CHECK_EQ(phys_write64(mem, pa, 0x1122334455667788ULL), 0);
	CHECK_EQ(*(u64 *)(buf + 0x10), 0x1122334455667788ULL);
	buf[PG + 0x8] = 0x5a;			/* second page: pinned too */
	CHECK_EQ(phys_read(mem, pa_of(buf + PG + 8), &v, 1), 0);
	CHECK_EQ(v, 0x5a);
	CHECK(phys_ram_ptr(mem, pa, 8) == buf + 0x10);
	/* The page after the range is not. */
	CHECK_EQ(phys_read(mem, pa_of(buf + 2 * PG), &v, 1), -EFAULT);
	/* Straddling into it fails whole. */
	CHECK_EQ(phys_read(mem, pa_of(buf + 2 * PG - 4), &v, 8), -EFAULT);
	/* Pins nest. */
	CHECK_EQ(phys_mem_pin_host(mem, buf, 8, true, &pa), 0);
	phys_mem_unpin_host(mem, buf + 0x10, PG, true);
	CHECK_EQ(phys_read(mem, pa_of(buf), &v, 8), 0);
	CHECK_EQ(phys_read(mem, pa_of(buf + PG), &v, 8), -EFAULT);
	phys_mem_unpin_host(mem, buf, 8, true);
	CHECK_EQ(phys_read(mem, pa_of(buf), &v, 8), -EFAULT);
	munmap(buf, 4 * PG);
	/* Memory that is not mapped cannot be pinned. */
	CHECK_EQ(phys_mem_pin_host(mem, buf, PG, false, &pa), -EFAULT);
	CHECK_EQ(phys_mem_pin_host(mem, buf, 0, false, &pa), -EFAULT);
}

static void test_pin_read_only(void)
{
	u8 *buf = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 pa, v = 1;

	REQUIRE(buf != MAP_FAILED);
	/* Writable pins of read-only memory fail as FOLL_WRITE does. */
	CHECK_EQ(phys_mem_pin_host(mem, buf, PG, true, &pa), -EFAULT);
	CHECK_EQ(phys_mem_pin_host(mem, buf, PG, false, &pa), 0);
	CHECK_EQ(phys_read(mem, pa, &v, 8), 0);
	CHECK_EQ(v, 0);
	/* A device write there is an abort, not a SIGSEGV. */
	CHECK_EQ(phys_write64(mem, pa, 1), -EFAULT);
	CHECK(phys_ram_ptr(mem, pa, 8) == NULL);
	phys_mem_unpin_host(mem, buf, PG, false);
	munmap(buf, PG);
	/* PROT_NONE: nothing to pin. */
	buf = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	CHECK_EQ(phys_mem_pin_host(mem, buf, PG, false, &pa), -EFAULT);
	munmap(buf, PG);
}

/* A shared file mapping: pinnable up to the file's end, not past it. */
static void test_pin_file(void)
{
	char path[] = "/tmp/iommusim-hw-XXXXXX";
	int fd = mkstemp(path);
	u8 *p;
	u64 pa;

	REQUIRE(fd >= 0 && ftruncate(fd, PG) == 0);
	unlink(path);
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	CHECK_EQ(phys_mem_pin_host(mem, p, PG, true, &pa), 0);
	CHECK_EQ(phys_write64(mem, pa, 0xabcd), 0);
	CHECK_EQ(*(u64 *)p, 0xabcd);
	phys_mem_unpin_host(mem, p, PG, true);
	/* A device touching page 2 would take the SIGBUS: no pin. */
	CHECK_EQ(phys_mem_pin_host(mem, p, 2 * PG, false, &pa), -EFAULT);
	munmap(p, 2 * PG);
	close(fd);
}

/* The machine's own RAM is pinned by nature: its physical address. */
static void test_ram_is_ram(void)
{
	u8 *ram = phys_ram_ptr(mem, 0x40000000, PG);
	u64 pa;

	REQUIRE(ram);
	CHECK_EQ(phys_mem_pin_host(mem, ram + 5, 16, true, &pa), 0);
	CHECK_EQ(pa, 0x40000005);
	phys_mem_unpin_host(mem, ram + 5, 16, true);
	CHECK(phys_ram_ptr(mem, 0x40000000, PG) == ram);
}

static void test_add_errors(void)
{
	struct phys_mem *m = phys_mem_create();

	REQUIRE(m);
	CHECK_EQ(phys_mem_add_host_window(m, WBASE, WSIZE, 0x123, "u"), -EINVAL);
	CHECK_EQ(phys_mem_add_host_window(m, WBASE, 0, 0, "z"), -EINVAL);
	CHECK_EQ(phys_mem_add_host_window(m, WBASE, WSIZE, 0, "w"), 0);
	CHECK_EQ(phys_mem_add_ram(m, WBASE + WSIZE - PG, PG, "o"), -EEXIST);
	phys_mem_destroy(m);
}

struct race {
	u8 *buf;
	atomic_bool stop;
	unsigned long bad;
};

static void *dma_thread(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		u64 v;

		if (phys_read(mem, pa_of(r->buf), &v, 8) ||
		    phys_write64(mem, pa_of(r->buf + 8), v + 1))
			r->bad++;
	}
	return NULL;
}

/* Pins elsewhere (new radix nodes included) never disturb a pinned page. */
static void test_concurrent(void)
{
	struct race r = { 0 };
	pthread_t t;
	u8 *other = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 pa;

	r.buf = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(r.buf != MAP_FAILED && other != MAP_FAILED);
	REQUIRE(phys_mem_pin_host(mem, r.buf, PG, true, &pa) == 0);
	REQUIRE(pthread_create(&t, NULL, dma_thread, &r) == 0);
	for (int i = 0; i < 2000; i++) {
		u8 *p = other + (i % 64) * PG;

		CHECK_EQ(phys_mem_pin_host(mem, p, PG, i & 1, &pa), 0);
		phys_mem_unpin_host(mem, p, PG, i & 1);
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	CHECK_EQ(r.bad, 0);
	phys_mem_unpin_host(mem, r.buf, PG, true);
	munmap(r.buf, PG);
	munmap(other, 64 * PG);
}

/*
 * More pins than the host has physical pages: -ENOMEM at once, as
 * pin_user_pages would fail, not gigabytes of pin counts first (a
 * MAP_NORESERVE area twice the size of RAM, as the shim fuzz harness made).
 */
static void test_pin_beyond_ram(void)
{
	size_t len = (size_t)sysconf(_SC_PHYS_PAGES) * PG * 2;
	u8 *big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	u64 pa;

	if (big == MAP_FAILED) {
		CHECK(!"a MAP_NORESERVE area twice the RAM");
		return;
	}
	CHECK_EQ(phys_mem_pin_host(mem, big, len, true, &pa), -ENOMEM);
	/* Nothing was left pinned: a page of it is still a hole. */
	CHECK_EQ(phys_read(mem, pa_of(big), &pa, 8), -EFAULT);
	/* A page of it pins as ever. */
	CHECK_EQ(phys_mem_pin_host(mem, big, PG, true, &pa), 0);
	phys_mem_unpin_host(mem, big, PG, true);
	munmap(big, len);
}

int main(void)
{
	mem = phys_mem_create();
	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 1 << 20, "ram") == 0);
	REQUIRE(phys_mem_add_host_window(mem, WBASE, WSIZE, 0, "host") == 0);
	test_pin_rw();
	test_pin_read_only();
	test_pin_file();
	test_ram_is_ram();
	test_add_errors();
	test_concurrent();
	test_pin_beyond_ram();
	phys_mem_destroy(mem);
	return test_done();
}
