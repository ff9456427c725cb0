/* SPDX-License-Identifier: MIT */
/*
 * Message-signalled interrupts: the descriptor a device driver holds per
 * vector, the message a device writes, and a two-level irq-domain hierarchy
 * (the shape of include/linux/msi.h and irqdomain.h, reduced to what an
 * MSI needs).
 *
 *   device MSI domain   one per bus/device family: finds the DeviceID of a
 *        |              device, writes composed messages into the device
 *        v
 *   parent domain       the interrupt controller (here a software ITS with a
 *                       doorbell, later the gic-its driver): allocates
 *                       EventIDs per device and composes {doorbell, EventID}
 *
 * The parent plugs in through irq_domain_ops, so a second controller is a
 * second ops table.  A parent behind an IOMMU calls iommu_dma_prepare_msi()
 * from its alloc op, as Linux's ITS does: the IOMMU layer then records in
 * the msi_desc the IOVA the doorbell page got (msi_desc_set_iommu_msi_iova),
 * and msi_msg_set_addr() puts that IOVA, not the physical doorbell, into the
 * message.  Only an integer is stored, never a pointer into an IOMMU
 * domain, so a domain can be replaced or freed without the descriptor
 * dangling (Linux 6.15's fix of the same lifetime problem).
 *
 * Each device MSI domain keeps its devices' descriptors itself (Linux keeps
 * them in struct device), so this layer needs nothing from the IOMMU core.
 */
#ifndef IOMMUSIM_KERNEL_MSI_H
#define IOMMUSIM_KERNEL_MSI_H

#include "kernel/kernel.h"
#include "lib/list.h"

struct device;
struct irq_domain;

struct msi_msg {
	u32 address_lo;
	u32 address_hi;
	u32 data;
};

struct msi_desc {
	struct device *dev;
	unsigned int irq;		/* irq number, unique in its device MSI domain */
	unsigned int msi_index;		/* 0..nvec-1 within the device */
	struct msi_msg msg;		/* last message composed and written */
	/* IOVA of the doorbell page >> shift; used only when shift != 0. */
	u64 iommu_msi_iova : 58;
	u64 iommu_msi_shift : 6;
	struct list_head list;		/* in the device's descriptor list */
};

#define msi_desc_to_dev(desc)	((desc)->dev)

/* Recorded by the IOMMU layer; shift 0 means "no translation". */
static inline void msi_desc_set_iommu_msi_iova(struct msi_desc *desc,
					       u64 msi_iova, unsigned int shift)
{
	desc->iommu_msi_iova = shift ? msi_iova >> shift : 0;
	desc->iommu_msi_shift = shift;
}

/* The IOVA the IOMMU layer recorded for the doorbell page, 0 when none. */
static inline u64 msi_desc_iommu_msi_iova(const struct msi_desc *desc)
{
	return desc->iommu_msi_shift ?
	       (u64)desc->iommu_msi_iova << desc->iommu_msi_shift : 0;
}

/*
 * Sets msg's address to msi_addr, or, when the IOMMU layer recorded an IOVA
 * for the doorbell page, to that IOVA plus msi_addr's offset in the page.
 */
static inline void msi_msg_set_addr(const struct msi_desc *desc,
				    struct msi_msg *msg, phys_addr_t msi_addr)
{
	u64 addr = msi_addr;

	if (desc && desc->iommu_msi_shift) {
		u64 mask = (1ULL << desc->iommu_msi_shift) - 1;

		addr = msi_desc_iommu_msi_iova(desc) | (msi_addr & mask);
	}
	msg->address_hi = (u32)(addr >> 32);
	msg->address_lo = (u32)addr;
}

static inline u64 msi_msg_addr(const struct msi_msg *msg)
{
	return ((u64)msg->address_hi << 32) | msg->address_lo;
}

/* Passed down the hierarchy while a device's vectors are allocated. */
struct msi_alloc_info {
	u32 dev_id;		/* DeviceID at the controller (StreamID / RID) */
	unsigned int nvec;	/* vectors the device asked for */
	struct msi_desc *desc;	/* the vector being allocated */
	void *scratch;		/* the parent's per-device state */
};

/* One vector at one level of the hierarchy. */
struct irq_data {
	unsigned int irq;
	unsigned long hwirq;	/* the level's own number (EventID at an ITS) */
	struct irq_domain *domain;
	struct irq_data *parent_data;
	struct msi_desc *msi_desc;
	void *chip_data;
};

/*
 * A parent (interrupt controller) domain.  All ops but compose_msi_msg are
 * optional.  Ops are called with the device MSI domain's lock held, so a
 * parent sees one device's allocation at a time.
 */
struct irq_domain_ops {
	/* Before a device's first vector: set up per-device state in scratch. */
	int (*msi_prepare)(struct irq_domain *d, struct device *dev,
			   struct msi_alloc_info *info);
	/* After the device's last vector was freed. */
	void (*msi_teardown)(struct irq_domain *d, struct msi_alloc_info *info);
	/* Take a hwirq for irqd (info->desc is the vector's descriptor). */
	int (*alloc)(struct irq_domain *d, struct irq_data *irqd,
		     struct msi_alloc_info *info);
	void (*free)(struct irq_domain *d, struct irq_data *irqd);
	/* The message a device must write to raise irqd. */
	void (*compose_msi_msg)(struct irq_data *irqd, struct msi_msg *msg);
};

/* Bus side of a device MSI domain. */
struct msi_domain_ops {
	/* The device's DeviceID at the controller; required. */
	int (*get_dev_id)(struct device *dev, void *data, u32 *dev_id);
	/* Program a composed message into the device (MSI-X table entry). */
	void (*write_msg)(struct msi_desc *desc, const struct msi_msg *msg,
			  void *data);
};

#define MSI_MAX_VECTORS	2048	/* as PCI MSI-X */

struct irq_domain {
	struct kernel *k;
	char name[32];
	const struct irq_domain_ops *ops;	/* parent domains */
	const struct msi_domain_ops *msi_ops;	/* device MSI domains */
	struct irq_domain *parent;
	void *host_data;

	struct mutex lock;		/* device MSI domain: devices below */
	struct list_head devices;
	unsigned int next_irq;		/* Linux irq numbers handed out */
};

struct irq_domain *irq_domain_create(struct kernel *k, const char *name,
				     const struct irq_domain_ops *ops,
				     void *host_data);
struct irq_domain *msi_create_irq_domain(struct kernel *k, const char *name,
					 const struct msi_domain_ops *ops,
					 void *data, struct irq_domain *parent);
/* -EBUSY while a device still holds vectors in it. */
int irq_domain_remove(struct irq_domain *d);

/*
 * Gives dev nvec vectors (descriptors with msi_index 0..nvec-1), each with a
 * hwirq from the parent and a composed message written to the device.
 * 0, -EINVAL (nvec 0 or above MSI_MAX_VECTORS), -EBUSY (dev already has
 * vectors here), -ENOSPC (the parent ran out of hwirqs), -ENOMEM, or what
 * get_dev_id, msi_prepare, alloc or the IOMMU layer returned.  On failure
 * nothing stays allocated.
 */
int msi_domain_alloc_irqs(struct irq_domain *d, struct device *dev,
			  unsigned int nvec);
void msi_domain_free_irqs(struct irq_domain *d, struct device *dev);

/* The device's vectors; NULL when it has none here or index is out of range. */
struct msi_desc *msi_get_desc(struct irq_domain *d, struct device *dev,
			      unsigned int index);
unsigned int msi_dev_nvec(struct irq_domain *d, struct device *dev);
/* The parent-level irq_data of a vector (hwirq = EventID). */
struct irq_data *msi_desc_parent_data(struct msi_desc *desc);

/* Recompose and rewrite a vector's message (after its doorbell moved). */
void msi_domain_recompose(struct msi_desc *desc);

#endif
