/* SPDX-License-Identifier: MIT */
/*
 * The VFIO half of the VMM backends (vfio-pci's ioctls on a device fd),
 * shared by vmm/backend-kernel.c and vmm/backend-iommufd.c: MSI vectors
 * (VFIO_DEVICE_SET_IRQS), the vector's eventfd, BAR region access.  Each
 * works on the host endpoint a backend device ID names (the backend's
 * hep()); an ID the backend does not know is -ENOENT.  The vfio_be_* are
 * the backends' ops themselves (VMM_BACKEND_OPS).
 */
#ifndef IOMMUSIM_VMM_VFIO_H
#define IOMMUSIM_VMM_VFIO_H

#include "lib/types.h"

struct ep_device;
struct kernel;
struct platform;
struct vmm_backend;

/* nvec host vectors, or none (nvec 0). */
int vfio_set_msi(struct ep_device *hep, unsigned int nvec);
/* 1 when vector vec's LPI fired since the last call (consumed), else 0. */
int vfio_msi_fired(struct platform *host, struct ep_device *hep,
		   unsigned int vec);
/* A 4- or 8-byte aligned access inside the register BAR: -EINVAL else. */
int vfio_bar_access(struct kernel *k, struct ep_device *hep, u64 off,
		    unsigned int size, u64 *val, bool write);

/* The ops of vmm/backend.h, over be->hep(be, dev). */
int vfio_be_set_msi(struct vmm_backend *be, u32 dev, unsigned int nvec);
int vfio_be_msi_fired(struct vmm_backend *be, u32 dev, unsigned int vec);
int vfio_be_bar_read(struct vmm_backend *be, u32 dev, u64 off,
		     unsigned int size, u64 *val);
int vfio_be_bar_write(struct vmm_backend *be, u32 dev, u64 off,
		      unsigned int size, u64 val);

#endif
