// SPDX-License-Identifier: MIT
/*
 * Kernel instance lifetime and its allocators: see kernel.h.
 */
#include "kernel/kernel.h"
#include "kernel/msi-model.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Linux's nr_cpu_ids for a kernel: the host CPUs this process may run on
 * (its affinity), which is as many per-CPU caches (IOVA) as its threads
 * can use.  One system call: sysconf(_SC_NPROCESSORS_CONF) reads sysfs on
 * every call, 5% of a scenario run when each kernel asked it.
 */
unsigned int kernel_host_cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned int)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_CONF);
	return n < 1 ? 1 : (unsigned int)n;
}

struct kernel *kernel_create(const char *name, struct phys_mem *mem,
			     phys_addr_t ram_base, u64 ram_size)
{
	/* The log's 64K ring is read only where written: zero all but it. */
	struct kernel *k = malloc(sizeof(*k));

	if (!k)
		return NULL;
	memset(k, 0, offsetof(struct kernel, log.ring));
	k->pages = page_alloc_create(mem, ram_base, ram_size);
	if (!k->pages) {
		free(k);
		return NULL;
	}
	snprintf(k->name, sizeof(k->name), "%s", name ? name : "kernel");
	k->mem = mem;
	k->nr_cpu_ids = kernel_host_cpus();
	mutex_init(&k->lock);
	mutex_init(&k->groups_lock);
	kernel_log_init(k);
	mutex_init(&k->msi_prepare_lock);
	INIT_LIST_HEAD(&k->devices);
	INIT_LIST_HEAD(&k->iommu_devices);
	INIT_LIST_HEAD(&k->groups);
	atomic_init(&k->kmalloc_fail_nth, 0);
	k->fail_count = &k->kmalloc_fail_nth;
	k->fail_site = &k->own_site;
	atomic_init(&k->warnings, 0);
	k->msi_model = &msi_model_mainline;
	return k;
}

unsigned long kernel_destroy(struct kernel *k)
{
	unsigned long warnings;

	if (!k)
		return 0;
	/* Devices, IOMMUs and groups must be gone: their memory is the owners'. */
	KWARN_ON(k, !list_empty(&k->devices) || !list_empty(&k->iommu_devices) ||
		    !list_empty(&k->groups));
	/* So must their machine memory: what is still allocated was leaked. */
	KWARN_ON(k, page_alloc_used_bytes(k->pages) != 0);
	KWARN_ON(k, page_alloc_check(k->pages) != 0);
	page_alloc_destroy(k->pages);
	mutex_destroy(&k->lock);
	mutex_destroy(&k->groups_lock);
	mutex_destroy(&k->msi_prepare_lock);
	warnings = atomic_load(&k->warnings);
	free(k);
	return warnings;
}

/*
 * True when this allocation is the one fail-nth asked to fail; its call
 * site is then recorded (one allocation fails per count, so one writer).
 */
static bool should_fail(struct kernel *k, const char *file, int line,
			const char *func)
{
	unsigned long n = atomic_load_explicit(k->fail_count, memory_order_relaxed);

	while (n) {
		if (atomic_compare_exchange_weak(k->fail_count, &n, n - 1)) {
			if (n != 1)
				return false;
			*k->fail_site = (struct kernel_fail_site){ file, func, line };
			return true;
		}
	}
	return false;
}

void *kzalloc_at(struct kernel *k, size_t size, const char *file, int line,
		 const char *func)
{
	if (should_fail(k, file, line, func))
		return NULL;
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

void kernel_fail_nth(struct kernel *k, unsigned long n)
{
	atomic_store(k->fail_count, n);
}

unsigned long kernel_fail_nth_left(struct kernel *k)
{
	return atomic_load(k->fail_count);
}

void kernel_share_fail_nth(struct kernel *k, atomic_ulong *count)
{
	k->fail_count = count;
}

void kernel_share_fail_site(struct kernel *k, struct kernel_fail_site *site)
{
	k->fail_site = site;
}

phys_addr_t kernel_alloc_pages_at(struct kernel *k, u64 size, const char *file,
				  int line, const char *func)
{
	int order = get_order(size);

	if (order < 0 || should_fail(k, file, line, func))
		return 0;
	return alloc_pages(k->pages, (unsigned int)order);
}

int kernel_free_pages(struct kernel *k, phys_addr_t pa, u64 size)
{
	int order = get_order(size);

	if (order < 0)
		return order;
	return free_pages(k->pages, pa, (unsigned int)order);
}

void kernel_prefault(struct kernel *k, void *p, size_t len)
{
	(void)k;
#ifdef MADV_POPULATE_WRITE
	if (!p || ((uintptr_t)p & (PAGE_SIZE - 1)))
		return;
	/* Huge pages where the host has them: 2 faults for a 4M table, not 1024. */
	if (len >= (2u << 20))
		(void)madvise(p, len, MADV_HUGEPAGE);
	(void)madvise(p, len, MADV_POPULATE_WRITE);	/* older hosts: faults */
#else
	(void)p;
	(void)len;
#endif
}

void kernel_set_trace(struct kernel *k, unsigned int categories,
		      iommusim_trace_fn fn, void *opaque)
{
	mutex_lock(&k->lock);
	hw_trace_set(&k->trace, categories, fn, opaque);
	mutex_unlock(&k->lock);
}

void kernel_warn(struct kernel *k, const char *file, int line, const char *what)
{
	atomic_fetch_add(&k->warnings, 1);
	kernel_printk(k, LOGLEVEL_WARNING, "WARNING: %s: %s:%d: %s", k->name, file, line, what);
}
