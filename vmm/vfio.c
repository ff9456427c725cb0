// SPDX-License-Identifier: MIT
/*
 * VFIO's device side for the VMM backends (see vmm/vfio.h): what vfio-pci
 * does for SET_IRQS, its MSI eventfd and region read/write, over the host
 * kernel's endpoint driver and the machine.
 */
#include "kernel/platform.h"
#include "hw/its/its-regs.h"
#include "vmm/backend.h"
#include "vmm/vfio.h"

int vfio_set_msi(struct ep_device *hep, unsigned int nvec)
{
	if (!hep)
		return -ENOENT;
	if (hep->nvec == nvec)
		return 0;
	ep_free_msi(hep);
	return nvec ? ep_request_msi(hep, nvec) : 0;
}

/*
 * The host's handler for the device's LPI (VFIO's irq handler signalling
 * the eventfd): pending means fired; the handler clears it through the
 * redistributor's GICR_CLRLPIR, as a CPU acknowledging it would.
 */
int vfio_msi_fired(struct platform *host, struct ep_device *hep,
		   unsigned int vec)
{
	struct machine *m = platform_machine(host);
	unsigned int cpu;
	u32 lpi;
	int ret;

	if (!m || !hep)
		return -ENOENT;
	ret = ep_msi_lpi(hep, vec, &lpi, &cpu);
	if (ret)
		return ret;
	if (!machine_lpi_pending(m, cpu, lpi))
		return 0;
	phys_write_val(machine_mem(m), machine_get_config(m)->gicr_base +
		       cpu * GICR_FRAME_SIZE + GICR_CLRLPIR, 8, lpi,
		       MEM_ATTRS_NONE);
	return 1;
}

int vfio_bar_access(struct kernel *k, struct ep_device *hep, u64 off,
		    unsigned int size, u64 *val, bool write)
{
	if (!hep)
		return -ENOENT;
	if ((size != 4 && size != 8) || off & (size - 1) ||
	    off >= ENDPOINT_MMIO_SIZE)
		return -EINVAL;
	if (write)
		return phys_write_val(k->mem, hep->bar + off, size, *val,
				      MEM_ATTRS_NONE);
	return phys_read_val(k->mem, hep->bar + off, size, val, MEM_ATTRS_NONE);
}

int vfio_be_set_msi(struct vmm_backend *be, u32 dev, unsigned int nvec)
{
	return vfio_set_msi(be->hep(be, dev), nvec);
}

int vfio_be_msi_fired(struct vmm_backend *be, u32 dev, unsigned int vec)
{
	return vfio_msi_fired(be->host, be->hep(be, dev), vec);
}

int vfio_be_bar_read(struct vmm_backend *be, u32 dev, u64 off,
		     unsigned int size, u64 *val)
{
	return vfio_bar_access(platform_kernel(be->host), be->hep(be, dev), off,
			       size, val, false);
}

int vfio_be_bar_write(struct vmm_backend *be, u32 dev, u64 off,
		      unsigned int size, u64 val)
{
	return vfio_bar_access(platform_kernel(be->host), be->hep(be, dev), off,
			       size, &val, true);
}
