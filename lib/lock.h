/* SPDX-License-Identifier: MIT */
/*
 * Sleeping and spinning locks with the kernel's names.  A mutex is a
 * pthread mutex; a spinlock is a test-and-test-and-set byte, for critical
 * sections of a few dozen instructions on hot paths (IOVA caches, TLB).
 * Every lock lives inside the object it protects: there is no global lock,
 * so a host and a guest kernel in one process never contend by accident.
 *
 * lockdep_assert_held(lock) states, where Linux does, that the caller must
 * hold a lock.  Builds with IOMMUSIM_LOCKDEP (the sanitizer and TSan
 * builds of make test) track each lock's owning thread and abort with the
 * place when the assertion is false; release builds compile it away.
 */
#ifndef IOMMUSIM_LIB_LOCK_H
#define IOMMUSIM_LIB_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax()	__builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax()	__asm__ volatile("yield" ::: "memory")
#else
#define cpu_relax()	do { } while (0)
#endif

#ifdef IOMMUSIM_LOCKDEP
#include <stdio.h>
#include <stdlib.h>

/* The owner of a held lock: the thread, as a number; 0 when free. */
#define LOCKDEP_OWNER	_Atomic unsigned long owner;
static inline unsigned long lockdep_self(void)
{
	return (unsigned long)pthread_self();
}
#define lockdep_acquired(l)	atomic_store_explicit(&(l)->owner, lockdep_self(), \
						      memory_order_relaxed)
#define lockdep_released(l)	atomic_store_explicit(&(l)->owner, 0, memory_order_relaxed)
#define lockdep_assert_held(l)						\
	do {								\
		if (atomic_load_explicit(&(l)->owner, memory_order_relaxed) != \
		    lockdep_self()) {					\
			fprintf(stderr, "%s:%d: %s: lock %s is not held by this thread\n", \
				__FILE__, __LINE__, __func__, #l);	\
			abort();					\
		}							\
	} while (0)
#else
#define LOCKDEP_OWNER
#define lockdep_acquired(l)	do { } while (0)
#define lockdep_released(l)	do { } while (0)
#define lockdep_assert_held(l)	do { (void)(l); } while (0)
#endif

struct mutex {
	pthread_mutex_t m;
	LOCKDEP_OWNER
};

static inline void mutex_init(struct mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
	lockdep_released(l);
}

static inline void mutex_destroy(struct mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void mutex_lock(struct mutex *l)
{
	pthread_mutex_lock(&l->m);
	lockdep_acquired(l);
}

static inline bool mutex_trylock(struct mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return false;
	lockdep_acquired(l);
	return true;
}

static inline void mutex_unlock(struct mutex *l)
{
	lockdep_released(l);
	pthread_mutex_unlock(&l->m);
}

typedef struct {
	atomic_bool locked;
	LOCKDEP_OWNER
} spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
	atomic_init(&l->locked, false);
	lockdep_released(l);
}

static inline void spin_lock(spinlock_t *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->locked, true, memory_order_acquire)) {
			lockdep_acquired(l);
			return;
		}
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			cpu_relax();
	}
}

static inline bool spin_trylock(spinlock_t *l)
{
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) ||
	    atomic_exchange_explicit(&l->locked, true, memory_order_acquire))
		return false;
	lockdep_acquired(l);
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	lockdep_released(l);
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif
