// SPDX-License-Identifier: MIT
/*
 * Guest RAM slots shared by the two VMM backends: see vmm/guest-ram.h.
 */
#include "vmm/guest-ram.h"

#include <string.h>

#include "kernel/kernel.h"

void *guest_ram_alloc(struct guest_ram *slots, struct kernel *k, u64 size)
{
	if (!size || size & 0xfff)
		return NULL;
	for (int i = 0; i < GUEST_RAM_SLOTS; i++) {
		struct guest_ram *r = &slots[i];

		if (r->size)
			continue;
		r->hpa = kernel_alloc_pages(k, size);
		if (!r->hpa)
			return NULL;
		r->hva = phys_to_virt(k, r->hpa, size);
		r->size = size;
		return r->hva;
	}
	return NULL;
}

struct guest_ram *guest_ram_find(struct guest_ram *slots, const void *hva, u64 size)
{
	for (int i = 0; i < GUEST_RAM_SLOTS; i++)
		if (slots[i].size && slots[i].hva == hva && slots[i].size == size)
			return &slots[i];
	return NULL;
}

void guest_ram_release(struct guest_ram *r, struct kernel *k)
{
	kernel_free_pages(k, r->hpa, r->size);
	memset(r, 0, sizeof(*r));
}

void guest_ram_release_all(struct guest_ram *slots, struct kernel *k)
{
	for (int i = 0; i < GUEST_RAM_SLOTS; i++)
		if (slots[i].size)
			guest_ram_release(&slots[i], k);
}

int guest_ram_hva_to_hpa(const struct guest_ram *slots, const void *hva, u64 size,
			 phys_addr_t *hpa)
{
	for (int i = 0; i < GUEST_RAM_SLOTS; i++) {
		const struct guest_ram *r = &slots[i];
		uintptr_t off = (uintptr_t)hva - (uintptr_t)r->hva;

		if (r->size && (const u8 *)hva >= r->hva && off < r->size &&
		    size <= r->size - off) {
			*hpa = r->hpa + off;
			return 0;
		}
	}
	return -EFAULT;
}
