/* SPDX-License-Identifier: MIT */
/*
 * A VFIO device's interrupts (vfio-irq.c): what vfio.c's device file
 * needs for VFIO_DEVICE_GET_IRQ_INFO / VFIO_DEVICE_SET_IRQS, and what the
 * machine's LPI routing (machine.c) calls when a vector fires.
 */
#ifndef IOMMUSIM_PRELOAD_VFIO_IRQ_H
#define IOMMUSIM_PRELOAD_VFIO_IRQ_H

struct ep_device;
struct preload_machine;
struct vfio_irqs;

struct vfio_irqs *vfio_irqs_create(struct preload_machine *m,
				   struct ep_device *epd);
void vfio_irqs_destroy(struct vfio_irqs *irqs);
/* The ioctls: 0 or -errno, as vfio-pci. */
long vfio_irqs_get_info(struct vfio_irqs *irqs, void *uarg);
long vfio_irqs_set(struct vfio_irqs *irqs, void *uarg);
/* The device file closes: MSI disabled, every eventfd let go. */
void vfio_irqs_release(struct vfio_irqs *irqs);
/* MSI vector vec reached the ITS: signal its eventfd, if any. */
void vfio_irqs_fire(struct vfio_irqs *irqs, unsigned int vec);

#endif
