// SPDX-License-Identifier: MIT
/*
 * Anonymous mappings under the shim come from the machine's RAM (so that
 * IOMMU_IOAS_MAP can pin them); to the program they must still behave as
 * mmap/munmap/mremap do: zero-filled, page-granular, contents kept across
 * mremap, EINVAL for a misaligned munmap, a PROT_NONE reservation filled
 * with MAP_FIXED, and every other kind of mapping left to libc - from
 * several threads at once.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client.h"

static size_t pg;

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	REQUIRE(p != MAP_FAILED);
	CHECK_EQ((uintptr_t)p % pg, 0);
	return p;
}

static void test_basic(void)
{
	unsigned char *a = map(3 * pg), *b;

	CHECK(all_zero(a, 3 * pg));
	memset(a, 0xa5, 3 * pg);
	/* A partial munmap, and a misaligned one. */
	CHECK_ERRNO(munmap(a + 1, pg), EINVAL);
	CHECK_EQ(munmap(a + 2 * pg, pg), 0);
	CHECK_EQ(a[pg], 0xa5);
	CHECK_EQ(munmap(a, 2 * pg), 0);
	/* Whatever comes back is zero again. */
	for (int i = 0; i < 8; i++) {
		b = map(pg);
		CHECK(all_zero(b, pg));
		memset(b, 1, pg);
		CHECK_EQ(munmap(b, pg), 0);
	}
	/* A length that is not a page multiple rounds up, as mmap does. */
	b = map(100);
	b[pg - 1] = 7;
	CHECK_EQ(munmap(b, 100), 0);
}

static void test_mremap(void)
{
	unsigned char *a = map(2 * pg), *b, *c;

	memset(a, 0x3c, 2 * pg);
	b = mremap(a, 2 * pg, pg, 0);		/* shrink in place */
	CHECK(b == a);
	c = map(pg);				/* may sit right after b */
	b = mremap(b, pg, 8 * pg, MREMAP_MAYMOVE);
	REQUIRE(b != MAP_FAILED);
	CHECK_EQ(b[0], 0x3c);
	CHECK_EQ(b[pg - 1], 0x3c);
	CHECK(all_zero(b + pg, 7 * pg));
	CHECK_EQ(munmap(b, 8 * pg), 0);
	CHECK_EQ(munmap(c, pg), 0);
}

/* A PROT_NONE reservation filled with MAP_FIXED, as QEMU maps guest RAM. */
static void test_reserve_then_fixed(void)
{
	unsigned char *r = mmap(NULL, 4 * pg, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned char *p;

	REQUIRE(r != MAP_FAILED);
	p = mmap(r + pg, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p == r + pg);
	CHECK(all_zero(p, 2 * pg));
	memset(p, 0x77, 2 * pg);
	CHECK_EQ(mprotect(r, pg, PROT_READ), 0);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(munmap(r, 4 * pg), 0);
	/* The pages come back zeroed and writable to whoever maps next. */
	for (int i = 0; i < 4; i++) {
		p = map(4 * pg);
		CHECK(all_zero(p, 4 * pg));
		p[0] = 1;
		CHECK_EQ(munmap(p, 4 * pg), 0);
	}
}

static void test_passthrough(void)
{
	char path[] = "/tmp/iommusim-um-XXXXXX";
	int fd = mkstemp(path);
	char *f, *ro;

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "hello", 5) == 5);
	f = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	REQUIRE(f != MAP_FAILED);
	CHECK(!memcmp(f, "hello", 5));
	CHECK_EQ(munmap(f, pg), 0);
	close(fd);
	unlink(path);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ro != MAP_FAILED);
	CHECK_EQ(ro[0], 0);
	CHECK_EQ(munmap(ro, pg), 0);
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_HUGETLB, -1, 0);		/* no huge pages here: libc's answer */
	if (ro != MAP_FAILED)
		munmap(ro, pg);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED);
	CHECK_EQ(errno, EBADF);
}

static void *thread_fn(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;

	for (int i = 0; i < 200; i++) {
		size_t len = ((seed * 31 + i) % 7 + 1) * pg;
		unsigned char *p = map(len);

		CHECK(all_zero(p, len));
		memset(p, (int)seed, len);
		sched_yield();
		CHECK_EQ(p[len - 1], (unsigned char)seed);
		CHECK_EQ(munmap(p, len), 0);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	pg = (size_t)sysconf(_SC_PAGESIZE);
	test_basic();
	test_mremap();
	test_reserve_then_fixed();
	test_passthrough();
	for (uintptr_t i = 0; i < 4; i++)
		REQUIRE(pthread_create(&t[i], NULL, thread_fn, (void *)(i + 1)) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return test_done();
}
