/* SPDX-License-Identifier: MIT */
/*
 * A host kernel with a mock IOMMU and an iommufd context, for the
 * tests/iommufd_*.c programs: ioctl wrappers that fill in the size field as
 * a client of include/uapi/linux/iommufd.h does, and "user memory" that is
 * RAM of the kernel instance (what IOAS_MAP can pin).
 */
#ifndef IOMMUSIM_TESTS_IOMMUFD_HELPERS_H
#define IOMMUSIM_TESTS_IOMMUFD_HELPERS_H

#include <string.h>

#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-msi.h"
#include "kernel/iommufd/iommufd.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(256ull << 20)

struct fd_env {
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m;
	struct iommufd_ctx *ictx;
	struct device *devs[8];
	unsigned int ndevs;
	struct { phys_addr_t pa; u64 size; } mem_blocks[16];
	unsigned int nblocks;
};

static inline void fd_env_init(struct fd_env *e)
{
	memset(e, 0, sizeof(*e));
	e->mem = phys_mem_create();
	REQUIRE(e->mem && !phys_mem_add_ram(e->mem, RAM_BASE, RAM_SIZE, "ram"));
	e->k = kernel_create("host", e->mem, RAM_BASE, RAM_SIZE);
	REQUIRE(e->k);
	e->m = mock_iommu_create(e->k, "smmu0");
	REQUIRE(e->m);
	e->ictx = iommufd_ctx_create(e->k);
	REQUIRE(e->ictx);
}

static inline struct device *fd_env_dev(struct fd_env *e, const char *name,
					u32 sid)
{
	struct device *dev = mock_iommu_add_device(e->m, name, &sid, 1);

	REQUIRE(dev && e->ndevs < 8);
	e->devs[e->ndevs++] = dev;
	return dev;
}

static inline void fd_env_fini(struct fd_env *e)
{
	iommufd_ctx_destroy(e->ictx);
	while (e->ndevs)
		device_destroy(e->devs[--e->ndevs]);
	mock_iommu_destroy(e->m);
	while (e->nblocks) {
		e->nblocks--;
		CHECK_EQ(kernel_free_pages(e->k, e->mem_blocks[e->nblocks].pa,
					   e->mem_blocks[e->nblocks].size), 0);
	}
	/* Every page table and doorbell mapping went back. */
	CHECK_EQ(page_alloc_used_bytes(e->k->pages), 0);
	CHECK_EQ(atomic_load(&e->k->warnings), 0);
	kernel_destroy(e->k);
	phys_mem_destroy(e->mem);
}

/* Host memory that is the kernel's RAM: a VMM's guest memory. */
static inline void *user_mem(struct fd_env *e, u64 size, phys_addr_t *pa)
{
	phys_addr_t p = kernel_alloc_pages(e->k, size);

	REQUIRE(p && e->nblocks < 16);
	e->mem_blocks[e->nblocks].pa = p;
	e->mem_blocks[e->nblocks++].size = size;
	if (pa)
		*pa = p;
	return phys_to_virt(e->k, p, size);
}

#define IOCTL(e, cmd, arg)	iommufd_ioctl((e)->ictx, (cmd), (unsigned long)(arg))

static inline u32 ioas_alloc(struct fd_env *e)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	REQUIRE(IOCTL(e, IOMMU_IOAS_ALLOC, &a) == 0);
	return a.out_ioas_id;
}

static inline long ioas_map(struct fd_env *e, u32 ioas, void *buf, u64 len,
			    u64 *iova, u32 flags)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = (uintptr_t)buf, .length = len, .iova = *iova,
	};
	long ret = IOCTL(e, IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return ret;
}

#define MAP_RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FIXED_RW	(MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

static inline long ioas_unmap(struct fd_env *e, u32 ioas, u64 iova, u64 len,
			      u64 *unmapped)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas,
				      .iova = iova, .length = len };
	long ret = IOCTL(e, IOMMU_IOAS_UNMAP, &u);

	if (unmapped)
		*unmapped = u.length;
	return ret;
}

static inline long destroy_id(struct fd_env *e, u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return IOCTL(e, IOMMU_DESTROY, &d);
}

static inline long hwpt_alloc(struct fd_env *e, u32 dev_id, u32 pt_id, u32 flags,
			      u32 data_type, void *data, u32 len, u32 *out)
{
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id, .data_type = data_type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	long ret = IOCTL(e, IOMMU_HWPT_ALLOC, &h);

	if (out)
		*out = h.out_hwpt_id;
	return ret;
}

static inline u32 bind(struct fd_env *e, struct device *dev)
{
	u32 id = 0;

	REQUIRE(iommufd_device_bind(e->ictx, dev, &id) == 0);
	return id;
}

#endif
