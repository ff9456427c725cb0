/* SPDX-License-Identifier: MIT */
/*
 * What the VMM's halves share: vmm.c (the virtual board, assigned BARs,
 * lifecycle) and vsmmu.c (the vSMMU's command trap, events).
 */
#ifndef IOMMUSIM_VMM_VMM_PRIV_H
#define IOMMUSIM_VMM_VMM_PRIV_H

#include <stdatomic.h>

#include "hw/its/its.h"
#include "hw/smmuv3/smmuv3.h"
#include "lib/lock.h"
#include "vmm/vmm.h"

struct vmm_vdev {
	struct vmm *vmm;
	u32 dev;		/* backend device ID */
	u32 vdev;		/* its vdevice ID */
	u32 vsid;
	unsigned int index;	/* guest endpoint / BAR slot */
	u32 hwpt;		/* nested HWPT in use, 0: the parent */
	u64 vste[2];		/* what hwpt was built from */
	/* The MSI capability as the guest sees it. */
	u32 msi_addr_lo, msi_addr_hi, msi_data;
	bool msi_on;		/* host vectors requested */
	unsigned int nvec;	/* how many */
};

struct vmm {
	struct vmm_backend *be;
	struct phys_mem *mem;		/* the guest's physical address space */
	void *ram;
	u64 ram_size;
	bool ram_mapped;		/* in the IOAS */
	struct smmuv3 *vsmmu;
	struct its *vits;
	u32 parent;			/* nest-parent HWPT, 0 before a device */
	struct mutex lock;		/* vdevs' HWPT state, stats */
	unsigned int nr_vdevs;
	struct vmm_vdev vdevs[VMM_MAX_DEVICES];
	struct platform *_Atomic guest;
	struct vmm_stats stats;
	vmm_trace_fn trace;
	void *trace_opaque;
};

void vmm_trace(struct vmm *vmm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* vsmmu.c */
struct smmuv3 *vsmmu_create(struct vmm *vmm);
extern const struct smmuv3_cmd_trap_ops vsmmu_trap_ops;

#endif
