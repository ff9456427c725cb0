// SPDX-License-Identifier: MIT
/*
 * The doorbell path end to end with the real interrupt controller: the
 * gic-its driver over the hw/its model, devices behind the mock IOMMU.
 * A device's MSI is its composed message written through its IOMMU
 * domain (the mock walks the tables io-pgtable wrote) and then onto the
 * bus with the StreamID as requester ID; it must pend exactly the LPI the
 * driver mapped.  Done for a DMA domain (dma-iommu's cookie) and for a
 * NESTED domain whose stage-2 parent holds the doorbell at the SW_MSI
 * window (iommufd's sw_msi), including a replace onto another parent.
 */
#include <string.h>

#include "hw/its/its.h"
#include "kernel/dma-iommu.h"
#include "kernel/drivers/gic-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/sw-msi.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define ITS_BASE	0x08080000ull
#define GICR_BASE	0x080a0000ull

struct mach {
	struct phys_mem *mem;
	struct its *its;
	struct kernel *k;
	struct its_node *node;
	struct irq_domain *msi;
	struct mock_iommu *m;
};

static int fw_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	if (!fw || !fw->num_ids)
		return -ENODEV;
	*id = fw->ids[0];	/* DeviceID = StreamID, as IORT maps them 1:1 here */
	return 0;
}

static const struct msi_domain_ops bus_ops = { .get_dev_id = fw_dev_id };

static void mach_init(struct mach *m)
{
	struct gic_its_config cfg = { .its_base = ITS_BASE, .gicr_base = GICR_BASE };
	struct its_config c;

	memset(m, 0, sizeof(*m));
	m->mem = phys_mem_create();
	REQUIRE(m->mem && !phys_mem_add_ram(m->mem, RAM_BASE, RAM_SIZE, "ram"));
	its_config_default(&c);
	m->its = its_create(&c, m->mem);
	REQUIRE(m->its);
	REQUIRE(!phys_mem_add_mmio(m->mem, ITS_BASE, GITS_MMIO_SIZE, &its_mmio_ops,
				   m->its, "its"));
	REQUIRE(!phys_mem_add_mmio(m->mem, GICR_BASE, its_gicr_mmio_size(m->its),
				   &its_gicr_mmio_ops, m->its, "gicr"));
	m->k = kernel_create("host", m->mem, RAM_BASE, RAM_SIZE);
	REQUIRE(m->k);
	REQUIRE(!gic_its_probe(m->k, &cfg, &m->node));
	m->msi = msi_create_irq_domain(m->k, "pci-msi", &bus_ops, NULL,
				       gic_its_domain(m->node));
	m->m = mock_iommu_create(m->k, "smmu");
	REQUIRE(m->msi && m->m);
}

static void mach_fini(struct mach *m)
{
	CHECK_EQ(irq_domain_remove(m->msi), 0);
	CHECK_EQ(gic_its_remove(m->node), 0);
	mock_iommu_destroy(m->m);
	kernel_destroy(m->k);
	its_destroy(m->its);
	phys_mem_destroy(m->mem);
}

static unsigned int nr_pending(struct mach *m)
{
	unsigned int n = 0;

	for (unsigned int t = 0; t < ITS_MAX_TARGETS; t++)
		n += its_lpi_count_pending(m->its, t);
	return n;
}

/*
 * Every vector of dev: its message goes through the device's domain and
 * pends its own LPI.  Returns the message address all vectors share.
 */
static u64 fire_all(struct mach *m, struct device *dev, unsigned int nvec)
{
	u32 sid = dev_iommu_fwspec_get(dev)->ids[0];
	u64 addr = 0;

	for (unsigned int i = 0; i < nvec; i++) {
		struct msi_desc *desc = msi_get_desc(m->msi, dev, i);
		unsigned int cpu = ~0u;
		phys_addr_t pa = 0;
		u32 lpi = 0;

		REQUIRE(desc);
		addr = msi_msg_addr(&desc->msg);
		CHECK(addr != ITS_BASE + GITS_TRANSLATER);	/* translated */
		CHECK_EQ(mock_iommu_translate(dev, addr, &pa), 0);
		CHECK_EQ(pa, ITS_BASE + GITS_TRANSLATER);
		REQUIRE(!gic_its_irq_target(msi_desc_parent_data(desc), &lpi, &cpu));
		CHECK_EQ(nr_pending(m), 0);
		CHECK_EQ(phys_write_val(m->mem, pa, 4, desc->msg.data,
					MEM_ATTRS_RID(sid)), 0);
		CHECK(its_lpi_is_pending(m->its, cpu, lpi));
		CHECK_EQ(its_lpi_ack(m->its, cpu), lpi);
	}
	return addr;
}

static void test_dma(void)
{
	struct device *dev;
	struct mach m;
	u32 sid = 0x10;

	mach_init(&m);
	dev = mock_iommu_add_device(m.m, "nic", &sid, 1);
	REQUIRE(dev && iommu_get_domain_for_dev(dev)->type == IOMMU_DOMAIN_DMA);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, dev, 4), 0);
	fire_all(&m, dev, 4);
	CHECK_EQ(iommu_dma_msi_page_count(iommu_get_domain_for_dev(dev)), 1);
	msi_domain_free_irqs(m.msi, dev);
	device_destroy(dev);
	mach_fini(&m);
}

static struct iommu_domain *nested(struct device *dev, struct iommu_domain *parent,
				   struct sw_msi_ctx *ctx)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	struct iommu_domain *d = iommu_domain_alloc_nested(dev, parent, 0, &data);

	REQUIRE(!IS_ERR(d) && !sw_msi_domain_init(ctx, d, parent));
	return d;
}

static void test_nested(void)
{
	struct iommu_domain *s2a, *s2b, *na, *nb;
	struct sw_msi_ctx *ctx;
	struct device *dev;
	struct mach m;
	u32 sid = 0x20;
	u64 addr;

	mach_init(&m);
	dev = mock_iommu_add_device(m.m, "vf", &sid, 1);
	ctx = sw_msi_ctx_create(m.k);
	REQUIRE(dev && ctx);
	REQUIRE(!iommu_device_claim_dma_owner(dev, ctx));
	/* The VMM's stage 2: iommufd puts doorbells at the SW_MSI window. */
	s2a = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	s2b = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2a) && !IS_ERR(s2b));
	REQUIRE(!sw_msi_domain_init(ctx, s2a, NULL) &&
		!sw_msi_domain_init(ctx, s2b, NULL));
	na = nested(dev, s2a, ctx);
	nb = nested(dev, s2b, ctx);
	REQUIRE(!sw_msi_group_attach(dev->iommu_group, na));

	CHECK_EQ(msi_domain_alloc_irqs(m.msi, dev, 3), 0);
	addr = fire_all(&m, dev, 3);
	CHECK_EQ(addr, SW_MSI_DEFAULT_START | ((ITS_BASE + GITS_TRANSLATER) & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(s2a, addr), ITS_BASE + GITS_TRANSLATER);
	/* Live migration to another stage 2: the messages keep working. */
	CHECK_EQ(sw_msi_group_replace(dev->iommu_group, nb), 0);
	CHECK_EQ(fire_all(&m, dev, 3), addr);

	msi_domain_free_irqs(m.msi, dev);
	iommu_detach_device(nb, dev);
	iommu_device_release_dma_owner(dev);
	sw_msi_domain_release(na);
	sw_msi_domain_release(nb);
	iommu_domain_free(na);
	iommu_domain_free(nb);
	sw_msi_domain_release(s2a);
	sw_msi_domain_release(s2b);
	iommu_domain_free(s2a);
	iommu_domain_free(s2b);
	CHECK_EQ(sw_msi_ctx_destroy(ctx), 0);
	device_destroy(dev);
	mach_fini(&m);
}

int main(void)
{
	test_dma();
	test_nested();
	return test_done();
}
