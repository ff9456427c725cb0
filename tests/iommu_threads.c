// SPDX-License-Identifier: MIT
/*
 * The core's map path takes no lock, as Linux's: concurrent iommu_map()/
 * iommu_unmap() on disjoint ranges of one domain must each see their own
 * mappings, while other threads switch another group between domains and
 * probe and release devices of the same kernel.
 */
#include <pthread.h>

#include "kernel/drivers/mock-iommu.h"
#include "tests/test.h"

#define SZ_4K		0x1000UL
#define NR_MAPPERS	3
#define ROUNDS		300
#define PAGES		32

struct shared {
	struct mock_iommu *m;
	struct iommu_domain *dom, *a, *b;
	struct device *dev;
	atomic_int errors;
};

struct mapper {
	struct shared *s;
	unsigned long base;
};

static void *mapper(void *p)
{
	struct mapper *mp = p;
	struct iommu_domain *dom = mp->s->dom;

	for (int r = 0; r < ROUNDS; r++) {
		unsigned long iova = mp->base + (unsigned long)(r & 7) * PAGES * SZ_4K;
		phys_addr_t pa = 0x48000000 + (phys_addr_t)r * SZ_4K;

		if (iommu_map(dom, iova, pa, PAGES * SZ_4K, IOMMU_READ))
			atomic_fetch_add(&mp->s->errors, 1);
		if (iommu_iova_to_phys(dom, iova + 5 * SZ_4K + 8) != pa + 5 * SZ_4K + 8)
			atomic_fetch_add(&mp->s->errors, 1);
		if (iommu_unmap(dom, iova, PAGES * SZ_4K) != PAGES * SZ_4K)
			atomic_fetch_add(&mp->s->errors, 1);
	}
	return NULL;
}

static void *switcher(void *p)
{
	struct shared *s = p;

	for (int r = 0; r < ROUNDS; r++) {
		struct device *tmp;

		if (iommu_group_replace_domain(s->dev->iommu_group,
					       (r & 1) ? s->a : s->b))
			atomic_fetch_add(&s->errors, 1);
		tmp = mock_iommu_add_device(s->m, "tmp", (u32[]){ 100 }, 1);
		if (!tmp || !tmp->iommu_group)
			atomic_fetch_add(&s->errors, 1);
		device_destroy(tmp);
	}
	return NULL;
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	pthread_t th[NR_MAPPERS + 1];
	struct mapper mp[NR_MAPPERS];
	struct shared s = { 0 };
	struct device *owner;
	struct kernel *k;

	REQUIRE(mem && !phys_mem_add_ram(mem, 0x40000000, 64 << 20, "ram"));
	k = kernel_create("host", mem, 0x40000000, 64 << 20);
	REQUIRE(k);
	s.m = mock_iommu_create(k, "smmu");
	REQUIRE(s.m);
	owner = mock_iommu_add_device(s.m, "owner", (u32[]){ 1 }, 1);
	s.dev = mock_iommu_add_device(s.m, "switched", (u32[]){ 2 }, 1);
	REQUIRE(owner && s.dev);
	s.dom = iommu_paging_domain_alloc(owner);
	s.a = iommu_paging_domain_alloc(s.dev);
	s.b = iommu_paging_domain_alloc(s.dev);
	REQUIRE(!IS_ERR(s.dom) && !IS_ERR(s.a) && !IS_ERR(s.b));
	atomic_init(&s.errors, 0);

	for (int i = 0; i < NR_MAPPERS; i++) {
		mp[i] = (struct mapper){ &s, 0x10000000UL * (unsigned long)(i + 1) };
		REQUIRE(!pthread_create(&th[i], NULL, mapper, &mp[i]));
	}
	REQUIRE(!pthread_create(&th[NR_MAPPERS], NULL, switcher, &s));
	for (int i = 0; i <= NR_MAPPERS; i++)
		pthread_join(th[i], NULL);

	CHECK_EQ(atomic_load(&s.errors), 0);
	CHECK_EQ(iommu_iova_to_phys(s.dom, 0x10000000), 0);
	CHECK(iommu_get_domain_for_dev(s.dev) == (((ROUNDS - 1) & 1) ? s.a : s.b));
	CHECK_EQ(iommu_group_replace_domain(s.dev->iommu_group,
					    iommu_get_dma_domain(s.dev)), 0);
	iommu_domain_free(s.dom);
	iommu_domain_free(s.a);
	iommu_domain_free(s.b);
	device_destroy(owner);
	device_destroy(s.dev);
	mock_iommu_destroy(s.m);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 0);
	CHECK_EQ(atomic_load(&k->warnings), 0);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
