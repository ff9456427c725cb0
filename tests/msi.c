// SPDX-License-Identifier: MIT
/*
 * kernel/msi and the software ITS: vectors per device, EventIDs per
 * DeviceID, composed messages written to the device, msi_msg_set_addr's
 * IOVA substitution, and every error path leaving nothing allocated.
 */
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/iommu-msi.h"
#include "tests/test.h"

#define ITS_BASE	0x2f020000ull
#define DOORBELL	(ITS_BASE + GITS_TRANSLATER)

struct fake_dev {
	u32 rid;
	int fail_dev_id;
	struct msi_msg table[16];	/* the device's MSI-X table */
	unsigned int writes;
};

#define DEV(f)	((struct device *)(f))

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	struct fake_dev *f = (struct fake_dev *)dev;

	(void)data;
	if (f->fail_dev_id)
		return f->fail_dev_id;
	*id = f->rid;
	return 0;
}

static void write_msg(struct msi_desc *desc, const struct msi_msg *msg, void *data)
{
	struct fake_dev *f = (struct fake_dev *)desc->dev;

	(void)data;
	if (desc->msi_index < 16)
		f->table[desc->msi_index] = *msg;
	f->writes++;
}

static const struct msi_domain_ops pci_msi_ops = {
	.get_dev_id = get_dev_id,
	.write_msg = write_msg,
};

static void test_set_addr(void)
{
	struct msi_desc desc = { 0 };
	struct msi_msg msg = { 0 };

	/* No IOVA recorded: the physical doorbell goes out as is. */
	msi_msg_set_addr(&desc, &msg, 0x12345678abcull);
	CHECK_EQ(msg.address_hi, 0x123);
	CHECK_EQ(msg.address_lo, 0x45678abc);
	/* 4K page IOVA: page from the IOVA, offset from the doorbell. */
	msi_desc_set_iommu_msi_iova(&desc, 0x8000000, 12);
	CHECK_EQ(msi_desc_iommu_msi_iova(&desc), 0x8000000);
	msi_msg_set_addr(&desc, &msg, DOORBELL);
	CHECK_EQ(msi_msg_addr(&msg), 0x8000040);
	/* A 64K granule keeps the whole 64K offset; IOVAs above 4G go to hi. */
	msi_desc_set_iommu_msi_iova(&desc, 0x100ff0000ull, 16);
	msi_msg_set_addr(&desc, &msg, 0x2f01f004);
	CHECK_EQ(msg.address_hi, 1);
	CHECK_EQ(msg.address_lo, 0x00fff004);
	/* The legacy compose swaps the address already in the message. */
	msg.address_hi = 0;
	msg.address_lo = (u32)DOORBELL;
	msi_desc_set_iommu_msi_iova(&desc, 0xfee00000, 12);
	iommu_dma_compose_msi_msg(&desc, &msg);
	CHECK_EQ(msi_msg_addr(&msg), 0xfee00040);
	msi_desc_set_iommu_msi_iova(&desc, 0, 0);
	iommu_dma_compose_msi_msg(&desc, &msg);
	CHECK_EQ(msi_msg_addr(&msg), 0xfee00040);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct fake_dev a = { .rid = 0x10 }, b = { .rid = 0x18 }, c = { .rid = 0x20 };
	struct irq_domain *its, *its_small, *msi, *msi_small;
	struct kernel *k;
	struct msi_desc *desc;
	int ret;

	REQUIRE(mem && phys_mem_add_ram(mem, 0x40000000, 16 << 20, "ram") == 0);
	k = kernel_create("host", mem, 0x40000000, 16 << 20);
	REQUIRE(k);
	test_set_addr();

	CHECK(sw_its_create(k, "its", DOORBELL, 0) == NULL);
	its = sw_its_create(k, "its", DOORBELL, 64);
	its_small = sw_its_create(k, "its-small", DOORBELL, 8);
	REQUIRE(its && its_small);
	CHECK(msi_create_irq_domain(k, "x", &pci_msi_ops, NULL, NULL) == NULL);
	msi = msi_create_irq_domain(k, "pci-msi", &pci_msi_ops, NULL, its);
	msi_small = msi_create_irq_domain(k, "pci-msi2", &pci_msi_ops, NULL, its_small);
	REQUIRE(msi && msi_small);

	/* Three vectors: EventIDs 0..2, each message {doorbell, EventID}. */
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&a), 3), 0);
	CHECK_EQ(msi_dev_nvec(msi, DEV(&a)), 3);
	CHECK_EQ(a.writes, 3);
	for (unsigned int i = 0; i < 3; i++) {
		desc = msi_get_desc(msi, DEV(&a), i);
		REQUIRE(desc);
		CHECK(desc->dev == DEV(&a));
		CHECK_EQ(msi_msg_addr(&a.table[i]), DOORBELL);
		CHECK_EQ(a.table[i].data, i);
		CHECK_EQ(desc->msg.data, i);
		CHECK_EQ(msi_desc_parent_data(desc)->hwirq, i);
		CHECK(desc->irq != 0);
		if (i)
			CHECK(desc->irq != msi_get_desc(msi, DEV(&a), i - 1)->irq);
	}
	CHECK(msi_get_desc(msi, DEV(&a), 3) == NULL);
	CHECK(msi_get_desc(msi, DEV(&b), 0) == NULL);
	CHECK_EQ(sw_its_nr_devices(its), 1);

	/* EventIDs are per device: b starts at 0 again. */
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&b), 2), 0);
	CHECK_EQ(b.table[0].data, 0);
	CHECK_EQ(b.table[1].data, 1);
	CHECK_EQ(sw_its_nr_devices(its), 2);

	/* Input errors. */
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&a), 1), -EBUSY);
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&c), 0), -EINVAL);
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&c), MSI_MAX_VECTORS + 1), -EINVAL);
	CHECK_EQ(msi_domain_alloc_irqs(msi, NULL, 1), -EINVAL);
	CHECK_EQ(msi_domain_alloc_irqs(its, DEV(&c), 1), -EINVAL);
	c.fail_dev_id = -ENODEV;
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&c), 1), -ENODEV);
	c.fail_dev_id = 0;
	CHECK_EQ(msi_dev_nvec(msi, DEV(&c)), 0);
	CHECK_EQ(sw_its_nr_devices(its), 2);

	/* The controller's per-device EventID space is full. */
	CHECK_EQ(msi_domain_alloc_irqs(msi_small, DEV(&c), 9), -ENOSPC);
	CHECK_EQ(sw_its_nr_devices(its_small), 0);
	CHECK_EQ(msi_domain_alloc_irqs(msi_small, DEV(&c), 5), 0);
	CHECK_EQ(c.table[4].data, 4);
	msi_domain_free_irqs(msi_small, DEV(&c));
	CHECK_EQ(sw_its_nr_devices(its_small), 0);

	/* Allocation failure at every step leaves nothing behind. */
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(k, n);
		ret = msi_domain_alloc_irqs(msi, DEV(&c), 4);
		kernel_fail_nth(k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(msi_dev_nvec(msi, DEV(&c)), 0);
		CHECK_EQ(sw_its_nr_devices(its), 2);
		REQUIRE(n < 100);
	}
	CHECK_EQ(msi_dev_nvec(msi, DEV(&c)), 4);

	/* Recompose after the IOMMU layer recorded an IOVA. */
	desc = msi_get_desc(msi, DEV(&c), 2);
	msi_desc_set_iommu_msi_iova(desc, 0x8000000, 12);
	msi_domain_recompose(desc);
	CHECK_EQ(msi_msg_addr(&c.table[2]), 0x8000040);
	CHECK_EQ(c.table[2].data, 2);

	/* Free: the ITS forgets the device; domains go only when empty. */
	CHECK_EQ(irq_domain_remove(msi), -EBUSY);
	msi_domain_free_irqs(msi, DEV(&a));
	msi_domain_free_irqs(msi, DEV(&a));	/* twice is harmless */
	CHECK_EQ(msi_dev_nvec(msi, DEV(&a)), 0);
	CHECK_EQ(sw_its_nr_devices(its), 2);
	CHECK_EQ(msi_domain_alloc_irqs(msi, DEV(&a), 1), 0);	/* again */
	msi_domain_free_irqs(msi, DEV(&a));
	msi_domain_free_irqs(msi, DEV(&b));
	msi_domain_free_irqs(msi, DEV(&c));
	CHECK_EQ(sw_its_nr_devices(its), 0);
	CHECK_EQ(irq_domain_remove(msi), 0);
	CHECK_EQ(irq_domain_remove(msi_small), 0);
	sw_its_destroy(its);
	sw_its_destroy(its_small);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
