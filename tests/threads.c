// SPDX-License-Identifier: MIT
/*
 * Thread safety of what several CPUs and devices use at once, written to be
 * run under ThreadSanitizer (`make tsan`), where any data race fails the
 * program; the plain and ASan builds check the results.
 *
 *  - one kernel's page allocator and kzalloc from several threads, blocks
 *    never handed out twice, and fail-nth failing exactly one allocation
 *    whichever thread makes it;
 *  - endpoints doing DMA to disjoint RAM and firing MSIs through the ITS
 *    while a CPU thread maps, unmaps and acknowledges.
 *
 * As the IOMMU core, IOVA allocator and dma-iommu land, their concurrent
 * users (map/unmap of disjoint ranges, alloc/free, MSI prepare, device
 * translations) belong here too.
 */
#include <pthread.h>

#include "hw/endpoint.h"
#include "kernel/kernel.h"
#include "tests/its-helpers.h"

#define NR_THREADS	4

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- page allocator and kzalloc ---- */

struct alloc_thread {
	struct kernel *k;
	unsigned int id;
	unsigned int nulls;	/* kzalloc failures seen */
	unsigned int corrupt;	/* blocks whose contents another thread changed */
	unsigned int bad_frees;	/* CHECK is not thread-safe: count, check after join */
};

#define SLOTS	16

static void *alloc_thread_fn(void *p)
{
	struct alloc_thread *t = p;
	phys_addr_t blk[SLOTS] = { 0 };
	unsigned int order[SLOTS] = { 0 };
	u64 seed = 0x9e3779b97f4a7c15ull * (t->id + 1);

	for (int i = 0; i < 3000; i++) {
		unsigned int s = rnd(&seed) % SLOTS;
		void *obj;

		if (blk[s]) {
			u64 *v = phys_to_virt(t->k, blk[s], 8);

			if (!v || *v != (blk[s] ^ t->id))
				t->corrupt++;
			if (kernel_free_pages(t->k, blk[s], PAGE_SIZE << order[s]))
				t->bad_frees++;
			blk[s] = 0;
		} else {
			order[s] = rnd(&seed) % 4;
			blk[s] = kernel_alloc_pages(t->k, PAGE_SIZE << order[s]);
			if (blk[s])
				*(u64 *)phys_to_virt(t->k, blk[s], 8) = blk[s] ^ t->id;
		}
		obj = kzalloc(t->k, 64);
		if (!obj)
			t->nulls++;
		kfree(obj);
	}
	for (unsigned int s = 0; s < SLOTS; s++)
		if (blk[s] && kernel_free_pages(t->k, blk[s], PAGE_SIZE << order[s]))
			t->bad_frees++;
	return NULL;
}

static void test_allocators(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct alloc_thread t[NR_THREADS];
	pthread_t th[NR_THREADS];
	unsigned int nulls = 0, corrupt = 0, bad_frees = 0;
	struct kernel *k;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	REQUIRE(k);
	/* The 5000th allocation (pages or heap, any thread) fails, and only it. */
	kernel_fail_nth(k, 5000);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		t[i] = (struct alloc_thread){ .k = k, .id = i };
		REQUIRE(pthread_create(&th[i], NULL, alloc_thread_fn, &t[i]) == 0);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
		nulls += t[i].nulls;
		corrupt += t[i].corrupt;
		bad_frees += t[i].bad_frees;
	}
	CHECK_EQ(corrupt, 0);
	CHECK_EQ(bad_frees, 0);
	/* A page allocation can fail for want of memory too; kzalloc cannot. */
	CHECK(nulls <= 1);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 0);
	CHECK_EQ(page_alloc_check(k->pages), 0);
	CHECK_EQ(atomic_load(&k->kmalloc_fail_nth), 0);
	kernel_destroy(k);
	phys_mem_destroy(mem);
}

/* ---- endpoints, ITS and a CPU ---- */

#define NR_EPS		3
#define MSIS		3000
#define RID(i)		(0x100 + (i))

struct ep_thread {
	struct endpoint *ep;
	unsigned int id;
	int dma_errors;
	int msi_errors;
};

static void *ep_thread_fn(void *p)
{
	struct ep_thread *t = p;
	phys_addr_t src = SCRATCH_PA + t->id * 0x10000, dst = src + 0x8000;
	u8 buf[256], back[256];

	for (int i = 0; i < MSIS; i++) {
		if (i % 16 == 0) {
			memset(buf, (int)(t->id * 16 + i), sizeof(buf));
			if (endpoint_dma_write(t->ep, src, buf, sizeof(buf)) ||
			    endpoint_dma_copy(t->ep, dst, src, sizeof(buf)) ||
			    endpoint_dma_read(t->ep, dst, back, sizeof(back)) ||
			    memcmp(buf, back, sizeof(buf)))
				t->dma_errors++;
		}
		if (endpoint_msi_fire(t->ep, i % 2))
			t->msi_errors++;
	}
	return NULL;
}

static void test_endpoints_and_its(void)
{
	struct tmach m;
	struct ep_thread t[NR_EPS];
	pthread_t th[NR_EPS];
	struct its_stats st;
	u64 acked = 0;

	tmach_init(&m, NULL);
	cmd_mapc(&m, 0, 0, true);
	for (unsigned int i = 0; i < 64; i++)
		lpi_conf(&m, LPI_INTID_BASE + i, 0xa0, true);
	for (unsigned int i = 0; i < NR_EPS; i++) {
		cmd_mapd(&m, RID(i), ITT_PA + i * 0x1000, 4, true);
		cmd_mapti(&m, RID(i), 0, LPI_INTID_BASE + 2 * i, 0);
		cmd_mapti(&m, RID(i), 1, LPI_INTID_BASE + 2 * i + 1, 0);
		t[i] = (struct ep_thread){ .id = i };
		t[i].ep = endpoint_create(m.mem, RID(i), 2);
		REQUIRE(t[i].ep);
		endpoint_msi_configure(t[i].ep, ITS_BASE + GITS_TRANSLATER, 0);
		endpoint_msi_enable(t[i].ep, true);
	}
	for (unsigned int i = 0; i < NR_EPS; i++)
		REQUIRE(pthread_create(&th[i], NULL, ep_thread_fn, &t[i]) == 0);
	/* The CPU: unmap and remap event 1 of endpoint 0, acknowledge as it goes. */
	for (int i = 0; i < 500; i++) {
		if (i % 2)
			cmd_mapti(&m, RID(0), 1, LPI_INTID_BASE + 1, 0);
		else
			cmd_ev(&m, GITS_CMD_DISCARD, RID(0), 1, 0);
		while (its_lpi_ack(m.its, 0) != GIC_INTID_SPURIOUS)
			acked++;
	}
	cmd_mapti(&m, RID(0), 1, LPI_INTID_BASE + 1, 0);
	for (unsigned int i = 0; i < NR_EPS; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(t[i].dma_errors, 0);
		CHECK_EQ(t[i].msi_errors, 0);
		endpoint_destroy(t[i].ep);
	}
	st = stats(&m);
	CHECK_EQ(st.translations, NR_EPS * MSIS);
	/* Every MSI pended its LPI or found event 1 of endpoint 0 unmapped. */
	CHECK_EQ(st.lpis_pended + st.drops[ITS_DROP_UNMAPPED_INTERRUPT], NR_EPS * MSIS);
	CHECK(st.lpis_pended >= (NR_EPS - 1) * MSIS);
	CHECK_EQ(st.cmd_errors, 0);
	while (its_lpi_ack(m.its, 0) != GIC_INTID_SPURIOUS)
		acked++;
	CHECK(acked >= 1 && acked <= st.lpis_pended);
	CHECK_EQ(its_lpi_count_pending(m.its, 0), 0);
	tmach_fini(&m);
}

int main(void)
{
	test_allocators();
	test_endpoints_and_its();
	return test_done();
}
