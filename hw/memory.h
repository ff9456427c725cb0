/* SPDX-License-Identifier: MIT */
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
 *
 * A public header (installed with smmuv3.h, docs/embedding.md): it uses
 * only <stdint.h> types and defines no short names (u64, BIT, ...), so
 * that an emulator with its own can include it.  Addresses are machine
 * physical addresses (phys_addr_t inside iommusim, the same type).
 */
#ifndef IOMMUSIM_HW_MEMORY_H
#define IOMMUSIM_HW_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Who issues a transaction.  The bus carries it to MMIO devices: the ITS
 * takes its DeviceID from requester_id, as GICv3 does from the SMMU's
 * StreamID or the PCI requester ID.
 */
struct mem_attrs {
	uint32_t requester_id;
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
	int (*read)(void *opaque, uint64_t offset, unsigned int size,
		    uint64_t *val, struct mem_attrs attrs);
	int (*write)(void *opaque, uint64_t offset, unsigned int size,
		     uint64_t val, struct mem_attrs attrs);
};

struct phys_mem;

struct phys_mem *phys_mem_create(void);
void phys_mem_destroy(struct phys_mem *mem);

/* Both return 0, -EINVAL (size 0, unaligned to 4K, or wraps), -EEXIST
 * (overlaps a region), -ENOSPC (too many regions) or -ENOMEM. */
int phys_mem_add_ram(struct phys_mem *mem, uint64_t base, uint64_t size,
		     const char *name);
int phys_mem_add_mmio(struct phys_mem *mem, uint64_t base, uint64_t size,
		      const struct mmio_ops *ops, void *opaque, const char *name);
/*
 * RAM whose contents are an existing host buffer of size bytes: the same
 * bytes then appear at base here and wherever else that buffer is mapped.
 * A VMM builds a guest's physical address space so, over host RAM it
 * allocated: a guest write at an IPA is the host write at the page behind
 * it.  The buffer is borrowed (never freed here, not counted by
 * phys_mem_resident_bytes) and must outlive mem.  -EINVAL also for a NULL
 * or not 8-byte aligned host pointer.
 */
int phys_mem_add_ram_backed(struct phys_mem *mem, uint64_t base, uint64_t size,
			    void *host, const char *name);

/*
 * A window onto this host process's own memory, the way an emulator maps
 * guest RAM, except that a page is reachable only while pinned: physical
 * address base + off is the byte at host address host + off (off < size),
 * and an access to a page nobody pinned is -EFAULT, like a hole.  host may
 * be 0: the window then shows the whole process (a 47-bit user address
 * space fits a 2^47 window above 2^47, under a 48-bit OAS).  A kernel
 * instance pins there what a program maps for DMA, so a device reads and
 * writes the program's own bytes, no copies.  The same -EINVAL, -EEXIST,
 * -ENOSPC, -ENOMEM as the other regions.
 */
int phys_mem_add_host_window(struct phys_mem *mem, uint64_t base,
			     uint64_t size, uintptr_t host, const char *name);

/*
 * pin_user_pages for the machine: host memory [p, p + len) is checked for
 * the access asked for (unmapped memory, or read-only memory pinned
 * writable, is -EFAULT; file-backed pages are faulted in), then reachable through
 * the window holding it until unpinned; *pa is p's physical address.
 * Memory that is machine RAM (phys_ram_ptr's) is always reachable:
 * its address is returned and nothing is counted.  -EFAULT also when no
 * RAM or window holds the range; -ENOMEM.  Pins nest; each unpin names the
 * range and writability of one pin.  Pins come and go while accesses run;
 * a page the host unmaps while pinned, other than through
 * phys_mem_unmap_host, must not be reached by a device (the host cannot
 * keep the page as Linux does).
 */
int phys_mem_pin_host(struct phys_mem *mem, const void *p, size_t len,
		      bool writable, uint64_t *pa);
void phys_mem_unpin_host(struct phys_mem *mem, const void *p, size_t len,
			 bool writable);
/*
 * The host program's munmap(p, len), for whoever interposes it (the
 * LD_PRELOAD shim): Linux keeps pinned pages alive for the device after
 * the program unmaps them, so here pinned pages of a window stay mapped
 * until their last unpin (the program can no longer pin them: -EFAULT),
 * and everything else is unmapped now.  0 or -errno, as munmap; when no
 * window page of the range is pinned, simply munmap.
 */
int phys_mem_unmap_host(struct phys_mem *mem, void *p, size_t len);
/*
 * The program's mmap(MAP_FIXED) at [p, p + len), made by map(arg): pinned
 * pages it replaces that phys_mem_unmap_host kept are the program's
 * again, and stay mapped after their last unpin.  Returns map's result.
 */
void *phys_mem_map_over_host(struct phys_mem *mem, void *p, size_t len,
			     void *(*map)(void *arg), void *arg);

/* Bulk copies; MMIO is split into naturally aligned accesses of up to 8 bytes. */
int phys_read(struct phys_mem *mem, uint64_t addr, void *buf, size_t len);
int phys_write(struct phys_mem *mem, uint64_t addr, const void *buf,
	       size_t len);
int phys_read_attrs(struct phys_mem *mem, uint64_t addr, void *buf,
		    size_t len, struct mem_attrs attrs);
int phys_write_attrs(struct phys_mem *mem, uint64_t addr, const void *buf,
		     size_t len, struct mem_attrs attrs);

/* Single accesses of 1, 2, 4 or 8 bytes; *val is zero-extended. */
int phys_read_val(struct phys_mem *mem, uint64_t addr, unsigned int size,
		  uint64_t *val, struct mem_attrs attrs);
int phys_write_val(struct phys_mem *mem, uint64_t addr, unsigned int size,
		   uint64_t val, struct mem_attrs attrs);

static inline int phys_read64(struct phys_mem *mem, uint64_t addr,
			      uint64_t *val)
{
	return phys_read_val(mem, addr, 8, val, MEM_ATTRS_NONE);
}

static inline int phys_write64(struct phys_mem *mem, uint64_t addr,
			       uint64_t val)
{
	return phys_write_val(mem, addr, 8, val, MEM_ATTRS_NONE);
}

static inline int phys_read32(struct phys_mem *mem, uint64_t addr,
			      uint32_t *val)
{
	uint64_t v;
	int ret = phys_read_val(mem, addr, 4, &v, MEM_ATTRS_NONE);

	*val = (uint32_t)v;
	return ret;
}

static inline int phys_write32(struct phys_mem *mem, uint64_t addr,
			       uint32_t val)
{
	return phys_write_val(mem, addr, 4, val, MEM_ATTRS_NONE);
}

/*
 * Host pointer to [addr, addr + len) when that range lies wholly inside one
 * RAM region, or inside a host window and pinned writable there, else NULL.  This is the kernel's linear map (phys_to_virt):
 * the kernel side uses it to write the memory it owns, and a walker may use
 * it as a fast path for descriptor fetches.  Host memory is little-endian
 * on every machine we build for; see the static assert in memory.c.
 */
void *phys_ram_ptr(struct phys_mem *mem, uint64_t addr, size_t len);

/*
 * phys_ram_ptr() for a caller that keeps the pointer: the same pointer
 * when the range is machine RAM (a RAM region, borrowed or not), which
 * stays where it is as long as mem does; NULL for everything else,
 * host windows included (their pages come and go with their pins).  The
 * SMMU's walk cache keeps one per cached table, so a TLB miss that hits
 * it reads the leaf without looking the region up again.
 */
void *phys_ram_ptr_fixed(struct phys_mem *mem, uint64_t addr, size_t len);

/*
 * The inverse of phys_ram_ptr: the physical address at which the machine
 * sees host memory [p, p + len) - inside one RAM region, or a host window
 * (where it is reachable only while pinned: this neither pins nor checks)
 * - (0), else -EFAULT.  What get_user_pages answers about a page's frame.
 */
int phys_ram_virt_to_phys(struct phys_mem *mem, const void *p, size_t len,
			  uint64_t *pa);

/*
 * What a page is, as the kernel's struct page tells whatever maps it: a
 * byte of a shared mapping of a file (memfd, tmpfs, hugetlbfs, shared
 * anonymous memory) is the file's (dev, ino, off) wherever the process
 * maps it; any other byte is its host address (dev and ino 0).  Two
 * physical addresses of the machine (host windows show each mapping of a
 * file at its own address) are the same page when their ids are equal.
 */
struct host_page_id {
	uint64_t dev, ino, off;
};
void host_page_id(const void *p, struct host_page_id *id);
/* The id of the host byte behind pa (RAM or a host window), else -EFAULT. */
int phys_page_id(struct phys_mem *mem, uint64_t pa, struct host_page_id *id);

/* How many host bytes of RAM have been touched, for tests of sparseness. */
uint64_t phys_mem_resident_bytes(struct phys_mem *mem);

#ifdef __cplusplus
}
#endif

#endif
