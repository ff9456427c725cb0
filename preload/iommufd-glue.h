/* SPDX-License-Identifier: MIT */
/*
 * What the VFIO device files (vfio.c) need from an iommufd context
 * (iommufd-file.c): Linux's iommufd_device_bind/attach/replace/detach/
 * unbind, reached through the /dev/iommu file the client named.
 */
#ifndef IOMMUSIM_PRELOAD_IOMMUFD_GLUE_H
#define IOMMUSIM_PRELOAD_IOMMUFD_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/uapi/linux/iommufd.h"

struct device;
struct shim_file;
struct preload_idev;

/* iommufd_device_bind: 0 with the device's id in the context, or -errno. */
int preload_iommufd_bind(struct shim_file *ictx_file, struct device *dev,
			 struct preload_idev **out, unsigned int *devid);
void preload_iommufd_unbind(struct preload_idev *idev);
/* iommufd_device_attach (or _replace): *pt_id in, the HWPT used out. */
int preload_iommufd_attach(struct preload_idev *idev, bool replace,
			   unsigned int *pt_id);
void preload_iommufd_detach(struct preload_idev *idev);

/*
 * iommufd-uptr.c: 0, or -EFAULT when a pointer inside the argument of
 * command cmd (a blob or an array iommufd reads) reaches a page the
 * program cannot read.  arg's first size bytes were found readable.
 */
struct iommufd_ctx;
/* The commands whose struct points at more user memory (the check's cases). */
static inline bool preload_iommufd_has_uptrs(unsigned int cmd)
{
	return cmd == IOMMU_HWPT_ALLOC || cmd == IOMMU_HWPT_INVALIDATE ||
	       cmd == IOMMU_IOAS_ALLOW_IOVAS || cmd == IOMMU_VIOMMU_ALLOC;
}
int preload_iommufd_check_uptrs(unsigned int cmd, unsigned long arg,
				uint32_t size);
/* What iommufd calls where Linux pins user memory (the dirty bitmap). */
int preload_iommufd_uaccess(void *uptr, size_t len, bool write);
/* The same for the VFIO type1 ioctls on /dev/iommu (their argsz struct). */
int preload_iommufd_check_vfio(struct iommufd_ctx *ictx, unsigned int cmd,
			       unsigned long arg);

#endif
