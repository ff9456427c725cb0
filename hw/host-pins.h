/* SPDX-License-Identifier: MIT */
/*
 * Which pages of a host-memory window (hw/memory.h, phys_mem_add_host_window)
 * the machine may reach: a count of pins per 4K page, and of writable pins.
 *
 * The window stands for the whole address space of the host process, so
 * the table is sparse: a radix of three levels (2 MiB leaves of counters,
 * 1 GiB nodes of leaves, a top array sized to the window), made on first
 * pin and kept until the window goes.  Readers (every DMA through the
 * window) walk it without a lock: nodes are published with release stores
 * and never freed while the table lives, counters are atomics.  Pinning
 * and unpinning (IOAS_MAP, a domain attach) take the table's mutex only
 * to add nodes.
 *
 * Private to hw/: memory.c is its only user.
 */
#ifndef IOMMUSIM_HW_HOST_PINS_H
#define IOMMUSIM_HW_HOST_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host_pins;

/* A table for nr_pages pages from host address base; NULL without memory. */
struct host_pins *host_pins_create(uintptr_t base, uint64_t nr_pages);
void host_pins_destroy(struct host_pins *t);
/*
 * Pins [first, first + n) after pin_user_pages' checks of their memory
 * (mapped, readable, writable if asked, file pages faulted in): 0;
 * -EFAULT for memory those checks refuse or that the program has
 * unmapped (host_pins_unmap); -ENOMEM (then nothing is pinned) without
 * memory for the counts, or for more pins than the host has physical
 * pages.
 */
int host_pins_get(struct host_pins *t, uint64_t first, uint64_t n,
		  bool writable);
/*
 * Drops pins host_pins_get took, with the same arguments; a page the
 * program unmapped is unmapped with its last pin.
 */
void host_pins_put(struct host_pins *t, uint64_t first, uint64_t n,
		   bool writable);
/*
 * The program's munmap of [first, first + n), page aligned.  Linux keeps
 * pinned pages alive for the device after the program unmaps them, and
 * the device reaches them here through their host address: so pinned
 * pages stay mapped, marked unmapped (the program cannot pin them again,
 * and nothing else is mapped over them), until their last pin goes.  The
 * rest are unmapped now, under the table's lock (so a pin cannot come
 * between the test and the munmap).  0, -errno from munmap, or -EINVAL
 * outside the table.
 */
int host_pins_unmap(struct host_pins *t, uint64_t first, uint64_t n);
/*
 * The program's MAP_FIXED mapping over [first, first + n), made by map(arg)
 * with the table's lock held: pages it replaces that host_pins_unmap kept
 * for the device are the program's again (the device now reaches the new
 * mapping), and their last unpin leaves them mapped.  Returns map's result.
 */
void *host_pins_map_over(struct host_pins *t, uint64_t first, uint64_t n,
			 void *(*map)(void *arg), void *arg);
/*
 * Which byte of what the host byte p is: a shared mapping's byte is its
 * file's (dev, ino, off) wherever it is mapped, any other byte its address
 * (dev and ino 0), as is every byte where PROCMAP_QUERY is missing.
 */
void host_pins_page_id(uintptr_t p, uint64_t *dev, uint64_t *ino, uint64_t *off);

/* Whether every page of [first, first + n) is pinned (writably, for write). */
bool host_pins_reachable(struct host_pins *t, uint64_t first, uint64_t n,
			 bool write);

#endif
