// SPDX-License-Identifier: MIT
/*
 * A VFIO device's interrupts, as vfio-pci offers them (Linux's
 * vfio_pci_core.c and vfio_pci_intrs.c): VFIO_DEVICE_GET_IRQ_INFO and
 * VFIO_DEVICE_SET_IRQS for the five vfio-pci indexes, with vfio-pci's
 * checks in its order and its errnos.
 *
 * The endpoint is a PCI Express function with one MSI capability of
 * PRELOAD_EP_VECTORS vectors, no INTx pin and no MSI-X: INTx and MSI-X
 * have no interrupts (count 0), ERR and REQ one trigger each, MSI the
 * endpoint's vectors.  Enabling MSI (DATA_EVENTFD | ACTION_TRIGGER) asks
 * the host kernel for vectors the way vfio-pci's pci_alloc_irq_vectors
 * does: ep_request_msi() through the platform's MSI domain, so the ITS
 * driver maps the device's EventIDs and iommu_dma_prepare_msi() - for an
 * iommufd-owned HWPT, iommufd's sw_msi - maps the doorbell into the
 * device's IOMMU domain (a nested HWPT's stage-2 parent, at the SW_MSI
 * window the program set with IOMMU_OPTION) before the message is
 * programmed.  Each vector's LPI is then routed (preload/machine.c) so
 * that when the endpoint's MSI reaches the ITS, the eventfd the program
 * gave for that vector is signalled, as vfio_msihandler does.
 *
 * Like eventfd_ctx_fdget(), the shim keeps its own reference to each
 * eventfd: a dup, placed high in the descriptor space, closed when the
 * vector is disabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "include/uapi/linux/vfio.h"

#include "kernel/platform.h"
#include "preload/preload.h"
#include "preload/vfio-irq.h"

#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))

enum { IRQ_NONE = VFIO_PCI_NUM_IRQS };	/* vfio-pci's "no irq_type" */

struct vfio_irqs {
	struct preload_machine *m;
	struct ep_device *epd;
	pthread_mutex_t igate;		/* vfio-pci's igate: SET_IRQS */
	unsigned int irq_type;		/* IRQ_NONE or VFIO_PCI_MSI_IRQ_INDEX */
	unsigned int nvec;		/* MSI vectors enabled (pci_irq_vector range) */
	/* The eventfds, read by the LPI handler: under trig_lock. */
	pthread_mutex_t trig_lock;
	int msi_trigger[PRELOAD_EP_VECTORS];
	int err_trigger, req_trigger;
};

struct vfio_irqs *vfio_irqs_create(struct preload_machine *m,
				   struct ep_device *epd)
{
	struct vfio_irqs *irqs = calloc(1, sizeof(*irqs));

	if (!irqs)
		return NULL;
	irqs->m = m;
	irqs->epd = epd;
	irqs->irq_type = IRQ_NONE;
	irqs->err_trigger = irqs->req_trigger = -1;
	for (int i = 0; i < PRELOAD_EP_VECTORS; i++)
		irqs->msi_trigger[i] = -1;
	pthread_mutex_init(&irqs->igate, NULL);
	pthread_mutex_init(&irqs->trig_lock, NULL);
	return irqs;
}

void vfio_irqs_destroy(struct vfio_irqs *irqs)
{
	if (!irqs)
		return;
	vfio_irqs_release(irqs);
	pthread_mutex_destroy(&irqs->igate);
	pthread_mutex_destroy(&irqs->trig_lock);
	free(irqs);
}

/* ------------------------------------------------------------ eventfds */

/*
 * eventfd_ctx_fdget(): the shim's own reference to the program's eventfd,
 * or -EBADF (no such descriptor) / -EINVAL (not an eventfd: another file,
 * or one the shim serves).
 */
static int eventfd_get(int fd)
{
	char link[64], target[64];
	struct shim_file *f;
	struct rlimit rl;
	int low = 3, dup;
	ssize_t n;

	if (!shim_fd_is_open(fd))
		return -EBADF;
	f = shim_fget(fd);
	if (f) {
		shim_fput(f);
		return -EINVAL;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -EBADF;
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[eventfd]"))
		return -EINVAL;
	/* High up, out of the way of the program's own numbers. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur >= 1024 &&
	    rl.rlim_cur != RLIM_INFINITY)
		low = (int)(rl.rlim_cur / 4 * 3);
	dup = libc()->fcntl(fd, F_DUPFD_CLOEXEC, low);
	if (dup < 0 && low > 3)
		dup = libc()->fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return dup < 0 ? -errno : dup;
}

static void eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0)
		(void)!libc()->write(fd, &one, sizeof(one));
}

/* Replaces *slot (under trig_lock); the old reference is dropped. */
static void trigger_set(struct vfio_irqs *irqs, int *slot, int fd)
{
	int old;

	pthread_mutex_lock(&irqs->trig_lock);
	old = *slot;
	*slot = fd;
	pthread_mutex_unlock(&irqs->trig_lock);
	if (old >= 0)
		libc()->close(old);
}

void vfio_irqs_fire(struct vfio_irqs *irqs, unsigned int vec)
{
	if (vec >= PRELOAD_EP_VECTORS)
		return;
	pthread_mutex_lock(&irqs->trig_lock);
	eventfd_signal(irqs->msi_trigger[vec]);
	pthread_mutex_unlock(&irqs->trig_lock);
}

/* ------------------------------------------------------------ info */

/* vfio_pci_get_irq_count() for this endpoint. */
static unsigned int irq_count(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_MSI_IRQ_INDEX:
		return PRELOAD_EP_VECTORS;
	case VFIO_PCI_ERR_IRQ_INDEX:	/* a PCI Express function */
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:			/* no INTx pin, no MSI-X capability */
		return 0;
	}
}

long vfio_irqs_get_info(struct vfio_irqs *irqs, void *uarg)
{
	const size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	(void)irqs;
	if (shim_copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = irq_count(info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;	/* no dynamic MSI-X */
	return shim_copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

/* ------------------------------------------------------------ MSI */

static unsigned int roundup_pow2(unsigned int n)
{
	unsigned int p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* vfio_msi_disable: every vector's eventfd gone, the vectors freed. */
static void msi_disable(struct vfio_irqs *irqs)
{
	preload_machine_unroute_lpis(irqs->m, irqs);
	for (unsigned int v = 0; v < PRELOAD_EP_VECTORS; v++)
		trigger_set(irqs, &irqs->msi_trigger[v], -1);
	ep_free_msi(irqs->epd);
	irqs->irq_type = IRQ_NONE;
	irqs->nvec = 0;
}

/*
 * vfio_msi_enable: nvec vectors from the host kernel's MSI domain (the
 * capability takes a power of two), each vector's LPI routed to it.
 */
static int msi_enable(struct vfio_irqs *irqs, unsigned int nvec)
{
	int ret;

	if (!nvec)
		return -ERANGE;		/* pci_alloc_irq_vectors(1, 0) */
	ret = ep_request_msi(irqs->epd, roundup_pow2(nvec));
	if (ret)
		return ret;
	for (unsigned int v = 0; v < nvec && !ret; v++) {
		unsigned int cpu;
		u32 lpi;

		ret = ep_msi_lpi(irqs->epd, v, &lpi, &cpu);
		if (!ret)
			ret = preload_machine_route_lpi(irqs->m, lpi, irqs, v);
	}
	irqs->irq_type = VFIO_PCI_MSI_IRQ_INDEX;
	irqs->nvec = nvec;
	if (ret)
		msi_disable(irqs);
	return ret;
}

/* vfio_msi_set_vector_signal: fd < 0 only tears the vector's eventfd down. */
static int msi_set_vector(struct vfio_irqs *irqs, unsigned int v, int fd)
{
	int ref;

	if (v < PRELOAD_EP_VECTORS)
		trigger_set(irqs, &irqs->msi_trigger[v], -1);
	if (fd < 0)
		return 0;
	if (v >= irqs->nvec)
		return -EINVAL;		/* pci_irq_vector(): no such vector */
	ref = eventfd_get(fd);
	if (ref < 0)
		return ref;
	trigger_set(irqs, &irqs->msi_trigger[v], ref);
	return 0;
}

static int msi_set_block(struct vfio_irqs *irqs, unsigned int start,
			 unsigned int count, const int32_t *fds)
{
	unsigned int i, j;
	int ret = 0;

	for (i = 0, j = start; i < count && !ret; i++, j++)
		ret = msi_set_vector(irqs, j, fds ? fds[i] : -1);
	if (ret)
		for (i = start; i < j; i++)
			msi_set_vector(irqs, i, -1);
	return ret;
}

/* vfio_pci_set_msi_trigger, MSI only (this endpoint has no MSI-X). */
static int msi_trigger(struct vfio_irqs *irqs, unsigned int start,
		       unsigned int count, u32 flags, const void *data)
{
	bool enabled = irqs->irq_type == VFIO_PCI_MSI_IRQ_INDEX;
	int ret;

	if (enabled && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(irqs);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (enabled)
			return msi_set_block(irqs, start, count, data);
		ret = msi_enable(irqs, start + count);
		if (ret)
			return ret;
		ret = msi_set_block(irqs, start, count, data);
		if (ret)
			msi_disable(irqs);
		return ret;
	}
	if (!enabled)
		return -EINVAL;
	/* DATA_NONE / DATA_BOOL: loopback, signal the vectors' eventfds. */
	pthread_mutex_lock(&irqs->trig_lock);
	for (unsigned int i = start; i < start + count && i < PRELOAD_EP_VECTORS; i++)
		if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
		    ((const u8 *)data)[i - start])
			eventfd_signal(irqs->msi_trigger[i]);
	pthread_mutex_unlock(&irqs->trig_lock);
	return 0;
}

/* vfio_pci_set_ctx_trigger_single: ERR and REQ. */
static int single_trigger(struct vfio_irqs *irqs, int *slot, unsigned int start,
			  unsigned int count, u32 flags, const void *data)
{
	int32_t fd;
	int ref;

	if (start != 0 || count > 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (*slot >= 0) {
			if (count) {
				pthread_mutex_lock(&irqs->trig_lock);
				eventfd_signal(*slot);
				pthread_mutex_unlock(&irqs->trig_lock);
			} else {
				trigger_set(irqs, slot, -1);
			}
			return 0;
		}
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (*(const u8 *)data) {
			pthread_mutex_lock(&irqs->trig_lock);
			eventfd_signal(*slot);
			pthread_mutex_unlock(&irqs->trig_lock);
		}
		return 0;
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (!count)
			return -EINVAL;
		memcpy(&fd, data, sizeof(fd));
		if (fd == -1) {
			trigger_set(irqs, slot, -1);
		} else if (fd >= 0) {
			ref = eventfd_get(fd);
			if (ref < 0)
				return ref;
			trigger_set(irqs, slot, ref);
		}
		return 0;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ SET_IRQS */

/* vfio_set_irqs_validate_and_prepare: 0 and the data's size, or -EINVAL. */
static int validate(const struct vfio_irq_set *hdr, unsigned int num_irqs,
		    size_t *data_size)
{
	const size_t minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= VFIO_PCI_NUM_IRQS ||
	    hdr->count >= UINT32_MAX - hdr->start ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			    VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	*data_size = 0;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if (size && hdr->argsz - minsz < (size_t)hdr->count * size)
		return -EINVAL;
	*data_size = (size_t)hdr->count * size;
	return 0;
}

long vfio_irqs_set(struct vfio_irqs *irqs, void *uarg)
{
	const size_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size;
	void *data = NULL;
	u32 action;
	int ret;

	if (shim_copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	ret = validate(&hdr, irq_count(hdr.index), &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = malloc(data_size);
		if (!data)
			return -ENOMEM;
		if (shim_copy_from_user(data, (u8 *)uarg + minsz, data_size)) {
			free(data);
			return -EFAULT;
		}
	}
	action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	pthread_mutex_lock(&irqs->igate);
	/* vfio_pci_set_irqs_ioctl: only TRIGGER is offered here. */
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		ret = -ENOTTY;
	else if (hdr.index == VFIO_PCI_MSI_IRQ_INDEX)
		ret = msi_trigger(irqs, hdr.start, hdr.count, hdr.flags, data);
	else if (hdr.index == VFIO_PCI_ERR_IRQ_INDEX)
		ret = single_trigger(irqs, &irqs->err_trigger, hdr.start, hdr.count,
				     hdr.flags, data);
	else if (hdr.index == VFIO_PCI_REQ_IRQ_INDEX)
		ret = single_trigger(irqs, &irqs->req_trigger, hdr.start, hdr.count,
				     hdr.flags, data);
	else
		ret = -ENOTTY;
	pthread_mutex_unlock(&irqs->igate);
	free(data);
	return ret;
}

/* vfio_pci_core_disable on close: MSI off, every eventfd let go. */
void vfio_irqs_release(struct vfio_irqs *irqs)
{
	pthread_mutex_lock(&irqs->igate);
	if (irqs->irq_type == VFIO_PCI_MSI_IRQ_INDEX)
		msi_disable(irqs);
	trigger_set(irqs, &irqs->err_trigger, -1);
	trigger_set(irqs, &irqs->req_trigger, -1);
	pthread_mutex_unlock(&irqs->igate);
}
