/*
 * The emulated machine behind the shim: RAM, one kernel instance owning
 * it, an IOMMU registered with that kernel, and the configured endpoints
 * probed behind it, each offered as /dev/vfio/devices/vfioN.
 *
 * It is built once, on the first open of a served path, from the
 * configuration (config.c), and lives until the process exits: like the
 * host a real program runs on, it does not go away when the last
 * descriptor closes.  A configuration error is reported on stderr once
 * and every later open fails with ENODEV, as opening a node whose driver
 * never bound would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/memory.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/kernel.h"
#include "preload/config.h"
#include "preload/preload.h"

#define MACHINE_RAM_BASE	0x40000000ULL

struct preload_machine {
	struct preload_config cfg;
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *iommu;
	int nr_vdevs;
	struct preload_vdev *vdevs[PRELOAD_MAX_DEVICES];
};

static void machine_destroy(struct preload_machine *m)
{
	for (int i = m->nr_vdevs - 1; i >= 0; i--)
		preload_vdev_destroy(m->vdevs[i]);
	if (m->iommu)
		mock_iommu_destroy(m->iommu);	/* and the devices it probed */
	if (m->k)
		kernel_destroy(m->k);
	free(m);
}

int preload_machine_build(struct phys_mem *mem, struct preload_machine **out)
{
	struct preload_machine *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	ret = preload_config_load(&m->cfg);
	if (ret) {
		free(m);
		return -ENODEV;
	}
	ret = -ENOMEM;
	m->mem = mem;
	if (phys_mem_add_ram(m->mem, MACHINE_RAM_BASE, m->cfg.ram, "ram"))
		goto err;
	m->k = kernel_create("host", m->mem, MACHINE_RAM_BASE, m->cfg.ram);
	if (!m->k)
		goto err;

	m->iommu = mock_iommu_create(m->k, "iommu0");
	if (!m->iommu)
		goto err;
	for (int i = 0; i < m->cfg.nr_devices; i++) {
		const struct preload_dev_config *dc = &m->cfg.dev[i];
		char name[32];
		struct device *dev;

		snprintf(name, sizeof(name), "vfio%d", i);
		dev = mock_iommu_add_device(m->iommu, name, dc->sids, dc->nr_sids);
		if (!dev)
			goto err;
		m->vdevs[i] = preload_vdev_create(m->mem, dev, i, dc->sids[0]);
		if (!m->vdevs[i])
			goto err;
		m->nr_vdevs++;
	}
	*out = m;
	return 0;
err:
	fprintf(stderr, "iommusim-preload: cannot build the machine (%s)\n",
		"out of memory");
	machine_destroy(m);
	return ret;
}

struct kernel *preload_machine_kernel(struct preload_machine *m)
{
	return m->k;
}

int preload_machine_nr_devices(struct preload_machine *m)
{
	return m->nr_vdevs;
}

struct preload_vdev *preload_machine_vdev(struct preload_machine *m, int idx)
{
	return idx >= 0 && idx < m->nr_vdevs ? m->vdevs[idx] : NULL;
}
