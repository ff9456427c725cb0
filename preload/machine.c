// SPDX-License-Identifier: MIT
/*
 * The emulated machine behind the shim: the board of hw/machine.c (RAM,
 * an SMMUv3, a GICv3 ITS, PCI-like endpoints) built into the address
 * space that already holds the process's host window (preload.c), a host
 * kernel booted on it by the board file (kernel/platform.c) with the
 * configured IOMMU driver - arm-smmu-v3 on the SMMUv3 model, or the
 * software mock - and each configured endpoint added and probed, offered
 * as /dev/vfio/devices/vfioN.
 *
 * It is built once, on the first open of a served path, from the
 * configuration (config.c), and lives until the process exits: like the
 * host a real program runs on, it does not go away when the last
 * descriptor closes.  A configuration error is reported on stderr once
 * and every later open fails with ENODEV, as opening a node whose driver
 * never bound would.
 *
 * StreamIDs and requester IDs: a device's first StreamID is its RID on the
 * bus (its ITS DeviceID too) when no earlier device has that RID; devices
 * that share a StreamID get the next free RIDs and the board folds them
 * onto the shared StreamID (machine_set_endpoint_sid), so they share an
 * SMMU stream and an IOMMU group and keep MSIs of their own.  Every
 * configured StreamID goes into the device's fwspec.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/its/its.h"
#include "hw/machine.h"
#include "hw/smmuv3/smmuv3.h"
#include "kernel/drivers/iommufd-selftest.h"
#include "kernel/platform.h"
#include "preload/config.h"
#include "preload/preload.h"
#include "preload/vfio-irq.h"

/* An LPI the host kernel gave a device's MSI vector, as request_irq. */
struct lpi_route {
	u32 lpi;			/* 0: free */
	struct vfio_irqs *irqs;
	unsigned int vec;
};

#define NR_ROUTES	(PRELOAD_MAX_DEVICES * PRELOAD_EP_VECTORS)

struct preload_machine {
	struct preload_config cfg;
	struct machine *board;
	struct platform *p;
	struct selftest_iommu *selftest;	/* CONFIG_IOMMUFD_TEST's mock */
	int nr_vdevs;
	struct preload_vdev *vdevs[PRELOAD_MAX_DEVICES];
	pthread_mutex_t route_lock;
	struct lpi_route routes[NR_ROUTES];
};

/*
 * Only on a failed build: the kernel and the board go, the address space
 * stays (the process's host window is in it) with the board's windows
 * dangling, which nothing reaches again since a failed build is final.
 */
static void machine_teardown(struct preload_machine *m)
{
	if (m->board)
		machine_set_lpi_handler(m->board, NULL, NULL);
	for (int i = m->nr_vdevs - 1; i >= 0; i--)
		preload_vdev_destroy(m->vdevs[i]);
	selftest_iommu_destroy(m->selftest);
	if (m->p)
		platform_shutdown(m->p);	/* and the devices it added */
	machine_destroy(m->board);
	pthread_mutex_destroy(&m->route_lock);
	free(m);
}

/*
 * The board's CPU interface took an LPI (after the MSI write, in the
 * writing thread, nothing locked): the vector it belongs to fires.
 */
static void machine_lpi(void *opaque, unsigned int target, u32 intid)
{
	struct preload_machine *m = opaque;
	struct vfio_irqs *irqs = NULL;
	unsigned int vec = 0;

	(void)target;
	pthread_mutex_lock(&m->route_lock);
	for (unsigned int i = 0; i < NR_ROUTES && !irqs; i++) {
		if (m->routes[i].lpi == intid) {
			irqs = m->routes[i].irqs;
			vec = m->routes[i].vec;
		}
	}
	pthread_mutex_unlock(&m->route_lock);
	/* vdevs live as long as the machine: irqs stays valid. */
	if (irqs)
		vfio_irqs_fire(irqs, vec);
}

int preload_machine_route_lpi(struct preload_machine *m, uint32_t lpi,
			      struct vfio_irqs *irqs, unsigned int vec)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&m->route_lock);
	for (unsigned int i = 0; i < NR_ROUTES; i++) {
		if (!m->routes[i].lpi) {
			m->routes[i] = (struct lpi_route){ lpi, irqs, vec };
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&m->route_lock);
	return ret;
}

void preload_machine_unroute_lpis(struct preload_machine *m,
				  const struct vfio_irqs *irqs)
{
	pthread_mutex_lock(&m->route_lock);
	for (unsigned int i = 0; i < NR_ROUTES; i++)
		if (m->routes[i].irqs == irqs)
			m->routes[i] = (struct lpi_route){ 0 };
	pthread_mutex_unlock(&m->route_lock);
}

/* Device i's RID on the bus: its first StreamID unless another has it. */
/* trace= lines go to the program's stderr, as QEMU's -trace does. */
static void trace_line(void *opaque, unsigned int category, const char *line)
{
	(void)opaque;
	(void)category;
	fprintf(stderr, "%s\n", line);
}

/* coherency=report (or fatal, before it aborts): each report on stderr. */
static void coherency_line(void *opaque, const struct smmuv3_coherency_report *r)
{
	(void)opaque;
	fprintf(stderr, "iommusim-preload: coherency: %s\n", r->text);
}

static u32 pick_rid(const struct preload_config *c, int i, const u32 *rids)
{
	u32 rid = c->dev[i].sids[0];

	for (;;) {
		bool taken = false;

		for (int j = 0; j < i && !taken; j++)
			taken = rids[j] == rid;
		for (int j = 0; j < c->nr_devices && !taken &&
		     rid != c->dev[i].sids[0]; j++)
			taken = c->dev[j].sids[0] == rid;
		if (!taken)
			return rid;
		rid = (rid + 1) & 0xffff;
	}
}

static int machine_fail(struct preload_machine *m, const char *what, int err)
{
	fprintf(stderr, "iommusim-preload: cannot build the machine: %s: %s\n",
		what, strerror(-err));
	machine_teardown(m);
	return err == -ENOMEM ? -ENOMEM : -ENODEV;
}

int preload_machine_build(struct phys_mem *mem, struct preload_machine **out)
{
	struct preload_machine *m = calloc(1, sizeof(*m));
	struct platform_config pc = { 0 };
	struct machine_config mc;
	u32 rids[PRELOAD_MAX_DEVICES];
	char what[64];
	int ret;

	if (!m)
		return -ENOMEM;
	ret = preload_config_load(&m->cfg);
	if (ret) {
		free(m);
		return -ENODEV;
	}
	pthread_mutex_init(&m->route_lock, NULL);
	machine_config_default(&mc);
	mc.ram_size = m->cfg.ram;
	mc.smmu.httu = m->cfg.httu;
	if (m->cfg.coherency >= 0)
		mc.smmu.coherency = (unsigned int)m->cfg.coherency;
	m->board = machine_create_on(mem, &mc);
	if (!m->board)
		return machine_fail(m, "board", -ENOMEM);
	if (machine_smmu(m->board) && mc.smmu.coherency)
		smmuv3_set_coherency(machine_smmu(m->board), mc.smmu.coherency,
				     coherency_line, NULL);
	if (m->cfg.trace) {
		if (machine_smmu(m->board))
			smmuv3_set_trace(machine_smmu(m->board), m->cfg.trace, trace_line, NULL);
		its_set_trace(machine_its(m->board), m->cfg.trace, trace_line, NULL);
	}
	for (int i = 0; i < m->cfg.nr_devices; i++) {
		const struct preload_dev_config *dc = &m->cfg.dev[i];
		struct machine_ep_config ep = {
			.rid = pick_rid(&m->cfg, i, rids),
			.nr_vectors = PRELOAD_EP_VECTORS,
			.behind_smmu = true,
		};

		rids[i] = ep.rid;
		snprintf(what, sizeof(what), "vfio%d (StreamID 0x%x)", i, dc->sids[0]);
		ret = machine_add_endpoint(m->board, &ep);
		if (ret >= 0 && ep.rid != dc->sids[0])
			ret = machine_set_endpoint_sid(m->board, (unsigned int)ret,
						       dc->sids[0]);
		if (ret < 0)
			return machine_fail(m, what, ret);
	}

	pc.iommu = m->cfg.iommu == PRELOAD_IOMMU_SMMUV3 ? PLATFORM_IOMMU_SMMUV3 :
							  PLATFORM_IOMMU_MOCK;
	m->p = platform_boot(m->board, &pc);
	if (IS_ERR(m->p)) {
		ret = (int)PTR_ERR(m->p);
		m->p = NULL;
		return machine_fail(m, "host kernel", ret);
	}
	if (m->cfg.trace)
		kernel_set_trace(platform_kernel(m->p), m->cfg.trace, trace_line, NULL);
	/* As a kernel built with CONFIG_IOMMUFD_TEST: IOMMU_TEST_CMD works. */
	if (m->cfg.selftest) {
		m->selftest = selftest_iommu_create(platform_kernel(m->p));
		if (!m->selftest)
			return machine_fail(m, "iommufd selftest driver", -ENOMEM);
	}
	/* The host's CPUs take the LPIs: VFIO's MSI handler signals eventfds. */
	machine_set_lpi_handler(m->board, machine_lpi, m);
	for (int i = 0; i < m->cfg.nr_devices; i++) {
		const struct preload_dev_config *dc = &m->cfg.dev[i];
		struct ep_device *epd;
		char name[32];

		snprintf(name, sizeof(name), "vfio%d", i);
		snprintf(what, sizeof(what), "vfio%d (StreamID 0x%x)", i, dc->sids[0]);
		epd = platform_add_ep_sids(m->p, (unsigned int)i, name, dc->sids,
					   (unsigned int)dc->nr_sids);
		if (IS_ERR(epd))
			return machine_fail(m, what, (int)PTR_ERR(epd));
		m->vdevs[i] = preload_vdev_create(m, m->p, epd, i);
		if (!m->vdevs[i])
			return machine_fail(m, what, -ENOMEM);
		m->nr_vdevs++;
	}
	*out = m;
	return 0;
}

struct kernel *preload_machine_kernel(struct preload_machine *m)
{
	return platform_kernel(m->p);
}

int preload_machine_nr_devices(struct preload_machine *m)
{
	return m->nr_vdevs;
}

struct preload_vdev *preload_machine_vdev(struct preload_machine *m, int idx)
{
	return idx >= 0 && idx < m->nr_vdevs ? m->vdevs[idx] : NULL;
}
