/* SPDX-License-Identifier: MIT */
/*
 * The emulated endpoint behind /dev/vfio/devices/vfioN, as a client driver
 * sees it: its register BAR (hw/endpoint.h's layout, restated as a driver
 * would) is VFIO region 0, programmed with pwrite/pread, and its DMA
 * engine copies SRC to DST, bus addresses the IOMMU translates.  For the
 * clients that only need "the device writes there": libc and the uAPI.
 */
#ifndef IOMMUSIM_TESTS_PRELOAD_ENDPOINT_H
#define IOMMUSIM_TESTS_PRELOAD_ENDPOINT_H

#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "client.h"

#define EP_DMA_SRC		0x40
#define EP_DMA_DST		0x48
#define EP_DMA_LEN		0x50
#define EP_DMA_CMD		0x54
#define EP_DMA_STATUS		0x58
#define EP_DMA_CMD_GO		1

struct ep {
	int fd;			/* the VFIO device file */
	__u64 bar0;		/* region 0's file offset */
};

/* Finds region 0 of a bound device file. */
static inline void ep_init(struct ep *ep, int fd)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg) };

	ep->fd = fd;
	REQUIRE(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
	ep->bar0 = reg.offset;
}

static inline void ep_write(struct ep *ep, __u64 reg, const void *v, size_t n)
{
	CHECK_EQ(pwrite(ep->fd, v, n, (off_t)(ep->bar0 + reg)), (ssize_t)n);
}

/* The device copies len bytes from bus address src to dst: its status. */
static inline __u32 ep_dma_copy(struct ep *ep, __u64 dst, __u64 src, __u32 len)
{
	__u32 go = EP_DMA_CMD_GO, st = 0;

	ep_write(ep, EP_DMA_SRC, &src, 8);
	ep_write(ep, EP_DMA_DST, &dst, 8);
	ep_write(ep, EP_DMA_LEN, &len, 4);
	ep_write(ep, EP_DMA_CMD, &go, 4);
	CHECK_EQ(pread(ep->fd, &st, 4, (off_t)(ep->bar0 + EP_DMA_STATUS)), 4);
	return st;
}

#endif
