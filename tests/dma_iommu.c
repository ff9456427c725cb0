// SPDX-License-Identifier: MIT
/*
 * kernel/dma-iommu: the DMA API over the mock IOMMU.  map/unmap_page,
 * map/unmap_sg and coherent allocations really translate (the mock walks
 * the page tables io-pgtable wrote); strict unmaps invalidate at once; a
 * flush queue never lets an IOVA be reused before the invalidation that
 * covers it completed; cookies and every error path.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "kernel/dma-iommu.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iova.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)

struct env {
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m;
	struct device *devs[16];
	unsigned int ndevs;
};

static void env_init(struct env *e, bool lazy)
{
	memset(e, 0, sizeof(*e));
	e->mem = phys_mem_create();
	REQUIRE(e->mem && !phys_mem_add_ram(e->mem, RAM_BASE, RAM_SIZE, "ram"));
	e->k = kernel_create(lazy ? "lazy" : "strict", e->mem, RAM_BASE, RAM_SIZE);
	REQUIRE(e->k);
	iommu_set_dma_strict(e->k, !lazy);
	e->m = mock_iommu_create(e->k, "smmu");
	REQUIRE(e->m);
}

static void env_fini(struct env *e)
{
	while (e->ndevs)
		device_destroy(e->devs[--e->ndevs]);
	mock_iommu_destroy(e->m);
	kernel_destroy(e->k);
	phys_mem_destroy(e->mem);
}

static struct device *add_dev(struct env *e, const char *name, u32 sid)
{
	struct device *dev = mock_iommu_add_device(e->m, name, &sid, 1);

	REQUIRE(dev && dev->iommu_group && e->ndevs < 16);
	e->devs[e->ndevs++] = dev;
	return dev;
}

/* What the device reaches at iova, or 0 on a fault. */
static phys_addr_t dev_pa(struct device *dev, dma_addr_t iova)
{
	phys_addr_t pa = 0;

	return mock_iommu_translate(dev, iova, &pa) ? 0 : pa;
}

static unsigned long stat(struct iommu_domain *d, int which)
{
	struct mock_tlb_stats s;

	REQUIRE(mock_domain_tlb_stats(d, &s) == 0);
	return which == 0 ? s.flush_all : s.iotlb_sync;
}

static void test_strict(void)
{
	struct env e;
	struct device *dev, *plain;
	struct iommu_domain *d;
	struct iova_domain *iovad;
	phys_addr_t buf;
	dma_addr_t a, b;
	unsigned long syncs, warns;

	env_init(&e, false);
	REQUIRE(!mock_iommu_add_resv_region(e.m, 1, 0x10000000, 0x200000, 0,
					    IOMMU_RESV_RESERVED));
	dev = add_dev(&e, "ep0", 1);
	d = iommu_get_dma_domain(dev);
	REQUIRE(d && d->type == IOMMU_DOMAIN_DMA && d->iova_cookie);
	CHECK_EQ(iommu_get_dma_cookie(d), -EEXIST);
	CHECK_EQ(iommu_get_msi_cookie(d, 0x8000000), -EINVAL);
	iovad = iommu_dma_iovad(d);
	REQUIRE(iovad);
	/* Sized from the domain: 4K granule, nothing at IOVA 0. */
	CHECK_EQ(iovad->granule, 4096);
	CHECK_EQ(iovad->start_pfn, 1);
	/* Reserved regions are carved out, the SW_MSI window is not. */
	CHECK(find_iova(iovad, 0x10000000 >> 12) != NULL);
	CHECK(find_iova(iovad, 0x101ff000 >> 12) != NULL);
	CHECK(find_iova(iovad, 0x8000000 >> 12) == NULL);

	buf = kernel_alloc_pages(e.k, 4 * 4096);
	REQUIRE(buf);
	/* The in-page offset survives; both pages of a straddling buffer map. */
	a = iommu_dma_map_page(dev, buf + 0xff0, 0x20, DMA_BIDIRECTIONAL, 0);
	REQUIRE(a != DMA_MAPPING_ERROR);
	CHECK_EQ(a & 0xfff, 0xff0);
	CHECK(a < d->geometry.aperture_end);
	CHECK_EQ(dev_pa(dev, a), buf + 0xff0);
	CHECK_EQ(dev_pa(dev, a + 0x10), buf + 0x1000);
	CHECK_EQ(iommu_iova_to_phys(d, a), buf + 0xff0);
	/* Strict: the unmap is synced before it returns ... */
	syncs = stat(d, 1);
	iommu_dma_unmap_page(dev, a, 0x20, DMA_BIDIRECTIONAL, 0);
	CHECK_EQ(stat(d, 1), syncs + 1);
	CHECK_EQ(dev_pa(dev, a), 0);
	CHECK_EQ(iommu_dma_fq_pending(d), 0);
	/* ... so the IOVA may come straight back. */
	b = iommu_dma_map_page(dev, buf + 0xff0, 0x20, DMA_TO_DEVICE, 0);
	CHECK_EQ(b, a);
	CHECK_EQ(iommu_iova_to_phys(d, b), buf + 0xff0);
	iommu_dma_unmap_page(dev, b, 0x20, DMA_TO_DEVICE, 0);

	/* Bad input. */
	CHECK_EQ(iommu_dma_map_page(dev, buf, 0, DMA_TO_DEVICE, 0), DMA_MAPPING_ERROR);
	CHECK_EQ(iommu_dma_map_page(dev, buf, 16, DMA_NONE, 0), DMA_MAPPING_ERROR);
	CHECK_EQ(iommu_dma_map_page(dev, buf, ~(size_t)0, DMA_TO_DEVICE, 0),
		 DMA_MAPPING_ERROR);
	CHECK_EQ(iommu_dma_map_page(NULL, buf, 16, DMA_TO_DEVICE, 0), DMA_MAPPING_ERROR);
	plain = device_create(e.k, "no-iommu");
	REQUIRE(plain && !device_add(plain));
	CHECK_EQ(iommu_dma_map_page(plain, buf, 16, DMA_TO_DEVICE, 0), DMA_MAPPING_ERROR);
	device_destroy(plain);
	/* Unmapping what was never mapped warns and frees nothing. */
	warns = atomic_load(&e.k->warnings);
	iommu_dma_unmap_page(dev, 0x7000000, 4096, DMA_TO_DEVICE, 0);
	CHECK_EQ(atomic_load(&e.k->warnings), warns + 1);
	CHECK_EQ(iova_domain_check(iovad), 0);

	/* A page-table allocation failure undoes the IOVA. */
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		a = iommu_dma_map_page(dev, buf + 0x2000, 0x1000, DMA_FROM_DEVICE, 0);
		kernel_fail_nth(e.k, 0);
		if (a != DMA_MAPPING_ERROR)
			break;
		CHECK_EQ(iova_domain_check(iovad), 0);
		REQUIRE(n < 50);
	}
	CHECK_EQ(dev_pa(dev, a), buf + 0x2000);
	iommu_dma_unmap_page(dev, a, 0x1000, DMA_FROM_DEVICE, 0);

	kernel_free_pages(e.k, buf, 4 * 4096);
	env_fini(&e);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void test_flush_queue(void)
{
	struct env e;
	struct device *dev;
	struct iommu_domain *d;
	phys_addr_t buf;
	dma_addr_t a, got[64];
	unsigned long flushes, syncs;
	u64 t0;

	env_init(&e, true);
	mock_iommu_set_deferred_flush(e.m, true);
	dev = add_dev(&e, "ep0", 1);
	d = iommu_get_dma_domain(dev);
	REQUIRE(d && d->type == IOMMU_DOMAIN_DMA_FQ);
	buf = kernel_alloc_pages(e.k, 4096);

	a = iommu_dma_map_page(dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
	REQUIRE(a != DMA_MAPPING_ERROR);
	flushes = stat(d, 0);
	syncs = stat(d, 1);
	iommu_dma_unmap_page(dev, a, 4096, DMA_BIDIRECTIONAL, 0);
	/* Unmapped from the tables, but the invalidation is deferred ... */
	CHECK_EQ(dev_pa(dev, a), 0);
	CHECK_EQ(stat(d, 0), flushes);
	CHECK_EQ(stat(d, 1), syncs);
	CHECK_EQ(iommu_dma_fq_pending(d), 1);
	/* ... and until it happened the IOVA is handed to nobody. */
	for (int i = 0; i < 64; i++) {
		got[i] = iommu_dma_map_page(dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
		CHECK(got[i] != DMA_MAPPING_ERROR && got[i] != a);
	}
	for (int i = 0; i < 64; i++)
		iommu_dma_unmap_page(dev, got[i], 4096, DMA_BIDIRECTIONAL, 0);
	CHECK_EQ(iommu_dma_fq_pending(d), 65);
	CHECK_EQ(stat(d, 0), flushes);
	/* The timer's work: one whole-domain flush, then the IOVAs return. */
	iommu_dma_flush_fq(d);
	CHECK_EQ(stat(d, 0), flushes + 1);
	CHECK_EQ(iommu_dma_fq_pending(d), 0);
	got[0] = iommu_dma_map_page(dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
	CHECK(got[0] != DMA_MAPPING_ERROR);
	iommu_dma_unmap_page(dev, got[0], 4096, DMA_BIDIRECTIONAL, 0);

	/* A full queue flushes before it takes more. */
	iommu_dma_flush_fq(d);
	flushes = stat(d, 0);
	for (int i = 0; i < IOVA_FQ_SIZE + 10; i++) {
		a = iommu_dma_map_page(dev, buf, 4096, DMA_TO_DEVICE, 0);
		REQUIRE(a != DMA_MAPPING_ERROR);
		iommu_dma_unmap_page(dev, a, 4096, DMA_TO_DEVICE, 0);
		CHECK(iommu_dma_fq_pending(d) < IOVA_FQ_SIZE);
	}
	CHECK(stat(d, 0) > flushes);

	/* An overdue queue flushes on the next unmap. */
	iommu_dma_flush_fq(d);
	flushes = stat(d, 0);
	a = iommu_dma_map_page(dev, buf, 4096, DMA_TO_DEVICE, 0);
	iommu_dma_unmap_page(dev, a, 4096, DMA_TO_DEVICE, 0);
	t0 = now_ns();
	while (now_ns() - t0 < IOVA_FQ_TIMEOUT_NS + 1000000)
		;
	a = iommu_dma_map_page(dev, buf, 4096, DMA_TO_DEVICE, 0);
	iommu_dma_unmap_page(dev, a, 4096, DMA_TO_DEVICE, 0);
	CHECK_EQ(stat(d, 0), flushes + 1);
	CHECK_EQ(iommu_dma_fq_pending(d), 1);

	kernel_free_pages(e.k, buf, 4096);
	env_fini(&e);	/* the cookie drains the queue as the domain goes */
}

static void test_sg_and_coherent(void)
{
	struct scatterlist sg[3];
	struct env e;
	struct device *dev;
	struct iommu_domain *d;
	phys_addr_t p;
	dma_addr_t h;
	u64 used;
	u8 *cpu;
	int ret;

	env_init(&e, false);
	dev = add_dev(&e, "ep0", 1);
	d = iommu_get_dma_domain(dev);
	p = kernel_alloc_pages(e.k, 16 * 4096);
	REQUIRE(p);
	memset(sg, 0, sizeof(sg));
	sg[0] = (struct scatterlist){ .phys = p + 0x100, .length = 0x200 };
	sg[1] = (struct scatterlist){ .phys = p + 0x4000, .length = 0x2000 };
	sg[2] = (struct scatterlist){ .phys = p + 0x9800, .length = 0x900 };
	CHECK_EQ(iommu_dma_map_sg(dev, sg, 3, DMA_TO_DEVICE, 0), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(sg[i].dma_length, sg[i].length);
		CHECK_EQ(sg[i].dma_address & 0xfff, sg[i].phys & 0xfff);
		CHECK_EQ(dev_pa(dev, sg[i].dma_address), sg[i].phys);
		CHECK_EQ(dev_pa(dev, sg[i].dma_address + sg[i].length - 1),
			 sg[i].phys + sg[i].length - 1);
	}
	/* One IOVA range, segments back to back by granule. */
	CHECK_EQ(sg[1].dma_address, (sg[0].dma_address & ~0xfffull) + 0x1000);
	CHECK_EQ(sg[2].dma_address, sg[1].dma_address + 0x2000 + 0x800);
	iommu_dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(dev_pa(dev, sg[i].dma_address), 0);

	CHECK_EQ(iommu_dma_map_sg(dev, sg, 0, DMA_TO_DEVICE, 0), -EINVAL);
	CHECK_EQ(iommu_dma_map_sg(dev, NULL, 1, DMA_TO_DEVICE, 0), -EINVAL);
	CHECK_EQ(iommu_dma_map_sg(dev, sg, 3, DMA_NONE, 0), -EINVAL);
	sg[1].length = 0;
	CHECK_EQ(iommu_dma_map_sg(dev, sg, 3, DMA_TO_DEVICE, 0), -EINVAL);
	sg[1].length = 0x2000;
	/* Failure part-way: -ENOMEM and nothing stays mapped. */
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		ret = iommu_dma_map_sg(dev, sg, 3, DMA_FROM_DEVICE, 0);
		kernel_fail_nth(e.k, 0);
		if (ret > 0)
			break;
		CHECK_EQ(ret, -ENOMEM);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(sg[i].dma_address, DMA_MAPPING_ERROR);
		CHECK_EQ(iova_domain_check(iommu_dma_iovad(d)), 0);
		REQUIRE(n < 50);
	}
	CHECK_EQ(ret, 3);
	iommu_dma_unmap_sg(dev, sg, 3, DMA_FROM_DEVICE, 0);

	/* Coherent: zeroed, CPU and device see the same bytes. */
	used = page_alloc_used_bytes(e.k->pages);
	cpu = iommu_dma_alloc(dev, 10000, &h, 0);
	REQUIRE(cpu);
	CHECK(cpu[0] == 0 && cpu[9999] == 0);
	cpu[5000] = 0x5a;
	p = dev_pa(dev, h + 5000);
	CHECK(p && *(u8 *)phys_to_virt(e.k, p, 1) == 0x5a);
	iommu_dma_free(dev, 10000, cpu, h, 0);
	CHECK_EQ(dev_pa(dev, h), 0);
	CHECK(page_alloc_used_bytes(e.k->pages) <= used);
	CHECK(iommu_dma_alloc(dev, 0, &h, 0) == NULL);
	CHECK(iommu_dma_alloc(dev, 1ull << 40, &h, 0) == NULL);
	CHECK(iommu_dma_alloc(dev, 4096, NULL, 0) == NULL);
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		cpu = iommu_dma_alloc(dev, 8192, &h, 0);
		kernel_fail_nth(e.k, 0);
		if (cpu)
			break;
		CHECK(page_alloc_used_bytes(e.k->pages) <= used);
		REQUIRE(n < 50);
	}
	iommu_dma_free(dev, 8192, cpu, h, 0);
	env_fini(&e);
}

static void test_cookies(void)
{
	struct env e;
	struct device *dev;
	struct iommu_domain *u;

	env_init(&e, false);
	dev = add_dev(&e, "ep0", 1);
	u = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(u));
	CHECK_EQ(iommu_get_dma_cookie(u), -EINVAL);	/* not a DMA domain */
	CHECK_EQ(iommu_get_msi_cookie(NULL, 0), -EINVAL);
	kernel_fail_nth(e.k, 1);
	CHECK_EQ(iommu_get_msi_cookie(u, 0x8000000), -ENOMEM);
	CHECK(u->iova_cookie == NULL && u->cookie_type == IOMMU_COOKIE_NONE);
	CHECK_EQ(iommu_get_msi_cookie(u, 0x8000000), 0);
	CHECK_EQ(u->cookie_type, IOMMU_COOKIE_DMA_MSI);
	CHECK_EQ(iommu_get_msi_cookie(u, 0x8000000), -EEXIST);
	CHECK_EQ(iommu_dma_init_domain(u, dev), -ENODEV);	/* no IOVA space */
	/* The DMA API does not run on someone else's domain. */
	CHECK_EQ(iommu_attach_device(u, dev), 0);
	CHECK_EQ(iommu_dma_map_page(dev, RAM_BASE, 16, DMA_TO_DEVICE, 0),
		 DMA_MAPPING_ERROR);
	iommu_detach_device(u, dev);
	iommu_put_dma_cookie(u);
	CHECK(u->iova_cookie == NULL && u->cookie_type == IOMMU_COOKIE_NONE);
	iommu_put_dma_cookie(u);	/* twice is harmless */
	iommu_domain_free(u);
	env_fini(&e);
}

/* Threads mapping and unmapping through one DMA_FQ domain: every mapping
 * reaches its own buffer, so no IOVA was ever handed to two at once. */
struct worker {
	struct device *dev;
	phys_addr_t buf;
	int bad;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 3000; i++) {
		size_t len = 4096u << (i % 3);
		dma_addr_t a = iommu_dma_map_page(w->dev, w->buf, len,
						  DMA_FROM_DEVICE, 0);

		if (a == DMA_MAPPING_ERROR || dev_pa(w->dev, a + len - 1) !=
		    w->buf + len - 1) {
			w->bad++;
			continue;
		}
		iommu_dma_unmap_page(w->dev, a, len, DMA_FROM_DEVICE, 0);
	}
	return NULL;
}

static void test_threads(void)
{
	struct worker w[4];
	pthread_t t[4];
	struct device *dev;
	struct env e;

	env_init(&e, true);
	mock_iommu_set_deferred_flush(e.m, true);
	dev = add_dev(&e, "ep0", 1);
	REQUIRE(iommu_get_dma_domain(dev)->type == IOMMU_DOMAIN_DMA_FQ);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ dev, kernel_alloc_pages(e.k, 4 * 4096), 0 };
		REQUIRE(w[i].buf);
		REQUIRE(!pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].bad, 0);
		kernel_free_pages(e.k, w[i].buf, 4 * 4096);
	}
	CHECK_EQ(iova_domain_check(iommu_dma_iovad(iommu_get_dma_domain(dev))), 0);
	env_fini(&e);
}

/*
 * Where IOVAs come from: a PCI device below 4G first (Linux's
 * pci_32bit_workaround), a platform device from the top of its mask, and a
 * device with a 32-bit mask never above it.
 */
static void test_dma_mask(void)
{
	struct device *plat, *pci;
	dma_addr_t a, b, c;
	u32 sid = 9;
	struct env e;

	env_init(&e, false);
	plat = add_dev(&e, "plat", 8);
	pci = device_create(e.k, "pci");
	REQUIRE(pci);
	pci->is_pci = true;
	REQUIRE(!iommu_fwspec_init(pci, mock_iommu_fwnode(e.m)) &&
		!iommu_fwspec_add_ids(pci, &sid, 1) && !device_add(pci));
	e.devs[e.ndevs++] = pci;

	a = iommu_dma_map_page(plat, RAM_BASE, 4096, DMA_TO_DEVICE, 0);
	b = iommu_dma_map_page(pci, RAM_BASE, 4096, DMA_TO_DEVICE, 0);
	CHECK(a != DMA_MAPPING_ERROR && a > DMA_BIT_MASK(32));
	CHECK(b != DMA_MAPPING_ERROR && b <= DMA_BIT_MASK(32));
	CHECK_EQ(dev_pa(pci, b), RAM_BASE);
	iommu_dma_unmap_page(plat, a, 4096, DMA_TO_DEVICE, 0);
	iommu_dma_unmap_page(pci, b, 4096, DMA_TO_DEVICE, 0);

	CHECK_EQ(dma_set_mask(plat, DMA_BIT_MASK(16)), -EIO);
	CHECK_EQ(dma_set_mask(plat, DMA_BIT_MASK(32)), 0);
	c = iommu_dma_map_page(plat, RAM_BASE, 4096, DMA_TO_DEVICE, 0);
	CHECK(c != DMA_MAPPING_ERROR && c <= DMA_BIT_MASK(32));
	iommu_dma_unmap_page(plat, c, 4096, DMA_TO_DEVICE, 0);
	env_fini(&e);
}

int main(void)
{
	test_dma_mask();
	test_strict();
	test_flush_queue();
	test_sg_and_coherent();
	test_cookies();
	test_threads();
	return test_done();
}
