// SPDX-License-Identifier: MIT
/*
 * Physical address space of the emulated machine: see memory.h.
 *
 * RAM is one anonymous host mapping per region with MAP_NORESERVE, so the
 * host kernel does the sparse allocation for us: untouched pages cost
 * nothing and read as zero, like RAM after reset.  A region table small
 * enough to scan linearly (a machine has a handful of regions) keeps the
 * lookup cheaper than any tree would be.
 *
 * A host window (phys_mem_add_host_window) is RAM that is the host
 * process's own memory at a fixed offset, gated by pin counts
 * (host-pins.c), which also checks the host pages where pin_user_pages
 * would.
 */
#include "hw/memory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hw/host-pins.h"
#include "lib/bits.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "RAM is accessed in place: the host must be little-endian");

#define PHYS_MEM_MAX_REGIONS	32
#define PHYS_ADDR_LIMIT		(1ULL << 52)	/* largest OAS, see Arm IHI0070 6.3.1 */

struct mem_region {
	phys_addr_t base;
	u64 size;
	u8 *host;			/* RAM only */
	bool borrowed;			/* host belongs to someone else */
	struct host_pins *pins;		/* a host window ... */
	uintptr_t window;		/* ... showing host memory from here */
	const struct mmio_ops *ops;	/* MMIO only */
	void *opaque;
	char name[32];
};

struct phys_mem {
	unsigned int nr_regions;
	struct mem_region regions[PHYS_MEM_MAX_REGIONS];	/* sorted by base */
	/*
	 * The regions showing host memory (RAM, host windows), in region
	 * order: what a host address is looked up in (host_region), without
	 * walking the MMIO regions on every IOAS_MAP.
	 */
	unsigned int nr_host;
	unsigned char host_idx[PHYS_MEM_MAX_REGIONS];
};

struct phys_mem *phys_mem_create(void)
{
	return calloc(1, sizeof(struct phys_mem));
}

void phys_mem_destroy(struct phys_mem *mem)
{
	if (!mem)
		return;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		if (mem->regions[i].host && !mem->regions[i].borrowed)
			munmap(mem->regions[i].host, mem->regions[i].size);
		host_pins_destroy(mem->regions[i].pins);
	}
	free(mem);
}

static int add_region(struct phys_mem *mem, const struct mem_region *r)
{
	unsigned int i, pos = 0;

	if (!r->size || !IS_ALIGNED(r->base | r->size, 4096) ||
	    r->base >= PHYS_ADDR_LIMIT || r->size > PHYS_ADDR_LIMIT - r->base)
		return -EINVAL;
	if (mem->nr_regions == PHYS_MEM_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < mem->nr_regions; i++) {
		const struct mem_region *o = &mem->regions[i];

		if (r->base < o->base + o->size && o->base < r->base + r->size)
			return -EEXIST;
		if (o->base < r->base)
			pos = i + 1;
	}
	memmove(&mem->regions[pos + 1], &mem->regions[pos],
		(mem->nr_regions - pos) * sizeof(*r));
	mem->regions[pos] = *r;
	mem->nr_regions++;
	mem->nr_host = 0;
	for (i = 0; i < mem->nr_regions; i++)
		if (mem->regions[i].host || mem->regions[i].pins)
			mem->host_idx[mem->nr_host++] = (unsigned char)i;
	return 0;
}

int phys_mem_add_ram(struct phys_mem *mem, phys_addr_t base, u64 size,
		     const char *name)
{
	struct mem_region r = { .base = base, .size = size };
	int ret;

	if (!size || size > PHYS_ADDR_LIMIT)
		return -EINVAL;
	r.host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r.host == MAP_FAILED)
		return -ENOMEM;
	strncpy(r.name, name ? name : "ram", sizeof(r.name) - 1);
	ret = add_region(mem, &r);
	if (ret)
		munmap(r.host, size);
	return ret;
}

int phys_mem_add_ram_backed(struct phys_mem *mem, phys_addr_t base, u64 size,
			    void *host, const char *name)
{
	struct mem_region r = { .base = base, .size = size, .host = host,
				.borrowed = true };

	if (!host || !IS_ALIGNED((uintptr_t)host, 8))
		return -EINVAL;
	strncpy(r.name, name ? name : "ram", sizeof(r.name) - 1);
	return add_region(mem, &r);
}

int phys_mem_add_host_window(struct phys_mem *mem, phys_addr_t base, u64 size,
			     uintptr_t host, const char *name)
{
	struct mem_region r = { .base = base, .size = size, .window = host };
	int ret;

	if (!size || size > PHYS_ADDR_LIMIT || !IS_ALIGNED(host, 4096) ||
	    host + size < host)
		return -EINVAL;
	r.pins = host_pins_create(host, size / 4096);
	if (!r.pins)
		return -ENOMEM;
	strncpy(r.name, name ? name : "host", sizeof(r.name) - 1);
	ret = add_region(mem, &r);
	if (ret) {
		host_pins_destroy(r.pins);
		return ret;
	}
	return 0;
}

int phys_mem_add_mmio(struct phys_mem *mem, phys_addr_t base, u64 size,
		      const struct mmio_ops *ops, void *opaque, const char *name)
{
	struct mem_region r = { .base = base, .size = size, .ops = ops,
				.opaque = opaque };

	if (!ops || !ops->read || !ops->write)
		return -EINVAL;
	strncpy(r.name, name ? name : "mmio", sizeof(r.name) - 1);
	return add_region(mem, &r);
}

/* The region holding all of [addr, addr + len), or NULL. */
static inline struct mem_region *find_region(struct phys_mem *mem,
					     phys_addr_t addr, size_t len)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *r = &mem->regions[i];

		if (addr < r->base)
			return NULL;
		if (addr - r->base < r->size)
			return len <= r->size - (addr - r->base) ? r : NULL;
	}
	return NULL;
}

/* For a host window: whether [addr, addr + len) of r is pinned as asked. */
static bool window_reachable(const struct mem_region *r, phys_addr_t addr,
			     size_t len, bool write)
{
	u64 first = (addr - r->base) / 4096;
	u64 last = (addr - r->base + len - 1) / 4096;

	return host_pins_reachable(r->pins, first, last - first + 1, write);
}

void *phys_ram_ptr(struct phys_mem *mem, phys_addr_t addr, size_t len)
{
	struct mem_region *r = find_region(mem, addr, len ? len : 1);

	if (!r)
		return NULL;
	if (r->pins) {
		/* A pointer lets its holder write: only to pages pinned writable. */
		if (!window_reachable(r, addr, len ? len : 1, true))
			return NULL;
		return (void *)(r->window + (addr - r->base));
	}
	return r->host ? r->host + (addr - r->base) : NULL;
}

void *phys_ram_ptr_fixed(struct phys_mem *mem, phys_addr_t addr, size_t len)
{
	struct mem_region *r = find_region(mem, addr, len ? len : 1);

	return r && !r->pins && r->host ? r->host + (addr - r->base) : NULL;
}

/*
 * One pass over the regions: the RAM region holding host memory
 * [p, p + len) (machine memory, always reachable), else the host window
 * holding it, else NULL.
 */
static struct mem_region *host_region(struct phys_mem *mem, uintptr_t p,
				      size_t len)
{
	struct mem_region *win = NULL;

	for (unsigned int i = 0; i < mem->nr_host; i++) {
		struct mem_region *r = &mem->regions[mem->host_idx[i]];
		uintptr_t h = r->pins ? r->window : (uintptr_t)r->host;

		if (p < h || p - h >= r->size || len > r->size - (p - h))
			continue;
		if (!r->pins)
			return r;
		win = r;
	}
	return win;
}

static phys_addr_t host_region_pa(const struct mem_region *r, uintptr_t p)
{
	return r->base + (p - (r->pins ? r->window : (uintptr_t)r->host));
}

int phys_mem_pin_host(struct phys_mem *mem, const void *p, size_t len,
		      bool writable, phys_addr_t *pa)
{
	uintptr_t start = ALIGN_DOWN((uintptr_t)p, 4096), end;
	struct mem_region *r;
	int ret;

	if (!len || __builtin_add_overflow((uintptr_t)p, len, &end))
		return -EFAULT;
	r = host_region(mem, (uintptr_t)p, len);
	if (!r)
		return -EFAULT;
	*pa = host_region_pa(r, (uintptr_t)p);
	if (!r->pins)
		return 0;
	end = ALIGN(end, 4096);
	if (end - start > r->size - (start - r->window))
		return -EFAULT;
	ret = host_pins_get(r->pins, (start - r->window) / 4096,
			    (end - start) / 4096, writable);
	return ret == -EINVAL ? -EFAULT : ret;
}

void phys_mem_unpin_host(struct phys_mem *mem, const void *p, size_t len,
			 bool writable)
{
	uintptr_t start = ALIGN_DOWN((uintptr_t)p, 4096);
	uintptr_t end = ALIGN((uintptr_t)p + len, 4096);
	struct mem_region *r = len ? host_region(mem, (uintptr_t)p, len) : NULL;

	if (r && r->pins)
		host_pins_put(r->pins, (start - r->window) / 4096,
			      (end - start) / 4096, writable);
}

/* The window holding host [start, end), page aligned, or NULL. */
static struct mem_region *unmap_window(struct phys_mem *mem, uintptr_t start,
				       uintptr_t end)
{
	for (unsigned int i = 0; i < mem->nr_host; i++) {
		struct mem_region *r = &mem->regions[mem->host_idx[i]];

		if (r->pins && start >= r->window && end - r->window <= r->size)
			return r;
	}
	return NULL;
}

void *phys_mem_map_over_host(struct phys_mem *mem, void *p, size_t len,
			     void *(*map)(void *arg), void *arg)
{
	uintptr_t start = ALIGN_DOWN((uintptr_t)p, 4096), end;
	struct mem_region *r;

	if (!len || __builtin_add_overflow((uintptr_t)p, len, &end) ||
	    ALIGN(end, 4096) < end)
		return map(arg);
	end = ALIGN(end, 4096);
	r = unmap_window(mem, start, end);
	if (!r)
		return map(arg);
	return host_pins_map_over(r->pins, (start - r->window) / 4096,
				  (end - start) / 4096, map, arg);
}

int phys_mem_unmap_host(struct phys_mem *mem, void *p, size_t len)
{
	uintptr_t start = (uintptr_t)p, end;
	struct mem_region *r;

	if (!IS_ALIGNED(start, 4096) || !len ||
	    __builtin_add_overflow(start, ALIGN(len, 4096), &end))
		return -EINVAL;
	r = unmap_window(mem, start, end);
	if (r)
		return host_pins_unmap(r->pins, (start - r->window) / 4096,
				       (end - start) / 4096);
	return syscall(SYS_munmap, p, len) ? -errno : 0;
}

int phys_ram_virt_to_phys(struct phys_mem *mem, const void *p, size_t len,
			  phys_addr_t *pa)
{
	struct mem_region *r = host_region(mem, (uintptr_t)p, len ? len : 1);

	if (!r)
		return -EFAULT;
	*pa = host_region_pa(r, (uintptr_t)p);
	return 0;
}

void host_page_id(const void *p, struct host_page_id *id)
{
	host_pins_page_id((uintptr_t)p, &id->dev, &id->ino, &id->off);
}

int phys_page_id(struct phys_mem *mem, uint64_t pa, struct host_page_id *id)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *r = &mem->regions[i];

		if (pa < r->base || pa - r->base >= r->size || (!r->host && !r->pins))
			continue;
		host_page_id((const void *)((r->pins ? r->window : (uintptr_t)r->host) +
					    (pa - r->base)), id);
		return 0;
	}
	return -EFAULT;
}

static int mmio_access(struct mem_region *r, phys_addr_t addr, u8 *buf,
		       size_t len, bool write, struct mem_attrs attrs)
{
	u64 off = addr - r->base;

	while (len) {
		/* Largest naturally aligned access that fits. */
		unsigned int size = 8;
		u64 val = 0;
		int ret;

		while (size > len || (off & (size - 1)))
			size >>= 1;
		if (write) {
			memcpy(&val, buf, size);
			ret = r->ops->write(r->opaque, off, size, val, attrs);
		} else {
			ret = r->ops->read(r->opaque, off, size, &val, attrs);
			memcpy(buf, &val, size);
		}
		if (ret)
			return -EFAULT;
		off += size;
		buf += size;
		len -= size;
	}
	return 0;
}

static int mem_access(struct phys_mem *mem, phys_addr_t addr, void *buf,
		  size_t len, bool write, struct mem_attrs attrs)
{
	struct mem_region *r;

	if (!len)
		return 0;
	if (addr + len < addr)
		return -EFAULT;
	r = find_region(mem, addr, len);
	if (unlikely(!r))
		return -EFAULT;
	if (r->pins && !window_reachable(r, addr, len, write))
		return -EFAULT;
	if (r->host || r->pins) {
		u8 *p = r->pins ? (u8 *)(r->window + (addr - r->base)) :
				  r->host + (addr - r->base);

		if (write)
			memcpy(p, buf, len);
		else
			memcpy(buf, p, len);
		return 0;
	}
	return mmio_access(r, addr, buf, len, write, attrs);
}

int phys_read_attrs(struct phys_mem *mem, phys_addr_t addr, void *buf,
		    size_t len, struct mem_attrs attrs)
{
	return mem_access(mem, addr, buf, len, false, attrs);
}

int phys_write_attrs(struct phys_mem *mem, phys_addr_t addr, const void *buf,
		     size_t len, struct mem_attrs attrs)
{
	return mem_access(mem, addr, (void *)buf, len, true, attrs);
}

int phys_read(struct phys_mem *mem, phys_addr_t addr, void *buf, size_t len)
{
	return mem_access(mem, addr, buf, len, false, MEM_ATTRS_NONE);
}

int phys_write(struct phys_mem *mem, phys_addr_t addr, const void *buf, size_t len)
{
	return mem_access(mem, addr, (void *)buf, len, true, MEM_ATTRS_NONE);
}

static inline bool valid_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int phys_read_val(struct phys_mem *mem, phys_addr_t addr, unsigned int size,
		  u64 *val, struct mem_attrs attrs)
{
	*val = 0;
	if (!valid_size(size))
		return -EINVAL;
	return mem_access(mem, addr, val, size, false, attrs);
}

int phys_write_val(struct phys_mem *mem, phys_addr_t addr, unsigned int size,
		   u64 val, struct mem_attrs attrs)
{
	if (!valid_size(size))
		return -EINVAL;
	return mem_access(mem, addr, &val, size, true, attrs);
}

u64 phys_mem_resident_bytes(struct phys_mem *mem)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	u64 total = 0;

	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *r = &mem->regions[i];
		size_t pages, p;
		unsigned char *vec;

		if (!r->host || r->borrowed)
			continue;
		pages = (r->size + pagesz - 1) / pagesz;
		vec = malloc(pages);
		if (!vec)
			return 0;
		if (mincore(r->host, r->size, vec) == 0)
			for (p = 0; p < pages; p++)
				total += (vec[p] & 1) ? (u64)pagesz : 0;
		free(vec);
	}
	return total;
}
