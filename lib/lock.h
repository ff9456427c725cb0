/* SPDX-License-Identifier: MIT */
/*
 * Sleeping and spinning locks with the kernel's names.  A mutex is a
 * pthread mutex; a spinlock is a test-and-test-and-set byte, for critical
 * sections of a few dozen instructions on hot paths (IOVA caches, TLB).
 * Every lock lives inside the object it protects: there is no global lock,
 * so a host and a guest kernel in one process never contend by accident.
 */
#ifndef IOMMUSIM_LIB_LOCK_H
#define IOMMUSIM_LIB_LOCK_H

#include <pthread.h>
#include <stdatomic.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax()	__builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax()	__asm__ volatile("yield" ::: "memory")
#else
#define cpu_relax()	do { } while (0)
#endif

struct mutex {
	pthread_mutex_t m;
};

static inline void mutex_init(struct mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
}

static inline void mutex_destroy(struct mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void mutex_lock(struct mutex *l)
{
	pthread_mutex_lock(&l->m);
}

static inline void mutex_unlock(struct mutex *l)
{
	pthread_mutex_unlock(&l->m);
}

typedef struct {
	atomic_bool locked;
} spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
	atomic_init(&l->locked, false);
}

static inline void spin_lock(spinlock_t *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->locked, true, memory_order_acquire))
			return;
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			cpu_relax();
	}
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, true, memory_order_acquire);
}

static inline void spin_unlock(spinlock_t *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif
