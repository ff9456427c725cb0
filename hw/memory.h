/*
 * The emulated machine's physical address space.
 *
 * A phys_mem is a flat map of regions: RAM, backed by a host mapping reserved
 * up front and populated by the host kernel only on first touch (so a machine
 * can have gigabytes of RAM and pay for the pages it uses), and MMIO, backed
 * by read/write callbacks of the device that owns the window.  Every access
 * is little-endian, as on an Arm server.
 *
 * An access that hits nothing, or straddles the end of a region, returns
 * -EFAULT and changes nothing: a walker turns that into an external abort
 * (F_WALK_EABT), a DMA engine into a failed transfer.  Never a crash.
 *
 * Regions are added while the machine is built and never removed; accesses
 * may then run from any number of threads.  RAM contents have no lock, as
 * on hardware: concurrent writers to one location race like CPUs do.
 */
#ifndef IOMMUSIM_HW_MEMORY_H
#define IOMMUSIM_HW_MEMORY_H

#include "lib/types.h"

/*
 * Who issues a transaction.  The bus carries it to MMIO devices: the ITS
 * takes its DeviceID from requester_id, as GICv3 does from the SMMU's
 * StreamID or the PCI requester ID.
 */
struct mem_attrs {
	u32 requester_id;
	bool requester_valid;
};

#define MEM_ATTRS_NONE		((struct mem_attrs){ 0, false })
#define MEM_ATTRS_RID(rid)	((struct mem_attrs){ (rid), true })

/*
 * Callbacks of an MMIO window.  offset is relative to the window's base;
 * size is 1, 2, 4 or 8 and the access is naturally aligned.  Return 0, or
 * -EFAULT for an access the device does not decode (reported to the
 * requester as an external abort).
 */
struct mmio_ops {
	int (*read)(void *opaque, u64 offset, unsigned int size, u64 *val,
		    struct mem_attrs attrs);
	int (*write)(void *opaque, u64 offset, unsigned int size, u64 val,
		     struct mem_attrs attrs);
};

struct phys_mem;

struct phys_mem *phys_mem_create(void);
void phys_mem_destroy(struct phys_mem *mem);

/* Both return 0, -EINVAL (size 0, unaligned to 4K, or wraps), -EEXIST
 * (overlaps a region), -ENOSPC (too many regions) or -ENOMEM. */
int phys_mem_add_ram(struct phys_mem *mem, phys_addr_t base, u64 size,
		     const char *name);
int phys_mem_add_mmio(struct phys_mem *mem, phys_addr_t base, u64 size,
		      const struct mmio_ops *ops, void *opaque, const char *name);

/* Bulk copies; MMIO is split into naturally aligned accesses of up to 8 bytes. */
int phys_read(struct phys_mem *mem, phys_addr_t addr, void *buf, size_t len);
int phys_write(struct phys_mem *mem, phys_addr_t addr, const void *buf, size_t len);
int phys_read_attrs(struct phys_mem *mem, phys_addr_t addr, void *buf,
		    size_t len, struct mem_attrs attrs);
int phys_write_attrs(struct phys_mem *mem, phys_addr_t addr, const void *buf,
		     size_t len, struct mem_attrs attrs);

/* Single accesses of 1, 2, 4 or 8 bytes; *val is zero-extended. */
int phys_read_val(struct phys_mem *mem, phys_addr_t addr, unsigned int size,
		  u64 *val, struct mem_attrs attrs);
int phys_write_val(struct phys_mem *mem, phys_addr_t addr, unsigned int size,
		   u64 val, struct mem_attrs attrs);

static inline int phys_read64(struct phys_mem *mem, phys_addr_t addr, u64 *val)
{
	return phys_read_val(mem, addr, 8, val, MEM_ATTRS_NONE);
}

static inline int phys_write64(struct phys_mem *mem, phys_addr_t addr, u64 val)
{
	return phys_write_val(mem, addr, 8, val, MEM_ATTRS_NONE);
}

static inline int phys_read32(struct phys_mem *mem, phys_addr_t addr, u32 *val)
{
	u64 v;
	int ret = phys_read_val(mem, addr, 4, &v, MEM_ATTRS_NONE);

	*val = (u32)v;
	return ret;
}

static inline int phys_write32(struct phys_mem *mem, phys_addr_t addr, u32 val)
{
	return phys_write_val(mem, addr, 4, val, MEM_ATTRS_NONE);
}

/*
 * Host pointer to [addr, addr + len) when that range lies wholly inside one
 * RAM region, else NULL.  This is the kernel's linear map (phys_to_virt):
 * the kernel side uses it to write the memory it owns, and a walker may use
 * it as a fast path for descriptor fetches.  Host memory is little-endian
 * on every machine we build for; see the static assert in memory.c.
 */
void *phys_ram_ptr(struct phys_mem *mem, phys_addr_t addr, size_t len);

/*
 * The inverse of phys_ram_ptr: the physical address of host memory
 * [p, p + len) when it lies wholly inside one RAM region (0), else
 * -EFAULT.  Lets a kernel instance turn "user memory" of this process
 * that is really its own RAM (a VMM's guest memory) into the physical
 * pages an IOMMU maps, as pinning does.
 */
int phys_ram_virt_to_phys(struct phys_mem *mem, const void *p, size_t len,
			  phys_addr_t *pa);

/* How many host bytes of RAM have been touched, for tests of sparseness. */
u64 phys_mem_resident_bytes(struct phys_mem *mem);

#endif
