/* SPDX-License-Identifier: MIT */
/*
 * A software ITS: an interrupt-controller parent domain (kernel/msi.h) with
 * one doorbell physical address, that hands out EventIDs per DeviceID and
 * composes {address = doorbell, data = EventID}, as Linux's gic-v3-its does
 * with GITS_TRANSLATER.  It stands in for the gic-its driver, which plugs in
 * the same way with its own irq_domain_ops, until that driver exists; it
 * programs no hardware.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_IRQ_SW_ITS_H
#define IOMMUSIM_KERNEL_DRIVERS_IRQ_SW_ITS_H

#include "kernel/msi.h"

#define GITS_TRANSLATER		0x10040	/* in the ITS's second 64K frame */

/* EventIDs per device: nvec rounded up to a power of two, at most max_events. */
struct irq_domain *sw_its_create(struct kernel *k, const char *name,
				 phys_addr_t doorbell, unsigned int max_events);
void sw_its_destroy(struct irq_domain *its);
/* Devices the ITS holds state for (a leak check for tests). */
unsigned int sw_its_nr_devices(struct irq_domain *its);

#endif
