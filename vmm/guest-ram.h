/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM as both VMM backends hand it out: a few slots of host kernel
 * pages, each the VMM's "anonymous mmap" of one guest RAM region, known by
 * its host pointer (what the VMM maps into the IOAS, as QEMU passes
 * user_va) and its host physical address (what pinning finds behind it).
 *
 * The backends differ in what keeps a slot pinned (vmm/backend-kernel.c
 * looks at its IOAS list by physical address, vmm/backend-iommufd.c at the
 * IOAS mappings it made by host pointer), so freeing is find, ask the
 * backend, release.  The caller holds its backend's lock around every call.
 */
#ifndef IOMMUSIM_VMM_GUEST_RAM_H
#define IOMMUSIM_VMM_GUEST_RAM_H

#include "lib/types.h"

struct kernel;

#define GUEST_RAM_SLOTS	16

struct guest_ram {
	u8 *hva;
	phys_addr_t hpa;
	u64 size;		/* 0: a free slot */
};

/* size bytes (whole pages) in a free slot: the host pointer, or NULL. */
void *guest_ram_alloc(struct guest_ram *slots, struct kernel *k, u64 size);
/* The slot that is exactly [hva, hva + size), or NULL. */
struct guest_ram *guest_ram_find(struct guest_ram *slots, const void *hva, u64 size);
/* Gives a slot's pages back to the kernel; the slot is free again. */
void guest_ram_release(struct guest_ram *r, struct kernel *k);
void guest_ram_release_all(struct guest_ram *slots, struct kernel *k);
/* The host physical address of [hva, hva + size) inside one slot, or -EFAULT. */
int guest_ram_hva_to_hpa(const struct guest_ram *slots, const void *hva, u64 size,
			 phys_addr_t *hpa);

#endif
