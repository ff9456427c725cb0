// SPDX-License-Identifier: MIT
/*
 * iommu_dma_prepare_msi() and compose for every kind of domain a device can
 * be attached to (the cases of docs/msi-doorbell.md), and the rules around
 * them: one mapping per doorbell page per domain, serialised prepares,
 * failures that leave nothing behind, attach/replace that install the
 * doorbell before the switch, detach that keeps pages others use.
 *
 * Each vector is allocated through a device MSI domain over a software ITS,
 * as a driver would, and its message is then "written" by the device
 * through the mock IOMMU: the test passes only if the write reaches the
 * ITS doorbell.
 */
#include <pthread.h>
#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-msi.h"
#include "kernel/iova.h"
#include "kernel/sw-msi.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define ITS0		0x2f020000ull
#define ITS1		0x2f120000ull
#define DB0		(ITS0 + GITS_TRANSLATER)
#define DB1		(ITS1 + GITS_TRANSLATER)

struct env {
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m;
	struct device *devs[16];
	unsigned int ndevs;
	struct irq_domain *its0, *its1, *msi0, *msi1;
	struct sw_msi_ctx *ctx;
};

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	*id = fw && fw->num_ids ? fw->ids[0] : 0xffff;
	return 0;
}

static const struct msi_domain_ops msi_ops = { .get_dev_id = get_dev_id };

static void env_init(struct env *e, bool lazy)
{
	memset(e, 0, sizeof(*e));
	e->mem = phys_mem_create();
	REQUIRE(e->mem && !phys_mem_add_ram(e->mem, RAM_BASE, RAM_SIZE, "ram"));
	e->k = kernel_create("host", e->mem, RAM_BASE, RAM_SIZE);
	REQUIRE(e->k);
	iommu_set_dma_strict(e->k, !lazy);
	e->m = mock_iommu_create(e->k, "smmu");
	e->its0 = sw_its_create(e->k, "its0", DB0, 256);
	e->its1 = sw_its_create(e->k, "its1", DB1, 256);
	REQUIRE(e->m && e->its0 && e->its1);
	mock_iommu_set_deferred_flush(e->m, lazy);
	e->msi0 = msi_create_irq_domain(e->k, "msi0", &msi_ops, NULL, e->its0);
	e->msi1 = msi_create_irq_domain(e->k, "msi1", &msi_ops, NULL, e->its1);
	e->ctx = sw_msi_ctx_create(e->k);
	REQUIRE(e->msi0 && e->msi1 && e->ctx);
}

static void env_fini(struct env *e)
{
	CHECK_EQ(irq_domain_remove(e->msi0), 0);
	CHECK_EQ(irq_domain_remove(e->msi1), 0);
	sw_its_destroy(e->its0);
	sw_its_destroy(e->its1);
	while (e->ndevs)
		device_destroy(e->devs[--e->ndevs]);
	mock_iommu_destroy(e->m);
	CHECK_EQ(sw_msi_ctx_destroy(e->ctx), 0);
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

/* The message of vector i, and where the device's write of it lands. */
static u64 __msg_addr(struct irq_domain *msi, struct device *dev,
			 unsigned int i, int line)
{
	struct msi_desc *desc = msi_get_desc(msi, dev, i);

	if (!desc) {
		fprintf(stderr, "line %d: no vector %u\n", line, i);
		exit(1);
	}
	return msi_msg_addr(&desc->msg);
}
#define msg_addr(msi, dev, i)	__msg_addr(msi, dev, i, __LINE__)

static phys_addr_t lands(struct device *dev, u64 addr)
{
	phys_addr_t pa = 0;

	return mock_iommu_translate(dev, addr, &pa) ? 0 : pa;
}

/* A group taken from the DMA API, as VFIO/iommufd do. */
static void claim(struct device *dev)
{
	REQUIRE(iommu_device_claim_dma_owner(dev, dev) == 0);
}

static void test_no_translation(void)
{
	struct env e;
	struct device *plain, *idev;

	env_init(&e, false);
	/* No IOMMU at all: the physical doorbell. */
	plain = device_create(e.k, "plain");
	REQUIRE(plain && !device_add(plain) && !plain->iommu_group);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, plain, 2), 0);
	CHECK_EQ(msg_addr(e.msi0, plain, 1), DB0);
	CHECK_EQ(msi_get_desc(e.msi0, plain, 1)->msg.data, 1);
	CHECK_EQ(msi_get_desc(e.msi0, plain, 0)->iommu_msi_shift, 0);
	msi_domain_free_irqs(e.msi0, plain);
	device_destroy(plain);

	/* IDENTITY: passes through untranslated (6.15's explicit check). */
	REQUIRE(!mock_iommu_set_def_domain_type(e.m, 7, IOMMU_DOMAIN_IDENTITY));
	idev = add_dev(&e, "pt", 7);
	REQUIRE(iommu_get_domain_for_dev(idev)->type == IOMMU_DOMAIN_IDENTITY);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, idev, 1), 0);
	CHECK_EQ(msg_addr(e.msi0, idev, 0), DB0);
	CHECK_EQ(lands(idev, DB0), DB0);
	msi_domain_free_irqs(e.msi0, idev);
	env_fini(&e);
}

static void test_refused(void)
{
	struct iommu_user_data data;
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_domain *u, *parent, *nested;
	struct device *dev;
	struct env e;

	env_init(&e, false);
	dev = add_dev(&e, "ep", 1);
	claim(dev);
	/* BLOCKED: nothing can hold a doorbell; the vector is refused whole. */
	REQUIRE(iommu_get_domain_for_dev(dev)->type == IOMMU_DOMAIN_BLOCKED);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 2), -EOPNOTSUPP);
	CHECK_EQ(msi_dev_nvec(e.msi0, dev), 0);
	CHECK_EQ(sw_its_nr_devices(e.its0), 0);

	/* UNMANAGED without any cookie: nobody owns its IOVA space. */
	u = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(u));
	REQUIRE(iommu_attach_device(u, dev) == 0);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 1), -EOPNOTSUPP);
	iommu_detach_device(u, dev);

	/* NESTED nobody owns (no sw_msi): refused the same way. */
	parent = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(parent));
	data = (struct iommu_user_data){ IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	nested = iommu_domain_alloc_nested(dev, parent, 0, &data);
	REQUIRE(!IS_ERR(nested));
	REQUIRE(iommu_attach_device(nested, dev) == 0);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 1), -EOPNOTSUPP);

	/*
	 * Owned by iommufd (cookie_type IOMMUFD) but attached behind its back,
	 * without an attach handle: mainline's iommufd_sw_msi returns 0 and
	 * leaves the physical doorbell, which stage 2 does not map.
	 */
	REQUIRE(!sw_msi_domain_init(e.ctx, parent, NULL));
	REQUIRE(!sw_msi_domain_init(e.ctx, nested, parent));
	CHECK_EQ(nested->cookie_type, IOMMU_COOKIE_IOMMUFD);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 1), 0);
	CHECK_EQ(msg_addr(e.msi0, dev, 0), DB0);
	CHECK_EQ(lands(dev, DB0), 0);
	CHECK_EQ(iommu_iova_to_phys(parent, SW_MSI_DEFAULT_START), 0);
	msi_domain_free_irqs(e.msi0, dev);
	/* A second owner for an owned domain: mainline's -EEXIST. */
	CHECK_EQ(iommu_get_msi_cookie(parent, SW_MSI_DEFAULT_START), -EEXIST);
	CHECK_EQ(sw_msi_domain_init(e.ctx, parent, NULL), -EINVAL);
	iommu_detach_device(nested, dev);
	sw_msi_domain_release(nested);
	sw_msi_domain_release(parent);
	iommu_domain_free(nested);
	iommu_domain_free(parent);
	iommu_domain_free(u);
	iommu_device_release_dma_owner(dev);
	env_fini(&e);
}

static void check_dma(bool lazy)
{
	struct device *a, *b;
	struct iommu_domain *d;
	struct iova_domain *iovad;
	u64 addr;
	struct env e;

	env_init(&e, lazy);
	/* Two devices sharing StreamID 3 share a group and its DMA domain. */
	a = add_dev(&e, "a", 3);
	b = add_dev(&e, "b", 3);
	d = iommu_get_domain_for_dev(a);
	REQUIRE(d == iommu_get_domain_for_dev(b));
	CHECK_EQ(d->type, lazy ? IOMMU_DOMAIN_DMA_FQ : IOMMU_DOMAIN_DMA);
	iovad = iommu_dma_iovad(d);
	REQUIRE(iovad);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, a, 4), 0);
	addr = msg_addr(e.msi0, a, 0);
	/* An IOVA from the domain's allocator, the doorbell's page offset kept. */
	CHECK(addr != DB0);
	CHECK_EQ(addr & 0xfff, DB0 & 0xfff);
	CHECK(find_iova(iovad, addr >> 12) != NULL);
	CHECK_EQ(lands(a, addr), DB0);
	CHECK_EQ(iommu_iova_to_phys(d, addr), DB0);
	/* Every vector and the other device share the one mapping. */
	CHECK_EQ(msg_addr(e.msi0, a, 3), addr);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, b, 2), 0);
	CHECK_EQ(msg_addr(e.msi0, b, 1), addr);
	CHECK_EQ(iommu_dma_msi_page_count(d), 1);
	/* A second doorbell gets a second page. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi1, a, 1), 0);
	CHECK(msg_addr(e.msi1, a, 0) != addr);
	CHECK_EQ(lands(a, msg_addr(e.msi1, a, 0)), DB1);
	CHECK_EQ(iommu_dma_msi_page_count(d), 2);
	/* Freeing vectors keeps the page; the flush queue never touches it. */
	msi_domain_free_irqs(e.msi0, a);
	if (lazy) {
		dma_addr_t x = iommu_dma_map_page(a, RAM_BASE, 4096, DMA_TO_DEVICE, 0);

		iommu_dma_unmap_page(a, x, 4096, DMA_TO_DEVICE, 0);
		iommu_dma_flush_fq(d);
	}
	CHECK_EQ(lands(b, addr), DB0);
	CHECK_EQ(iommu_dma_msi_page_count(d), 2);
	msi_domain_free_irqs(e.msi0, b);
	msi_domain_free_irqs(e.msi1, a);
	env_fini(&e);	/* the cookie goes with the domain, pages with it */
}

/* A hardware MSI window bypasses translation: the doorbell keeps its address. */
static void test_hw_msi_window(void)
{
	struct iommu_domain *d;
	struct device *dev;
	struct env e;

	env_init(&e, false);
	REQUIRE(!mock_iommu_add_resv_region(e.m, 4, ITS1, 0x20000, IOMMU_WRITE,
					    IOMMU_RESV_MSI));
	dev = add_dev(&e, "ep", 4);
	d = iommu_get_domain_for_dev(dev);
	CHECK(find_iova(iommu_dma_iovad(d), (ITS1 + 0x10000) >> 12) != NULL);
	CHECK_EQ(msi_domain_alloc_irqs(e.msi1, dev, 2), 0);
	CHECK_EQ(msg_addr(e.msi1, dev, 1), DB1);
	CHECK_EQ(iommu_iova_to_phys(d, DB1), 0);	/* nothing was mapped */
	/* A doorbell outside the window is mapped as usual. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 1), 0);
	CHECK(msg_addr(e.msi0, dev, 0) != DB0);
	CHECK_EQ(lands(dev, msg_addr(e.msi0, dev, 0)), DB0);
	msi_domain_free_irqs(e.msi0, dev);
	msi_domain_free_irqs(e.msi1, dev);
	env_fini(&e);
}

static void test_unmanaged_msi_cookie(void)
{
	struct device *a, *b;
	struct iommu_domain *u, *u2;
	struct env e;

	env_init(&e, false);
	a = add_dev(&e, "a", 1);
	b = add_dev(&e, "b", 2);
	claim(a);
	claim(b);
	u = iommu_paging_domain_alloc(a);
	u2 = iommu_paging_domain_alloc(a);
	REQUIRE(!IS_ERR(u) && !IS_ERR(u2));
	REQUIRE(!iommu_get_msi_cookie(u, 0x8000000));
	REQUIRE(!iommu_get_msi_cookie(u2, 0x8000000));
	REQUIRE(!iommu_attach_device(u, a) && !iommu_attach_device(u, b));
	/* Doorbells get IOVAs linearly from the base, one page each. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, a, 2), 0);
	CHECK_EQ(msg_addr(e.msi0, a, 0), 0x8000000 | (DB0 & 0xfff));
	CHECK_EQ(msi_domain_alloc_irqs(e.msi1, a, 1), 0);
	CHECK_EQ(msg_addr(e.msi1, a, 0), 0x8001000 | (DB1 & 0xfff));
	/* Same doorbell from another device in the domain: mapped once. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, b, 1), 0);
	CHECK_EQ(msg_addr(e.msi0, b, 0), msg_addr(e.msi0, a, 0));
	CHECK_EQ(iommu_dma_msi_page_count(u), 2);
	CHECK_EQ(lands(b, msg_addr(e.msi0, b, 0)), DB0);
	/* Detach does not unmap a page another device still uses. */
	msi_domain_free_irqs(e.msi0, a);
	iommu_detach_device(u, a);
	CHECK_EQ(lands(b, msg_addr(e.msi0, b, 0)), DB0);
	CHECK_EQ(iommu_dma_msi_page_count(u), 2);
	/* The same doorbell from a second domain is mapped there too. */
	msi_domain_free_irqs(e.msi1, a);
	REQUIRE(!iommu_attach_device(u2, a));
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, a, 1), 0);
	CHECK_EQ(iommu_dma_msi_page_count(u2), 1);
	CHECK_EQ(lands(a, msg_addr(e.msi0, a, 0)), DB0);
	CHECK_EQ(iommu_iova_to_phys(u, 0x8000000 | (DB0 & 0xfff)), DB0);
	CHECK_EQ(iommu_iova_to_phys(u2, 0x8000000 | (DB0 & 0xfff)), DB0);
	msi_domain_free_irqs(e.msi0, a);
	msi_domain_free_irqs(e.msi0, b);
	iommu_detach_device(u2, a);
	iommu_detach_device(u, b);
	/* Putting the cookie unmaps its doorbells. */
	iommu_put_dma_cookie(u);
	CHECK_EQ(iommu_iova_to_phys(u, 0x8000000), 0);
	CHECK_EQ(iommu_iova_to_phys(u, 0x8001000), 0);
	iommu_domain_free(u);
	iommu_domain_free(u2);
	iommu_device_release_dma_owner(a);
	iommu_device_release_dma_owner(b);
	env_fini(&e);
}

/* A nested domain over a stage-2 parent, both owned by the sw-msi ctx. */
static struct iommu_domain *nested_over(struct env *e, struct device *dev,
					struct iommu_domain *parent)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	struct iommu_domain *nested = iommu_domain_alloc_nested(dev, parent, 0, &data);

	REQUIRE(!IS_ERR(nested));
	REQUIRE(!sw_msi_domain_init(e->ctx, nested, parent));
	return nested;
}

static struct iommu_domain *s2_parent(struct env *e, struct device *dev)
{
	struct iommu_domain *p = iommu_paging_domain_alloc_flags(dev,
					IOMMU_HWPT_ALLOC_NEST_PARENT);

	REQUIRE(!IS_ERR(p));
	REQUIRE(!sw_msi_domain_init(e->ctx, p, NULL));
	return p;
}

static void put_domain(struct iommu_domain *d)
{
	sw_msi_domain_release(d);
	iommu_domain_free(d);
}

static void test_nested(void)
{
	struct iommu_domain *p1, *p2, *p3, *n1, *n2, *n3;
	struct device *dev, *other;
	phys_addr_t start;
	u64 addr, addr1;
	struct env e;
	int ret;

	env_init(&e, false);
	dev = add_dev(&e, "vf", 1);
	other = add_dev(&e, "vf2", 2);
	claim(dev);
	claim(other);
	p1 = s2_parent(&e, dev);
	n1 = nested_over(&e, dev, p1);
	CHECK_EQ(sw_msi_group_window(e.ctx, dev->iommu_group, &start), -ENOENT);
	REQUIRE(!sw_msi_group_attach(dev->iommu_group, n1));
	REQUIRE(iommu_get_domain_for_dev(dev) == n1);
	/* The window is the group's IOMMU_RESV_SW_MSI region. */
	CHECK_EQ(sw_msi_group_window(e.ctx, dev->iommu_group, &start), 0);
	CHECK_EQ(start, SW_MSI_DEFAULT_START);

	/* The doorbell goes into stage 2 at the window; the message says so. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 3), 0);
	addr = msg_addr(e.msi0, dev, 2);
	CHECK_EQ(addr, SW_MSI_DEFAULT_START | (DB0 & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(p1, addr), DB0);
	CHECK_EQ(lands(dev, addr), DB0);
	/* A second doorbell takes the next page of the window. */
	CHECK_EQ(msi_domain_alloc_irqs(e.msi1, dev, 1), 0);
	addr1 = msg_addr(e.msi1, dev, 0);
	CHECK_EQ(addr1, (SW_MSI_DEFAULT_START + PAGE_SIZE) | (DB1 & 0xfff));
	CHECK_EQ(lands(dev, addr1), DB1);
	msi_domain_free_irqs(e.msi1, dev);

	/* Another device in the same stage 2: the page is shared. */
	n2 = nested_over(&e, other, p1);
	REQUIRE(!sw_msi_group_attach(other->iommu_group, n2));
	CHECK_EQ(msi_domain_alloc_irqs(e.msi0, other, 1), 0);
	CHECK_EQ(msg_addr(e.msi0, other, 0), addr);
	msi_domain_free_irqs(e.msi0, other);
	iommu_detach_device(n2, other);
	CHECK_EQ(lands(dev, addr), DB0);	/* detach kept the page */
	put_domain(n2);

	/*
	 * Replace onto a new stage 2: the doorbell is installed there before
	 * the switch, at the same IOVA, so the programmed message still works.
	 * A failure on the way leaves the device where it was.
	 */
	p2 = s2_parent(&e, dev);
	n2 = nested_over(&e, dev, p2);
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		ret = sw_msi_group_replace(dev->iommu_group, n2);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK(iommu_get_domain_for_dev(dev) == n1);
		CHECK_EQ(lands(dev, addr), DB0);
		REQUIRE(n < 50);
	}
	CHECK(iommu_get_domain_for_dev(dev) == n2);
	CHECK_EQ(iommu_iova_to_phys(p2, addr), DB0);
	CHECK_EQ(iommu_iova_to_phys(p2, addr1), DB1);	/* required by the group */
	CHECK_EQ(lands(dev, addr), DB0);
	CHECK_EQ(msg_addr(e.msi0, dev, 0), addr);
	/* Detach, then attach to a third stage 2: installed before the attach. */
	iommu_detach_device(n2, dev);
	p3 = s2_parent(&e, dev);
	n3 = nested_over(&e, dev, p3);
	CHECK_EQ(iommu_iova_to_phys(p3, addr), 0);
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		ret = sw_msi_group_attach(dev->iommu_group, n3);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK(iommu_get_domain_for_dev(dev) != n3);
		REQUIRE(n < 50);
	}
	CHECK_EQ(iommu_iova_to_phys(p3, addr), DB0);
	CHECK_EQ(lands(dev, addr), DB0);
	msi_domain_free_irqs(e.msi0, dev);
	iommu_detach_device(n3, dev);
	put_domain(n3);
	put_domain(p3);
	put_domain(n2);
	put_domain(n1);
	put_domain(p2);
	CHECK_EQ(sw_msi_ctx_destroy(e.ctx), -EBUSY);
	put_domain(p1);
	iommu_device_release_dma_owner(dev);
	iommu_device_release_dma_owner(other);
	env_fini(&e);
}

static void test_enomem(void)
{
	struct iommu_domain *d, *p, *n;
	struct device *dev, *vf;
	struct env e;
	int ret;

	env_init(&e, false);
	dev = add_dev(&e, "ep", 1);
	d = iommu_get_domain_for_dev(dev);
	for (unsigned long i = 1;; i++) {
		kernel_fail_nth(e.k, i);
		ret = msi_domain_alloc_irqs(e.msi0, dev, 2);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(iommu_dma_msi_page_count(d), 0);
		CHECK_EQ(msi_dev_nvec(e.msi0, dev), 0);
		CHECK_EQ(sw_its_nr_devices(e.its0), 0);
		CHECK_EQ(iova_domain_check(iommu_dma_iovad(d)), 0);
		REQUIRE(i < 50);
	}
	CHECK_EQ(lands(dev, msg_addr(e.msi0, dev, 1)), DB0);
	msi_domain_free_irqs(e.msi0, dev);

	vf = add_dev(&e, "vf", 2);
	claim(vf);
	p = s2_parent(&e, vf);
	n = nested_over(&e, vf, p);
	REQUIRE(!sw_msi_group_attach(vf->iommu_group, n));
	for (unsigned long i = 1;; i++) {
		kernel_fail_nth(e.k, i);
		ret = msi_domain_alloc_irqs(e.msi0, vf, 1);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(iommu_iova_to_phys(p, SW_MSI_DEFAULT_START), 0);
		/* mainline keeps a map record made before a failed install */
		CHECK(sw_msi_nr_maps(e.ctx) <= 1);
		REQUIRE(i < 50);
	}
	CHECK_EQ(sw_msi_nr_maps(e.ctx), 1);
	CHECK_EQ(lands(vf, msg_addr(e.msi0, vf, 0)), DB0);
	msi_domain_free_irqs(e.msi0, vf);
	iommu_detach_device(n, vf);
	put_domain(n);
	put_domain(p);
	iommu_device_release_dma_owner(vf);
	env_fini(&e);
}

/* Prepare is serialised: racing vectors of one group map each page once. */
#define THREADS	4
struct race {
	struct env *e;
	struct device *dev;
	int ret;
};

static void *race_fn(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 20 && !r->ret; i++) {
		r->ret = msi_domain_alloc_irqs(i & 1 ? r->e->msi1 : r->e->msi0,
					       r->dev, 3);
		msi_domain_free_irqs(i & 1 ? r->e->msi1 : r->e->msi0, r->dev);
	}
	if (!r->ret)
		r->ret = msi_domain_alloc_irqs(r->e->msi0, r->dev, 1);
	return NULL;
}

static void test_threads(void)
{
	struct race r[THREADS];
	pthread_t t[THREADS];
	struct iommu_domain *d;
	char name[16];
	struct env e;
	u64 addr;

	env_init(&e, false);
	for (int i = 0; i < THREADS; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		r[i] = (struct race){ &e, add_dev(&e, name, 5), 0 };
	}
	d = iommu_get_domain_for_dev(r[0].dev);
	for (int i = 0; i < THREADS; i++)
		REQUIRE(!pthread_create(&t[i], NULL, race_fn, &r[i]));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(iommu_dma_msi_page_count(d), 2);
	for (int i = 0; i < THREADS; i++)
		REQUIRE(r[i].ret == 0);
	addr = msg_addr(e.msi0, r[0].dev, 0);
	for (int i = 0; i < THREADS; i++) {
		CHECK_EQ(msg_addr(e.msi0, r[i].dev, 0), addr);
		CHECK_EQ(lands(r[i].dev, msg_addr(e.msi0, r[i].dev, 0)), DB0);
		msi_domain_free_irqs(e.msi0, r[i].dev);
	}
	env_fini(&e);
}

/*
 * A device its IOMMU refused (probe failed) has no group.  Mainline's
 * prepare returns 0 for any device without a group: the physical doorbell
 * (the probe error is not consulted).
 */
static void test_refused_by_iommu(void)
{
	struct env e;
	bool seen = false;

	env_init(&e, false);
	for (unsigned long n = 1; n < 64 && !seen; n++) {
		u32 sid = 0x77;
		struct device *dev;

		kernel_fail_nth(e.k, n);
		dev = mock_iommu_add_device(e.m, "refused", &sid, 1);
		kernel_fail_nth(e.k, 0);
		if (!dev || dev->iommu_group)
			goto next;
		seen = true;
		CHECK_EQ(device_iommu_probe_error(dev), -ENOMEM);
		CHECK_EQ(msi_domain_alloc_irqs(e.msi0, dev, 1), 0);
		CHECK_EQ(msg_addr(e.msi0, dev, 0), DB0);
		msi_domain_free_irqs(e.msi0, dev);
next:
		device_destroy(dev);
	}
	CHECK(seen);
	env_fini(&e);
}

int main(void)
{
	test_refused_by_iommu();
	test_no_translation();
	test_refused();
	check_dma(false);
	check_dma(true);
	test_hw_msi_window();
	test_unmanaged_msi_cookie();
	test_nested();
	test_enomem();
	test_threads();
	return test_done();
}
