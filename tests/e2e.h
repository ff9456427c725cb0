/* SPDX-License-Identifier: MIT */
/*
 * End-to-end scenarios shared by the e2e_* tests: a machine (hw/machine.h)
 * with a host kernel booted on it (kernel/platform.h), endpoints driven
 * only through the board file's endpoint driver, and checks made on the
 * machine's side: bytes in physical memory, LPIs pending at the ITS.
 *
 * Each scenario takes the IOMMU driver to boot with, so the same story
 * runs over the mock driver and over the real SMMUv3 driver and model.
 */
#ifndef IOMMUSIM_TESTS_E2E_H
#define IOMMUSIM_TESTS_E2E_H

#include <string.h>

#include "hw/machine.h"
#include "kernel/dma-iommu.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/drivers/gic-its.h"
#include "kernel/iommu.h"
#include "kernel/platform.h"
#include "kernel/sw-msi.h"
#include "tests/test.h"

/* Endpoints of the test machine. */
enum { EP_A, EP_B, EP_C, EP_NOIOMMU, NR_EPS };
static const struct machine_ep_config e2e_eps[NR_EPS] = {
	[EP_A] = { .rid = 0x10, .nr_vectors = 4, .behind_smmu = true },
	[EP_B] = { .rid = 0x18, .nr_vectors = 8, .behind_smmu = true },
	[EP_C] = { .rid = 0x21, .nr_vectors = 2, .behind_smmu = true },
	[EP_NOIOMMU] = { .rid = 0x30, .nr_vectors = 1, .behind_smmu = false },
};

#define E2E_MAX_BUFS	32

struct e2e {
	struct machine *m;
	struct platform *p;
	struct kernel *k;
	/* e2e_buf()s not yet given back: e2e_shutdown() frees them. */
	struct { phys_addr_t pa; size_t size; } buf[E2E_MAX_BUFS];
	unsigned int nr_buf;
};

static inline void e2e_boot(struct e2e *t, const struct platform_config *pc)
{
	struct machine_config mc;
	struct platform *p;

	t->nr_buf = 0;
	machine_config_default(&mc);
	mc.ram_size = 64ULL << 20;
	mc.nr_endpoints = NR_EPS;
	memcpy(mc.ep, e2e_eps, sizeof(e2e_eps));
	t->m = machine_create(&mc);
	REQUIRE(t->m);
	p = platform_boot(t->m, pc);
	REQUIRE(!IS_ERR(p));
	t->p = p;
	t->k = platform_kernel(p);
}

/* A buffer from e2e_buf() given back before the end. */
static inline void e2e_buf_free(struct e2e *t, phys_addr_t pa)
{
	for (unsigned int i = 0; i < t->nr_buf; i++) {
		if (t->buf[i].pa != pa)
			continue;
		CHECK_EQ(kernel_free_pages(t->k, pa, t->buf[i].size), 0);
		t->buf[i] = t->buf[--t->nr_buf];
		return;
	}
	CHECK(!"not an e2e_buf");
}

/*
 * The test's buffers given back, then the kernel shut down: it must warn
 * of nothing, including memory its drivers leaked (kernel_destroy()).
 */
static inline void e2e_shutdown(struct e2e *t)
{
	CHECK_EQ(atomic_load(&t->k->warnings), 0);
	while (t->nr_buf)
		e2e_buf_free(t, t->buf[t->nr_buf - 1].pa);
	CHECK_EQ(platform_shutdown(t->p), 0);
	machine_destroy(t->m);
}

static inline struct ep_device *e2e_add(struct e2e *t, unsigned int i)
{
	struct ep_device *epd = platform_add_ep(t->p, i, NULL);

	REQUIRE(!IS_ERR(epd));
	return epd;
}

/* A kernel buffer of n pages filled with a pattern seeded by seed. */
static inline phys_addr_t e2e_buf(struct e2e *t, size_t size, u8 seed)
{
	phys_addr_t pa = kernel_alloc_pages(t->k, size);
	u8 *va;

	REQUIRE(pa);
	REQUIRE(t->nr_buf < E2E_MAX_BUFS);
	t->buf[t->nr_buf].pa = pa;
	t->buf[t->nr_buf++].size = size;
	va = phys_to_virt(t->k, pa, size);
	for (size_t i = 0; i < size; i++)
		va[i] = (u8)(seed + i * 7 + (i >> 12));
	return pa;
}

static inline bool e2e_same(struct e2e *t, phys_addr_t a, phys_addr_t b, size_t len)
{
	return !memcmp(phys_to_virt(t->k, a, len), phys_to_virt(t->k, b, len), len);
}

/*
 * Every vector of epd, fired through its BAR, pends exactly the LPI the ITS
 * driver routed it to, at the CPU it chose.  Returns the message address.
 */
static inline u64 e2e_fire_all(struct e2e *t, struct ep_device *epd)
{
	struct machine_stats before, after;
	struct msi_msg msg = { 0 };

	for (unsigned int v = 0; v < epd->nvec; v++) {
		unsigned int cpu = ~0u;
		u32 lpi = 0;

		REQUIRE(!ep_msi_lpi(epd, v, &lpi, &cpu));
		CHECK(!machine_lpi_pending(t->m, cpu, lpi));
		machine_get_stats(t->m, &before);
		CHECK_EQ(ep_trigger_msi(epd, v), 0);
		machine_get_stats(t->m, &after);
		CHECK_EQ(after.lpis, before.lpis + 1);
		CHECK_EQ(after.last_lpi, lpi);
		CHECK_EQ(after.last_target, cpu);
		CHECK(machine_lpi_pending(t->m, cpu, lpi));
		CHECK_EQ(machine_lpi_ack(t->m, cpu), lpi);
	}
	REQUIRE(!ep_msi_msg(epd, 0, &msg));
	return msi_msg_addr(&msg);
}

/*
 * DMA domain: the endpoint's engine copies two pages from one mapped
 * buffer into another; the bytes land in exactly the destination's
 * physical pages, which the IOMMU reached at IOVAs that are not physical
 * addresses.  Unmapped, the same IOVAs fault.
 */
static inline void e2e_dma_domain(const struct platform_config *pc)
{
	const size_t sz = 2 * 4096;
	struct ep_device *epd;
	phys_addr_t src, dst, guard;
	dma_addr_t s, d;
	struct e2e t;

	e2e_boot(&t, pc);
	epd = e2e_add(&t, EP_A);
	REQUIRE(iommu_get_domain_for_dev(&epd->dev)->type & __IOMMU_DOMAIN_DMA_API);
	src = e2e_buf(&t, sz, 1);
	dst = e2e_buf(&t, sz + 4096, 2);	/* + a guard page after */
	guard = e2e_buf(&t, 4096, 3);
	memcpy(phys_to_virt(t.k, guard, 4096), phys_to_virt(t.k, dst + sz, 4096), 4096);
	s = ep_dma_map(epd, src, sz, DMA_TO_DEVICE);
	d = ep_dma_map(epd, dst, sz, DMA_FROM_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR);
	CHECK(s != src && d != dst);
	CHECK(!e2e_same(&t, src, dst, sz));
	CHECK_EQ(ep_start_dma(epd, d, s, sz), 0);
	CHECK(e2e_same(&t, src, dst, sz));
	CHECK(e2e_same(&t, guard, dst + sz, 4096));	/* nothing past the end */
	/* A sub-page offset is kept: the device sees the same byte layout. */
	{
		dma_addr_t o = ep_dma_map(epd, src + 100, 200, DMA_TO_DEVICE);

		CHECK_EQ(o & 0xfff, 100);
		CHECK_EQ(ep_start_dma(epd, d + 1000, o, 200), 0);
		CHECK(e2e_same(&t, src + 100, dst + 1000, 200));
		ep_dma_unmap(epd, o, 200, DMA_TO_DEVICE);
	}
	/* Read-only to the device: writing into src faults (the mock's
	 * software walk does not check permissions). */
	if (pc->iommu != PLATFORM_IOMMU_MOCK)
		CHECK_EQ(ep_start_dma(epd, s, d, 64), -EFAULT);
	ep_dma_unmap(epd, s, sz, DMA_TO_DEVICE);
	ep_dma_unmap(epd, d, sz, DMA_FROM_DEVICE);
	/* Strict DMA domain: unmapped means gone, at once. */
	CHECK_EQ(ep_start_dma(epd, d, s, 64), -EFAULT);
	e2e_shutdown(&t);
}

/*
 * A scatterlist of three pages scattered in RAM (out of order, with gaps):
 * the device writes one 12K run from its first bus address and each third
 * lands in its own physical page, nothing in the gaps.  Under a DMA domain
 * the run is one IOVA range; with passthrough the pages must be contiguous
 * to the device, so only the DMA domain gets the single run.
 */
static inline void e2e_dma_sg(const struct platform_config *pc)
{
	struct scatterlist sg[3];
	phys_addr_t pool, src, gap;
	struct ep_device *epd;
	struct e2e t;
	dma_addr_t s;

	e2e_boot(&t, pc);
	epd = e2e_add(&t, EP_B);
	pool = e2e_buf(&t, 6 * 4096, 20);
	gap = e2e_buf(&t, 6 * 4096, 20);	/* same pattern: a copy to compare */
	src = e2e_buf(&t, 3 * 4096, 21);
	sg[0] = (struct scatterlist){ .phys = pool + 4 * 4096, .length = 4096 };
	sg[1] = (struct scatterlist){ .phys = pool + 0 * 4096, .length = 4096 };
	sg[2] = (struct scatterlist){ .phys = pool + 2 * 4096, .length = 4096 };
	CHECK_EQ(ep_dma_map_sg(epd, sg, 3, DMA_FROM_DEVICE), 3);
	CHECK_EQ(sg[1].dma_address, sg[0].dma_address + 4096);
	CHECK_EQ(sg[2].dma_address, sg[0].dma_address + 8192);
	s = ep_dma_map(epd, src, 3 * 4096, DMA_TO_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR);
	CHECK_EQ(ep_start_dma(epd, sg[0].dma_address, s, 3 * 4096), 0);
	for (int i = 0; i < 3; i++)
		CHECK(e2e_same(&t, sg[i].phys, src + (phys_addr_t)i * 4096, 4096));
	for (int pg = 1; pg < 6; pg += 2)	/* the gaps are untouched */
		CHECK(e2e_same(&t, pool + (phys_addr_t)pg * 4096,
			       gap + (phys_addr_t)pg * 4096, 4096));
	ep_dma_unmap_sg(epd, sg, 3, DMA_FROM_DEVICE);
	CHECK_EQ(ep_start_dma(epd, sg[0].dma_address, s, 64), -EFAULT);
	ep_dma_unmap(epd, s, 3 * 4096, DMA_TO_DEVICE);
	CHECK_EQ(ep_dma_map_sg(epd, sg, 0, DMA_FROM_DEVICE), -EINVAL);
	CHECK_EQ(ep_dma_map_sg(epd, sg, 3, DMA_NONE), -EINVAL);
	e2e_shutdown(&t);
}

/* IDENTITY (iommu.passthrough=1) and no IOMMU: bus address = physical. */
static inline void e2e_identity(const struct platform_config *base)
{
	struct platform_config pc = *base;
	struct ep_device *epd, *direct;
	phys_addr_t src, dst;
	struct e2e t;

	pc.passthrough = true;
	e2e_boot(&t, &pc);
	epd = e2e_add(&t, EP_A);
	direct = e2e_add(&t, EP_NOIOMMU);
	CHECK_EQ(iommu_get_domain_for_dev(&epd->dev)->type, IOMMU_DOMAIN_IDENTITY);
	CHECK(!dev_has_iommu(&direct->dev));
	src = e2e_buf(&t, 4096, 4);
	dst = e2e_buf(&t, 4096, 5);
	CHECK_EQ(ep_dma_map(epd, src, 4096, DMA_TO_DEVICE), src);
	CHECK_EQ(ep_start_dma(epd, dst, src, 4096), 0);
	CHECK(e2e_same(&t, src, dst, 4096));
	{
		struct scatterlist sg = { .phys = src + 8, .length = 100 };

		CHECK_EQ(ep_dma_map_sg(epd, &sg, 1, DMA_TO_DEVICE), 1);
		CHECK_EQ(sg.dma_address, src + 8);
		CHECK_EQ(sg.dma_length, 100);
		ep_dma_unmap_sg(epd, &sg, 1, DMA_TO_DEVICE);
	}
	src = e2e_buf(&t, 4096, 6);
	CHECK_EQ(ep_dma_map(direct, src, 4096, DMA_TO_DEVICE), src);
	CHECK_EQ(ep_start_dma(direct, dst, src, 4096), 0);
	CHECK(e2e_same(&t, src, dst, 4096));
	e2e_shutdown(&t);
}

/* BLOCKED (the group claimed by a DMA owner, as VFIO does): DMA aborts. */
static inline void e2e_blocked(const struct platform_config *pc)
{
	struct ep_device *epd;
	phys_addr_t src, dst;
	dma_addr_t s, d;
	struct e2e t;
	int owner;

	e2e_boot(&t, pc);
	epd = e2e_add(&t, EP_A);
	src = e2e_buf(&t, 4096, 7);
	dst = e2e_buf(&t, 4096, 8);
	s = ep_dma_map(epd, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(epd, dst, 4096, DMA_FROM_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR);
	REQUIRE(!iommu_device_claim_dma_owner(&epd->dev, &owner));
	CHECK_EQ(iommu_get_domain_for_dev(&epd->dev)->type, IOMMU_DOMAIN_BLOCKED);
	CHECK_EQ(ep_dma_map(epd, src, 4096, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	CHECK_EQ(ep_dma_map_sg(epd, &(struct scatterlist){ .phys = src, .length = 64 },
			       1, DMA_TO_DEVICE), -EIO);
	CHECK_EQ(ep_start_dma(epd, d, s, 4096), -EFAULT);
	CHECK(!e2e_same(&t, src, dst, 4096));
	/* An abort STE terminates silently: no event to decode. */
	if (pc->iommu == PLATFORM_IOMMU_SMMUV3) {
		struct machine_stats st;

		CHECK_EQ(platform_pop_event(t.p, &(struct arm_smmu_event){ 0 }), -ENOENT);
		machine_get_stats(t.m, &st);
		CHECK_EQ(st.smmu_irqs[0], 0);
	}
	/* Released, the DMA domain and its mappings are back. */
	iommu_device_release_dma_owner(&epd->dev);
	CHECK_EQ(ep_start_dma(epd, d, s, 4096), 0);
	CHECK(e2e_same(&t, src, dst, 4096));
	ep_dma_unmap(epd, s, 4096, DMA_TO_DEVICE);
	ep_dma_unmap(epd, d, 4096, DMA_FROM_DEVICE);
	e2e_shutdown(&t);
}

/*
 * MSIs: a DMA domain (dma-iommu maps the ITS page at an IOVA), an endpoint
 * without IOMMU (the physical doorbell), an UNMANAGED domain with an MSI
 * cookie (VFIO's shape) and a nested domain over a stage-2 parent holding
 * the doorbell at the VMM's window (iommufd's sw_msi).  Each pends its LPIs.
 */
static inline void e2e_msi(const struct platform_config *pc)
{
	const struct machine_config *mc;
	struct ep_device *a, *b, *direct;
	struct iommu_domain *um;
	u64 doorbell, addr;
	struct e2e t;
	int owner;

	e2e_boot(&t, pc);
	mc = machine_get_config(t.m);
	doorbell = mc->its_base + GITS_TRANSLATER;
	a = e2e_add(&t, EP_A);
	b = e2e_add(&t, EP_B);
	direct = e2e_add(&t, EP_NOIOMMU);

	CHECK_EQ(ep_request_msi(a, 4), 0);
	addr = e2e_fire_all(&t, a);
	CHECK(addr != doorbell);
	CHECK_EQ(iommu_iova_to_phys(iommu_get_domain_for_dev(&a->dev), addr), doorbell);

	CHECK_EQ(ep_request_msi(direct, 1), 0);
	CHECK_EQ(e2e_fire_all(&t, direct), doorbell);

	/* UNMANAGED + MSI cookie at the SMMUv3 software-MSI base. */
	REQUIRE(!iommu_device_claim_dma_owner(&b->dev, &owner));
	um = iommu_paging_domain_alloc(&b->dev);
	REQUIRE(!IS_ERR(um));
	REQUIRE(!iommu_get_msi_cookie(um, SW_MSI_DEFAULT_START));
	REQUIRE(!iommu_attach_device(um, &b->dev));
	CHECK_EQ(ep_request_msi(b, 8), 0);
	addr = e2e_fire_all(&t, b);
	CHECK_EQ(addr, SW_MSI_DEFAULT_START | (doorbell & 0xfff));
	/* The device's own DMA space is the owner's: nothing else is mapped. */
	CHECK_EQ(ep_start_dma(b, 0x100000, 0x200000, 4), -EFAULT);
	ep_free_msi(b);
	iommu_detach_device(um, &b->dev);
	iommu_put_dma_cookie(um);
	iommu_domain_free(um);
	iommu_device_release_dma_owner(&b->dev);
	e2e_shutdown(&t);
}

/*
 * Stage 2: iommufd installs the doorbell in a VMM's nest-parent domain at
 * the driver's software-MSI window (mainline).  The device sits first in
 * that stage-2 domain, then in a nested domain over it whose guest stage 1
 * is given by s1 (the driver's user data, stage 1 bypassing).  The doorbell
 * lands in the parent and the MSI pends its LPI both times.
 */
static inline void e2e_msi_nested(const struct platform_config *pc,
				  const struct iommu_user_data *s1)
{
	struct iommu_domain *s2, *nested;
	struct sw_msi_ctx *ctx;
	struct ep_device *epd;
	u64 doorbell, addr;
	struct e2e t;

	e2e_boot(&t, pc);
	doorbell = machine_get_config(t.m)->its_base + GITS_TRANSLATER;
	epd = e2e_add(&t, EP_C);
	ctx = sw_msi_ctx_create(t.k);
	REQUIRE(ctx);
	REQUIRE(!iommu_device_claim_dma_owner(&epd->dev, ctx));
	s2 = iommu_paging_domain_alloc_flags(&epd->dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	REQUIRE(!sw_msi_domain_init(ctx, s2, NULL));
	nested = iommu_domain_alloc_nested(&epd->dev, s2, 0, s1);
	REQUIRE(!IS_ERR(nested));
	REQUIRE(!sw_msi_domain_init(ctx, nested, s2));

	/* The stage-2 domain itself, as a VMM without vIOMMU attaches it. */
	REQUIRE(!sw_msi_group_attach(epd->dev.iommu_group, s2));
	CHECK_EQ(ep_request_msi(epd, 2), 0);
	addr = e2e_fire_all(&t, epd);
	CHECK_EQ(addr, SW_MSI_DEFAULT_START | (doorbell & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(s2, addr), doorbell);
	/* Nested over it: the same message keeps working. */
	REQUIRE(!sw_msi_group_replace(epd->dev.iommu_group, nested));
	CHECK_EQ(e2e_fire_all(&t, epd), addr);

	ep_free_msi(epd);
	iommu_detach_device(nested, &epd->dev);
	iommu_device_release_dma_owner(&epd->dev);
	sw_msi_domain_release(nested);
	iommu_domain_free(nested);
	sw_msi_domain_release(s2);
	iommu_domain_free(s2);
	CHECK_EQ(sw_msi_ctx_destroy(ctx), 0);
	e2e_shutdown(&t);
}

#endif
