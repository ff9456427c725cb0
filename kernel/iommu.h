/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core API, the shape of include/linux/iommu.h (Linux 6.15):
 *
 *   iommu_device   one IOMMU instance, registered by its driver with an
 *                  iommu_ops table; found by the fwnode endpoints name in
 *                  their iommu_fwspec.
 *   iommu_group    the unit of isolation: devices the IOMMU cannot tell
 *                  apart (e.g. sharing a StreamID) share one, and always
 *                  share one domain.
 *   iommu_domain   a translation context: BLOCKED, IDENTITY, a paging
 *                  domain (UNMANAGED, DMA, DMA_FQ) or NESTED (a user stage 1
 *                  over a NEST_PARENT paging stage 2).
 *
 * Differences from Linux, all deliberate: no gfp arguments (every
 * allocation may fail, fail-nth tests that); iommu_map() refuses prot bits
 * it does not know (-EINVAL); domains allocated through the core remember
 * their kernel, so iommu_domain_free() can refuse, with a KWARN, to free a
 * domain a group still uses.
 */
#ifndef IOMMUSIM_KERNEL_IOMMU_H
#define IOMMUSIM_KERNEL_IOMMU_H

#include <sys/types.h>

#include "include/uapi/linux/iommufd.h"
#include "kernel/device.h"
#include "kernel/io-pgtable.h"
#include "kernel/iommu-prot.h"
#include "lib/err.h"

struct iommu_domain;
struct iommu_group;
struct msi_desc;
struct iommufd_ctx;
struct iommufd_viommu;
struct iommu_user_data_array;

/* Domain feature bits and types, with Linux's values. */
#define __IOMMU_DOMAIN_PAGING	(1U << 0)	/* iommu_map/unmap work */
#define __IOMMU_DOMAIN_DMA_API	(1U << 1)	/* owned by the DMA API */
#define __IOMMU_DOMAIN_PT	(1U << 2)	/* identity mapped */
#define __IOMMU_DOMAIN_DMA_FQ	(1U << 3)	/* DMA API with a flush queue */
#define __IOMMU_DOMAIN_SVA	(1U << 4)
#define __IOMMU_DOMAIN_PLATFORM	(1U << 5)
#define __IOMMU_DOMAIN_NESTED	(1U << 6)	/* user stage 1 over a stage 2 */

#define IOMMU_DOMAIN_ALLOC_FLAGS ~__IOMMU_DOMAIN_DMA_FQ

#define IOMMU_DOMAIN_BLOCKED	(0U)
#define IOMMU_DOMAIN_IDENTITY	(__IOMMU_DOMAIN_PT)
#define IOMMU_DOMAIN_UNMANAGED	(__IOMMU_DOMAIN_PAGING)
#define IOMMU_DOMAIN_DMA	(__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)
#define IOMMU_DOMAIN_DMA_FQ	(__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | \
				 __IOMMU_DOMAIN_DMA_FQ)
#define IOMMU_DOMAIN_SVA	(__IOMMU_DOMAIN_SVA)
#define IOMMU_DOMAIN_PLATFORM	(__IOMMU_DOMAIN_PLATFORM)
#define IOMMU_DOMAIN_NESTED	(__IOMMU_DOMAIN_NESTED)

/* Flags of paging-domain allocation: uapi/linux/iommufd.h's enum
 * iommufd_hwpt_alloc_flags (IOMMU_HWPT_ALLOC_NEST_PARENT, ...). */

enum iommu_cap {
	IOMMU_CAP_CACHE_COHERENCY,
	IOMMU_CAP_NOEXEC,
	IOMMU_CAP_PRE_BOOT_PROTECTION,
	IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	IOMMU_CAP_DEFERRED_FLUSH,	/* a flush queue is worth having */
	IOMMU_CAP_DIRTY_TRACKING,
};

enum iommu_resv_type {
	IOMMU_RESV_DIRECT,		/* must be mapped 1:1 at all times */
	IOMMU_RESV_DIRECT_RELAXABLE,	/* 1:1, but may be dropped for assignment */
	IOMMU_RESV_RESERVED,		/* never map, never give to a device */
	IOMMU_RESV_MSI,			/* hardware MSI window, untranslated */
	IOMMU_RESV_SW_MSI,		/* where software maps MSI doorbells */
};

struct iommu_resv_region {
	struct list_head list;
	phys_addr_t start;
	size_t length;
	int prot;
	enum iommu_resv_type type;
	void (*free)(struct device *dev, struct iommu_resv_region *region);
};

struct iommu_domain_geometry {
	dma_addr_t aperture_start;	/* first address that can be mapped */
	dma_addr_t aperture_end;	/* last address that can be mapped */
	bool force_aperture;		/* DMA only allowed in the aperture */
};

/* Driver data passed through from user space (iommufd's uAPI blobs). */
/* A PASID (include/linux/ioasid.h); 0 is the RID's own translation. */
typedef unsigned int ioasid_t;
#define IOMMU_NO_PASID	0U

struct iommu_user_data {
	unsigned int type;
	const void *uptr;
	size_t len;
};

struct iommu_domain_ops {
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	/* Map pgcount pages of pgsize; *mapped counts what was mapped even
	 * on failure so the core can unwind. */
	int (*map_pages)(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, size_t *mapped);
	size_t (*unmap_pages)(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *iotlb_gather);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
	int (*iotlb_sync_map)(struct iommu_domain *domain, unsigned long iova,
			      size_t size);
	void (*iotlb_sync)(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *iotlb_gather);
	phys_addr_t (*iova_to_phys)(struct iommu_domain *domain, dma_addr_t iova);
	/*
	 * NESTED domains, rfc-2023 MSI model only (kernel/msi-rfc-2023.c): the
	 * unmanaged domain a doorbell must go into, the op Jason Gunthorpe's
	 * 2023 sketch called get_unmanged_msi_domain.  Not in mainline, where
	 * iommufd finds a nested hwpt's paging parent itself.
	 */
	struct iommu_domain *(*get_msi_mapping_domain)(struct iommu_domain *domain);
	/*
	 * NESTED domains: the guest's stage-1 invalidations, an array of
	 * driver-format entries (kernel/iommufd/iommufd.h); set
	 * array->entry_num to the entries handled.
	 */
	int (*cache_invalidate_user)(struct iommu_domain *domain,
				     struct iommu_user_data_array *array);
	/*
	 * PASID pasid of dev now translates through domain (old: what it
	 * used before, NULL for none).  The driver's blocked domain's op
	 * removes a PASID (kernel/iommu-pasid.c).
	 */
	int (*set_dev_pasid)(struct iommu_domain *domain, struct device *dev,
			     ioasid_t pasid, struct iommu_domain *old);
	void (*free)(struct iommu_domain *domain);
};

/*
 * Dirty tracking (include/linux/iommu.h of mainline, read at v6.18): a
 * domain allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING carries dirty_ops;
 * read_and_clear_dirty() reports each dirty IOVA range through
 * iommu_dirty_bitmap_record(), which marks the caller's iova_bitmap and
 * widens the gather so the caller can flush the IOTLB once afterwards.
 * IOMMU_DIRTY_NO_CLEAR reads without clearing (no flush needed).
 */
struct iova_bitmap;
struct iommu_dirty_bitmap {
	struct iova_bitmap *bitmap;
	struct iommu_iotlb_gather *gather;
};

#define IOMMU_DIRTY_NO_CLEAR	(1 << 0)

struct iommu_dirty_ops {
	int (*set_dirty_tracking)(struct iommu_domain *domain, bool enabled);
	int (*read_and_clear_dirty)(struct iommu_domain *domain,
				    unsigned long iova, size_t size,
				    unsigned long flags,
				    struct iommu_dirty_bitmap *dirty);
};

/* Marks [iova, iova + length) in bitmap (kernel/iommufd's iova_bitmap). */
void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length);

static inline void iommu_dirty_bitmap_init(struct iommu_dirty_bitmap *dirty,
					   struct iova_bitmap *bitmap,
					   struct iommu_iotlb_gather *gather)
{
	if (gather)
		iommu_iotlb_gather_init(gather);
	dirty->bitmap = bitmap;
	dirty->gather = gather;
}

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty,
					     unsigned long iova,
					     unsigned long length)
{
	if (dirty->bitmap)
		iova_bitmap_set(dirty->bitmap, iova, length);
	if (dirty->gather)
		iommu_iotlb_gather_add_range(dirty->gather, iova, length);
}

enum iommu_domain_cookie_type {
	IOMMU_COOKIE_NONE,
	IOMMU_COOKIE_DMA_IOVA,		/* dma-iommu: a DMA(_FQ) domain */
	IOMMU_COOKIE_DMA_MSI,		/* iommu_get_msi_cookie(): VFIO type1 */
	IOMMU_COOKIE_FAULT_HANDLER,
	IOMMU_COOKIE_SVA,
	IOMMU_COOKIE_IOMMUFD,		/* an iommufd hwpt (kernel/sw-msi.c) */
};

struct iommu_domain {
	unsigned int type;
	const struct iommu_domain_ops *ops;
	const struct iommu_dirty_ops *dirty_ops;	/* NULL: no dirty tracking */
	const struct iommu_ops *owner;	/* whose domain_alloc made it */
	unsigned long pgsize_bitmap;	/* page sizes in use */
	struct iommu_domain_geometry geometry;
	struct kernel *k;		/* NULL for a driver's static domains */
	/*
	 * Who owns the domain's IOVA space and so may install an MSI doorbell
	 * in it (include/linux/iommu.h's cookie_type, mainline since 6.15):
	 * iommu_dma_prepare_msi() switches on it.  Mainline keeps the owners'
	 * records in a union; here they are two fields, each valid only for
	 * its cookie_type.
	 */
	enum iommu_domain_cookie_type cookie_type;
	void *iova_cookie;		/* DMA_IOVA, DMA_MSI: dma-iommu's cookie */
	void *iommufd_hwpt;		/* IOMMUFD: sw-msi's record of the hwpt */
};

static inline bool iommu_is_dma_domain(struct iommu_domain *domain)
{
	return domain->type & __IOMMU_DOMAIN_DMA_API;
}

struct iommu_device;

struct iommu_ops {
	bool (*capable)(struct device *dev, enum iommu_cap cap);

	struct iommu_domain *(*domain_alloc_paging_flags)(
		struct device *dev, u32 flags,
		const struct iommu_user_data *user_data);
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	struct iommu_domain *(*domain_alloc_nested)(
		struct device *dev, struct iommu_domain *parent, u32 flags,
		const struct iommu_user_data *user_data);

	struct iommu_device *(*probe_device)(struct device *dev);
	void (*release_device)(struct device *dev);
	struct iommu_group *(*device_group)(struct device *dev);
	void (*get_resv_regions)(struct device *dev, struct list_head *list);
	/*
	 * iommufd's IOMMU_GET_HW_INFO: a kzalloc'd blob (iommufd kfrees it)
	 * of *length bytes.  *type is IOMMU_HW_INFO_TYPE_DEFAULT or the type
	 * user space asked for in, the type of the blob out; ERR_PTR(
	 * -EOPNOTSUPP) for a type the driver cannot report.
	 */
	void *(*hw_info)(struct device *dev, u32 *length, u32 *type);
	/*
	 * iommufd's IOMMU_VIOMMU_ALLOC: a vIOMMU of viommu_type over the nest
	 * parent; ERR_PTR(-EOPNOTSUPP) for a type the driver does not have.
	 * user_data is the driver's blob (data_uptr/data_len) or NULL when
	 * user space gave none, as mainline's viommu_init gets it; a driver
	 * writes its answer back with iommu_copy_struct_to_user.
	 */
	struct iommufd_viommu *(*viommu_alloc)(struct device *dev,
					       struct iommu_domain *parent,
					       struct iommufd_ctx *ictx,
					       unsigned int viommu_type,
					       const struct iommu_user_data *user_data);
	/* IOMMU_DOMAIN_IDENTITY or _DMA to force a default, 0 for no opinion. */
	int (*def_domain_type)(struct device *dev);

	const struct iommu_domain_ops *default_domain_ops;
	unsigned long pgsize_bitmap;
	struct iommu_domain *identity_domain;
	struct iommu_domain *blocked_domain;
};

struct iommu_device {
	struct list_head list;		/* in k->iommu_devices */
	const struct iommu_ops *ops;
	struct fwnode_handle *fwnode;
	struct device *dev;
	struct kernel *k;
};

/* Firmware's description of a device's IOMMU: which one, which IDs. */
struct iommu_fwspec {
	struct fwnode_handle *iommu_fwnode;
	u32 flags;
	unsigned int num_ids;
	u32 ids[];
};

/* Per-device IOMMU data (dev->iommu). */
struct dev_iommu {
	struct iommu_fwspec *fwspec;
	struct iommu_device *iommu_dev;
	void *priv;			/* the driver's */
	u32 max_pasids;
	bool require_direct;		/* has IOMMU_RESV_DIRECT regions */
};

static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return dev->iommu ? dev->iommu->fwspec : NULL;
}

static inline void *dev_iommu_priv_get(struct device *dev)
{
	return dev->iommu ? dev->iommu->priv : NULL;
}

static inline void dev_iommu_priv_set(struct device *dev, void *priv)
{
	dev->iommu->priv = priv;
}

static inline bool dev_has_iommu(struct device *dev)
{
	return dev && dev->iommu && dev->iommu->iommu_dev;
}

static inline const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return dev->iommu->iommu_dev->ops;
}

/* IOMMU registration; registering probes the kernel's waiting devices. */
int iommu_device_register(struct iommu_device *iommu,
			  const struct iommu_ops *ops, struct device *hwdev);
void iommu_device_unregister(struct iommu_device *iommu);

int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode);
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids);
void iommu_fwspec_free(struct device *dev);

/* Normally called by device_add()/device_del(). */
int iommu_probe_device(struct device *dev);
void iommu_release_device(struct device *dev);
bool device_iommu_capable(struct device *dev, enum iommu_cap cap);

/* Default-domain policy of a kernel instance (iommu.passthrough=, strict=). */
void iommu_set_default_passthrough(struct kernel *k, bool passthrough);
void iommu_set_dma_strict(struct kernel *k, bool strict);
unsigned int iommu_def_domain_type(struct kernel *k);

/* Groups. */
struct iommu_group *iommu_group_alloc(struct kernel *k);
struct iommu_group *iommu_group_get(struct device *dev);	/* takes a ref */
struct iommu_group *iommu_group_ref_get(struct iommu_group *group);
void iommu_group_put(struct iommu_group *group);
int iommu_group_id(struct iommu_group *group);
unsigned int iommu_group_device_count(struct iommu_group *group);
/* The generic device_group: a new group per device. */
struct iommu_group *generic_device_group(struct device *dev);
struct iommu_domain *iommu_group_default_domain(struct iommu_group *group);

/* Domains. */
struct iommu_domain *iommu_paging_domain_alloc_flags(struct device *dev,
						     unsigned int flags);
static inline struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	return iommu_paging_domain_alloc_flags(dev, 0);
}
/*
 * What iommufd's nested HWPT allocation does around ops->domain_alloc_nested:
 * -ENODEV without IOMMU, -EOPNOTSUPP when the driver has no nesting,
 * -EINVAL unless parent is this driver's paging domain; the result is an
 * IOMMU_DOMAIN_NESTED domain.
 */
struct iommu_domain *iommu_domain_alloc_nested(struct device *dev,
					       struct iommu_domain *parent,
					       u32 flags,
					       const struct iommu_user_data *user_data);
void iommu_domain_free(struct iommu_domain *domain);

/* Attachment. */
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group);
int iommu_group_replace_domain(struct iommu_group *group,
			       struct iommu_domain *new_domain);
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
struct iommu_domain *iommu_get_dma_domain(struct device *dev);

/*
 * PASIDs (kernel/iommu-pasid.c, mainline's iommu_attach_device_pasid and
 * friends): attach fails -EBUSY on a PASID already in use, replace -EINVAL
 * on one that is not; both -EINVAL for IOMMU_NO_PASID or a PASID past a
 * device's max_pasids, -EOPNOTSUPP without the drivers' set_dev_pasid.
 */
int iommu_attach_device_pasid(struct iommu_domain *domain, struct device *dev,
			      ioasid_t pasid);
int iommu_replace_device_pasid(struct iommu_domain *domain,
			       struct device *dev, ioasid_t pasid);
void iommu_detach_device_pasid(struct iommu_domain *domain, struct device *dev,
			       ioasid_t pasid);
/* The domain PASID pasid of the device's group uses, or NULL. */
struct iommu_domain *iommu_get_domain_for_dev_pasid(struct device *dev,
						    ioasid_t pasid);

/* DMA ownership (VFIO/iommufd take a group away from the DMA API). */
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner);
void iommu_group_release_dma_owner(struct iommu_group *group);
bool iommu_group_dma_owner_claimed(struct iommu_group *group);
int iommu_device_claim_dma_owner(struct device *dev, void *owner);
void iommu_device_release_dma_owner(struct device *dev);

/* Mapping (kernel/iommu-map.c). */
int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot);
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size);
size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather);
phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);
void iommu_flush_iotlb_all(struct iommu_domain *domain);
void iommu_iotlb_sync(struct iommu_domain *domain,
		      struct iommu_iotlb_gather *iotlb_gather);
/* The page size iommu_map() would pick at iova -> paddr for size bytes. */
size_t iommu_pgsize(struct iommu_domain *domain, unsigned long iova,
		    phys_addr_t paddr, size_t size, size_t *count);

/* A physically contiguous piece of a buffer (a scatterlist entry). */
struct scatterlist {
	phys_addr_t phys;
	unsigned int length;
	dma_addr_t dma_address;		/* set by the DMA API's map_sg */
	unsigned int dma_length;
};
/* Maps the entries back to back from iova; bytes mapped, or -errno with
 * everything undone. */
ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     const struct scatterlist *sg, unsigned int nents, int prot);

/* Reserved regions (kernel/iommu-resv.c). */
struct iommu_resv_region *iommu_alloc_resv_region(struct kernel *k,
						  phys_addr_t start,
						  size_t length, int prot,
						  enum iommu_resv_type type);
void iommu_get_resv_regions(struct device *dev, struct list_head *list);
void iommu_put_resv_regions(struct device *dev, struct list_head *list);
/* Every device's regions, sorted by start, same-type overlaps merged. */
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head);
/* Frees a list built by iommu_get_group_resv_regions(). */
void iommu_put_group_resv_regions(struct list_head *head);

#endif
