/* SPDX-License-Identifier: MIT */
/*
 * The shim's configuration (config.c): machine RAM, the IOMMU driver, and the
 * endpoints offered as /dev/vfio/devices/vfio0, vfio1, ... in order.
 */
#ifndef IOMMUSIM_PRELOAD_CONFIG_H
#define IOMMUSIM_PRELOAD_CONFIG_H

#include <stdbool.h>

#define PRELOAD_MAX_DEVICES		32
#define PRELOAD_MAX_SIDS		8
#define PRELOAD_MAX_ITEM		256
#define PRELOAD_DEFAULT_SID_BASE	0x10

struct preload_dev_config {
	unsigned int sids[PRELOAD_MAX_SIDS];	/* devices sharing one share a group */
	int nr_sids;
};

enum preload_iommu {
	PRELOAD_IOMMU_SMMUV3,		/* arm-smmu-v3 on the SMMUv3 model */
	PRELOAD_IOMMU_MOCK,		/* kernel/drivers/mock-iommu */
};

struct preload_config {
	unsigned long long ram;		/* machine RAM at 0x40000000 */
	enum preload_iommu iommu;
	unsigned int httu;		/* the SMMU's IDR0.HTTU (dirty tracking: 2) */
	int nr_devices;
	struct preload_dev_config dev[PRELOAD_MAX_DEVICES];
	bool selftest;			/* IOMMU_TEST_CMD's mock driver (default on) */
	unsigned int trace;		/* IOMMUSIM_TRACE_* categories, to stderr */
	int coherency;			/* SMMUV3_COHERENCY_*, -1: $IOMMUSIM_COHERENCY */
};

void preload_config_defaults(struct preload_config *c);
/* Applies text's items to c; -EINVAL (after a message on stderr) if bad. */
int preload_config_parse(struct preload_config *c, const char *src,
			 const char *text);
/* Defaults, then $IOMMUSIM_PRELOAD_CONFIG, then $IOMMUSIM_PRELOAD. */
int preload_config_load(struct preload_config *c);

#endif
