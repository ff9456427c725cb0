/* SPDX-License-Identifier: MIT */
/*
 * One operating-system instance.
 *
 * Everything the Linux kernel keeps in globals (the list of IOMMUs, devices,
 * groups, the page allocator) lives here instead, so a host kernel and a
 * guest kernel run side by side in one process, each over its own physical
 * address space: the host's is the machine's, the guest's is the IPA space
 * the VMM built.  Every kernel object points back to its instance.
 */
#ifndef IOMMUSIM_KERNEL_KERNEL_H
#define IOMMUSIM_KERNEL_KERNEL_H

#include <stdatomic.h>

#include "hw/memory.h"
#include "hw/trace-priv.h"
#include "kernel/page_alloc.h"
#include "kernel/printk.h"
#include "lib/list.h"
#include "lib/lock.h"

/* The instance's log (kernel/printk.h). */
struct kernel_log {
	spinlock_t lock;
	size_t written;			/* bytes ever written; the ring keeps the last */
	int console_level;
	kernel_console_fn console;
	void *console_opaque;
	char ring[KERNEL_LOG_BYTES];	/* only what was written is read: not zeroed */
};

struct msi_model;

struct kernel {
	char name[32];
	struct phys_mem *mem;		/* what this kernel calls physical */
	struct page_alloc *pages;	/* the RAM this kernel owns */

	/* Held across device add/del and IOMMU (un)registration: the probe lock. */
	struct mutex lock;
	struct list_head devices;
	struct list_head iommu_devices;
	struct mutex groups_lock;	/* groups and next_group_id */
	struct list_head groups;
	unsigned int next_group_id;

	/*
	 * Default-domain policy, Linux's iommu.passthrough= and iommu.strict=
	 * command-line options (set with iommu_set_default_passthrough() and
	 * iommu_set_dma_strict() in kernel/iommu.h before devices probe).
	 */
	unsigned int nr_cpu_ids;	/* kernel_host_cpus(), read once */
	bool iommu_passthrough;		/* default domains are IDENTITY */
	bool iommu_dma_lazy;		/* strict=0: DMA_FQ where the driver can */

	/* How MSI doorbells are placed (kernel/msi-model.h): mainline unless
	 * kernel_set_msi_model() chose one of the other designs. */
	const struct msi_model *msi_model;
	struct mutex msi_prepare_lock;	/* rfc-2023's static msi_prepare_lock */

	atomic_ulong warnings;		/* KWARN_ON() hits: a kernel bug or misuse */
	struct hw_trace trace;		/* IOMMUSIM_TRACE_IOMMUFD and _DMA */

	atomic_ulong kmalloc_fail_nth;	/* see kernel_fail_nth() */
	atomic_ulong *fail_count;	/* &kmalloc_fail_nth, or a shared count */
	struct kernel_fail_site *fail_site; /* &own_site, or a shared one */
	struct kernel_fail_site {
		const char *file, *func;	/* NULL until it fires */
		int line;
	} own_site;

	/* Last, for its ring: kernel_create() zeroes everything before it. */
	struct kernel_log log;
};

/*
 * Linux's WARN_ON for an instance: reports "should never happen" (a caller
 * breaking an API rule, a driver misbehaving), counts it so tests can see
 * it, and yields cond so the caller can bail out as the kernel does.
 */
void kernel_warn(struct kernel *k, const char *file, int line, const char *what);
void kernel_log_init(struct kernel *k);	/* kernel_create()'s */

/*
 * Trace (hw/trace.h) of the kernel's own events: IOMMUSIM_TRACE_DMA
 * (iommu_map/unmap as Linux's iommu:map and iommu:unmap events word them,
 * the DMA API's map/unmap as its dma: events) and IOMMUSIM_TRACE_IOMMUFD
 * (each ioctl and its result).  ktrace() costs a load and a branch off.
 */
void kernel_set_trace(struct kernel *k, unsigned int categories,
		      iommusim_trace_fn fn, void *opaque);
#define ktrace(k, category, ...)	hw_trace(&(k)->trace, (category), __VA_ARGS__)
#define KWARN_ON(k, cond) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		kernel_warn((k), __FILE__, __LINE__, #cond);		\
	__c;								\
})

unsigned int kernel_host_cpus(void);	/* the CPUs we may run on, >= 1 */

/* ram_base/ram_size: the part of mem's RAM the kernel's page allocator owns. */
struct kernel *kernel_create(const char *name, struct phys_mem *mem,
			     phys_addr_t ram_base, u64 ram_size);
/* Returns the warnings it ever raised (KWARN_ON), its own checks included. */
unsigned long kernel_destroy(struct kernel *k);

/*
 * Host-heap allocations for kernel objects.  They honour allocation-failure
 * injection: after kernel_fail_nth(k, n) the n-th allocation (heap or pages)
 * from now returns NULL, as the kernel's fail-nth does for a task.
 */
void *kzalloc_at(struct kernel *k, size_t size, const char *file, int line,
		 const char *func);
#define kzalloc(k, size)	kzalloc_at((k), (size), __FILE__, __LINE__, __func__)
void kfree(void *p);
void kernel_fail_nth(struct kernel *k, unsigned long n);
/*
 * What is left of the count kernel_fail_nth() set: 0 once the failure was
 * injected (or none was asked), else how many allocations until it - what
 * reading /proc/self/task/TID/fail-nth answers.
 */
unsigned long kernel_fail_nth_left(struct kernel *k);
/*
 * Make k count its allocations on *count, shared with other kernels, so
 * "the n-th allocation" means one allocation of a whole run whichever
 * kernel makes it (the iommusim CLI's --fail-nth).  *count must outlive k.
 * When n was set, *count == 0 after the run says that allocation was made
 * (and failed); kernel_fail_nth() sets the shared count.
 */
void kernel_share_fail_nth(struct kernel *k, atomic_ulong *count);
/*
 * Where the injected failure fired (the call site of the allocation that
 * failed: file, line, function), kept in *site - shared as the count is,
 * so a whole run can say which allocation failed (iommusim --fail-nth).
 */
void kernel_share_fail_site(struct kernel *k, struct kernel_fail_site *site);

/* The kernel's linear map of the RAM it can see. */
static inline void *phys_to_virt(struct kernel *k, phys_addr_t pa, size_t len)
{
	return phys_ram_ptr(k->mem, pa, len);
}

/* Whole zeroed blocks of machine memory, size rounded up to 2^order pages. */
phys_addr_t kernel_alloc_pages_at(struct kernel *k, u64 size, const char *file,
				  int line, const char *func);
#define kernel_alloc_pages(k, size)					\
	kernel_alloc_pages_at((k), (size), __FILE__, __LINE__, __func__)
int kernel_free_pages(struct kernel *k, phys_addr_t pa, u64 size);
/*
 * For memory the caller is about to write whole (a linear stream table,
 * every STE of it; the ITS's LPI configuration table): its host pages are populated in one system call, huge
 * pages where the host has them, rather than faulted in one 4K page at a
 * time (a 4M table: 1024 faults, over half of a linear board's boot).  A
 * hint only: nothing the machine sees changes.
 */
void kernel_prefault(struct kernel *k, void *p, size_t len);

#endif
