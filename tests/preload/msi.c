// SPDX-License-Identifier: MIT
/*
 * VFIO MSI for an unmodified program: the device's MSIs arrive as
 * eventfd signals, through the IOMMU, as vfio-pci delivers them.
 *
 * VFIO_DEVICE_GET_IRQ_INFO says what vfio-pci says for this endpoint (a
 * PCIe function with an 8-vector MSI capability, no INTx pin, no MSI-X);
 * VFIO_DEVICE_SET_IRQS enables vectors with eventfds, swaps and removes
 * them, loops them back, and disables MSI, with vfio-pci's errnos.
 * Enabling goes through the host kernel's MSI domain: on a paging HWPT
 * iommufd's sw_msi maps the ITS doorbell at the driver's SW_MSI window;
 * on a nested HWPT it maps it into the stage-2 parent at that same window
 * (mainline has no IOMMU_OPTION_SW_MSI_START: the posted series is not
 * merged, and the option is refused).  The device then signals
 * (EP_MSI_TRIGGER, or its DMA engine's completion interrupt) and the
 * eventfd counts.  A message address the stage 2 does not map faults
 * instead; on the SMMUv3, one the guest's stage 1 does not map is a
 * stage-1 fault reported on the vEVENTQ - until the guest maps its
 * doorbell IOVA and the device is given that address, as a VMM does.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

/* The endpoint's registers: the public hw/endpoint-regs.h. */
#include "hw/endpoint-regs.h"

#define NVEC		8
#define PG		4096ULL
#define GPA		0x40000000ULL
#define RAM_SIZE	(1ULL << 20)
#define DOORBELL_OFF	0x40		/* GITS_TRANSLATER within its page */
#define VITS_PAGE	0x08000000ULL	/* the driver's SW_MSI window (mainline) */
#define GUEST_MSI_IOVA	0xfe000000ULL	/* where a guest maps its doorbell */

/* A guest's stage 1 (see vevent.c for the formats). */
#define CD_OFF		0x0000
#define L1_OFF		0x1000
#define L2_OFF		0x2000
#define L3_OFF		0x3000
#define STE0_V		1ULL
#define STE0_CFG_S1	(5ULL << 1)
#define STE0_CFG_BYPASS	(4ULL << 1)
#define DESC_TABLE	3ULL
#define DESC_PAGE	(3ULL | (1ULL << 6) | (3ULL << 8) | (1ULL << 10) | (1ULL << 11))
#define EVT_F_TRANSLATION	0x10

static int fd, dev0, dev1;
static __u32 devid0, devid1, ioas;
static __u64 bar0;
static unsigned char *ram;

static __u64 rd(int dev, __u64 reg, int size)
{
	__u64 v = 0;

	CHECK_EQ(pread(dev, &v, (size_t)size, (off_t)(bar0 + reg)), size);
	return v;
}

static void wr(int dev, __u64 reg, __u64 v, int size)
{
	CHECK_EQ(pwrite(dev, &v, (size_t)size, (off_t)(bar0 + reg)), size);
}

static int set_irqs(int dev, __u32 index, __u32 flags, __u32 start, __u32 count,
		    const int32_t *fds)
{
	__u32 buf[(sizeof(struct vfio_irq_set) + NVEC * sizeof(int32_t)) / 4] = { 0 };
	struct vfio_irq_set *s = (void *)buf;

	*s = (struct vfio_irq_set){
		.argsz = sizeof(*s) + count * sizeof(int32_t), .flags = flags,
		.index = index, .start = start, .count = count };
	if (fds)
		memcpy(s->data, fds, count * sizeof(int32_t));
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, s);
}

static int msi_eventfds(int dev, __u32 start, __u32 count, const int32_t *fds)
{
	return set_irqs(dev, VFIO_PCI_MSI_IRQ_INDEX,
			VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			start, count, fds);
}

static int msi_off(int dev)
{
	return set_irqs(dev, VFIO_PCI_MSI_IRQ_INDEX,
			VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
}

/* What the eventfd counted since last asked (0: nothing, it would block). */
static __u64 fired(int efd)
{
	__u64 v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void trigger(int dev, unsigned int vec)
{
	wr(dev, EP_MSI_TRIGGER, vec, 4);
}

static int bind(int dev, __u32 *devid)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = fd };
	int ret = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	*devid = b.out_devid;
	return ret;
}

static int attach(int dev, __u32 pt)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = pt };

	return ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

static int destroy(__u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

/* Descriptors open in the process (the listing's own included). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	REQUIRE(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void setup(void)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = RAM_SIZE, .iova = GPA,
	};

	fd = open("/dev/iommu", O_RDWR);
	dev0 = open("/dev/vfio/devices/vfio0", O_RDWR);
	dev1 = open("/dev/vfio/devices/vfio1", O_RDWR);
	REQUIRE(fd >= 0 && dev0 >= 0 && dev1 >= 0);
	/* Not before the bind, as every device ioctl. */
	CHECK_ERRNO(msi_eventfds(dev0, 0, 0, NULL), EINVAL);
	REQUIRE(bind(dev0, &devid0) == 0 && bind(dev1, &devid1) == 0);
	REQUIRE(ioctl(dev0, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
	bar0 = reg.offset;
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ram != MAP_FAILED);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &ia) == 0);
	ioas = ia.out_ioas_id;
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)ram;
	REQUIRE(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
}

static void test_info(void)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	static const struct { __u32 count, flags; } want[VFIO_PCI_NUM_IRQS] = {
		[VFIO_PCI_INTX_IRQ_INDEX] = { 0, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED },
		[VFIO_PCI_MSI_IRQ_INDEX] = { NVEC, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_MSIX_IRQ_INDEX] = { 0, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_ERR_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_NORESIZE },
		[VFIO_PCI_REQ_IRQ_INDEX] = { 1, VFIO_IRQ_INFO_EVENTFD |
			VFIO_IRQ_INFO_NORESIZE },
	};

	CHECK_EQ(ioctl(dev0, VFIO_DEVICE_GET_INFO, &di), 0);
	CHECK_EQ(di.num_irqs, VFIO_PCI_NUM_IRQS);
	CHECK(di.flags & VFIO_DEVICE_FLAGS_PCI);
	for (__u32 i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		ii.index = i;
		CHECK_EQ(ioctl(dev0, VFIO_DEVICE_GET_IRQ_INFO, &ii), 0);
		CHECK_EQ(ii.count, want[i].count);
		CHECK_EQ(ii.flags, want[i].flags);
	}
	ii.index = VFIO_PCI_NUM_IRQS;
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_GET_IRQ_INFO, &ii), EINVAL);
	ii.index = 0;
	ii.argsz = 12;
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_GET_IRQ_INFO, &ii), EINVAL);
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_GET_IRQ_INFO, NULL), EFAULT);
}

/* vfio_set_irqs_validate_and_prepare and vfio_pci_set_irqs_ioctl. */
static void test_set_errors(int efd)
{
	int32_t fds[2] = { efd, efd };
	struct vfio_irq_set h = {
		.argsz = sizeof(h) - 1, .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
	};

	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);	/* argsz */
	h.argsz = sizeof(h);
	h.index = VFIO_PCI_NUM_IRQS;
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	h.index = VFIO_PCI_MSI_IRQ_INDEX;
	h.count = UINT32_MAX;
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	h.count = 0;
	h.flags |= 1 << 6;					/* no such flag */
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	h.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	h.start = NVEC;						/* past the vectors */
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	h.start = NVEC - 1;
	h.count = 2;
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	h.start = 0;
	h.count = 0;
	h.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
		  VFIO_IRQ_SET_ACTION_TRIGGER;				/* two types */
	CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, &h), EINVAL);
	/* No INTx pin, no MSI-X: nothing to set there. */
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_INTX_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			     0, 0, NULL), EINVAL);
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_MSIX_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			     0, 1, fds), EINVAL);
	/* Room for the eventfds the count names. */
	{
		__u32 buf[(sizeof(struct vfio_irq_set) + 8) / 4] = { 0 };
		struct vfio_irq_set *s = (void *)buf;

		*s = (struct vfio_irq_set){
			.argsz = sizeof(*s) + 4, .index = VFIO_PCI_MSI_IRQ_INDEX,
			.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			.count = 2 };
		CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, s), EINVAL);
	}
	/* MSI cannot be masked through VFIO; no action at all is no command. */
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
			     0, 1, NULL), ENOTTY);
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE,
			     0, 1, NULL), ENOTTY);
	/* Disabling or looping back what is not enabled. */
	CHECK_ERRNO(msi_off(dev0), EINVAL);
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			     0, 1, NULL), EINVAL);
	/* The eventfds follow the header: unreadable, EFAULT. */
	{
		char *pg = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct vfio_irq_set *s;

		REQUIRE(pg != MAP_FAILED);
		REQUIRE(mprotect(pg + PG, PG, PROT_NONE) == 0);
		s = (void *)(pg + PG - sizeof(*s));
		*s = (struct vfio_irq_set){ .argsz = sizeof(*s) + 4,
			.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1 };
		CHECK_ERRNO(ioctl(dev0, VFIO_DEVICE_SET_IRQS, s), EFAULT);
		munmap(pg, 2 * PG);
	}
}

/* A device on a paging HWPT: iommufd's sw_msi at the driver's window. */
static void test_paging(void)
{
	int efd[3], before = open_fds();
	int32_t fds[2];
	__u64 addr;

	for (int i = 0; i < 3; i++)
		REQUIRE((efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) >= 0);
	fds[0] = efd[0];
	fds[1] = efd[1];
	test_set_errors(efd[0]);

	/* Bound but attached to nothing: a blocking domain takes no doorbell. */
	CHECK_ERRNO(msi_eventfds(dev0, 0, 2, fds), EOPNOTSUPP);
	REQUIRE(attach(dev0, ioas) == 0);
	{
		int32_t bad[1];
		int ro[2];

		/* Not eventfds: a closed number, a pipe, the shim's own /dev/iommu. */
		REQUIRE(pipe(ro) == 0);
		bad[0] = 4000;
		CHECK_ERRNO(msi_eventfds(dev0, 0, 1, bad), EBADF);
		bad[0] = ro[0];
		CHECK_ERRNO(msi_eventfds(dev0, 0, 1, bad), EINVAL);
		bad[0] = fd;
		CHECK_ERRNO(msi_eventfds(dev0, 0, 1, bad), EINVAL);
		close(ro[0]);
		close(ro[1]);
	}
	CHECK_EQ(msi_eventfds(dev0, 0, 2, fds), 0);
	CHECK_EQ(rd(dev0, EP_MSI_CTRL, 4) & 1, 1);
	addr = rd(dev0, EP_MSI_ADDR, 8);
	CHECK_EQ(addr & (PG - 1), DOORBELL_OFF);	/* an IOVA for the ITS page */

	trigger(dev0, 1);
	CHECK_EQ(fired(efd[1]), 1);
	CHECK_EQ(fired(efd[0]), 0);
	for (int i = 0; i < 3; i++)
		trigger(dev0, 1);
	CHECK_EQ(fired(efd[1]), 3);			/* each MSI, one signal */
	{
		struct pollfd p = { .fd = efd[1], .events = POLLIN };

		CHECK_EQ(poll(&p, 1, 0), 0);
		trigger(dev0, 1);
		CHECK_EQ(poll(&p, 1, 0), 1);
		CHECK_EQ(fired(efd[1]), 1);
	}
	/* The DMA engine's completion interrupt, vector 0. */
	ram[0] = 0x7e;
	wr(dev0, EP_DMA_SRC, GPA, 8);
	wr(dev0, EP_DMA_DST, GPA + PG, 8);
	wr(dev0, EP_DMA_LEN, 64, 4);
	wr(dev0, EP_DMA_CMD, EP_DMA_CMD_GO | EP_DMA_CMD_IRQ | (0 << EP_DMA_CMD_VEC_SHIFT), 4);
	CHECK_EQ(rd(dev0, EP_DMA_STATUS, 4), 0);
	CHECK_EQ(ram[PG], 0x7e);
	CHECK_EQ(fired(efd[0]), 1);

	/* Enabled with two vectors: a third is not there. */
	CHECK_ERRNO(msi_eventfds(dev0, 2, 1, fds), EINVAL);
	/* Another eventfd for vector 1; none for vector 0. */
	CHECK_EQ(msi_eventfds(dev0, 1, 1, &efd[2]), 0);
	fds[0] = -1;
	CHECK_EQ(msi_eventfds(dev0, 0, 1, fds), 0);
	trigger(dev0, 1);
	trigger(dev0, 0);
	CHECK_EQ(fired(efd[2]), 1);
	CHECK_EQ(fired(efd[1]), 0);
	CHECK_EQ(fired(efd[0]), 0);
	/* The shim holds its own reference, as the kernel holds the eventfd. */
	{
		int e = eventfd(0, EFD_NONBLOCK), d;

		REQUIRE(e >= 0);
		CHECK_EQ(msi_eventfds(dev0, 0, 1, &e), 0);
		d = dup(e);
		close(e);
		trigger(dev0, 0);
		CHECK_EQ(fired(d), 1);
		close(d);
	}
	/* Loopback: DATA_NONE signals, DATA_BOOL signals where true. */
	CHECK_EQ(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 1, NULL), 0);
	CHECK_EQ(fired(efd[2]), 1);
	{
		int32_t yes = 1, no = 0;	/* bools are bytes: 1 then 0 */

		CHECK_EQ(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
				  1, 1, &yes), 0);
		CHECK_EQ(set_irqs(dev0, VFIO_PCI_MSI_IRQ_INDEX,
				  VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
				  1, 1, &no), 0);
		CHECK_EQ(fired(efd[2]), 1);
	}
	/* A bad eventfd for a vector tears down what the call set, as vfio-pci. */
	fds[0] = 4000;
	CHECK_ERRNO(msi_eventfds(dev0, 1, 1, fds), EBADF);
	trigger(dev0, 1);
	CHECK_EQ(fired(efd[2]), 0);

	/* Off: the capability is disabled, nothing arrives. */
	CHECK_EQ(msi_off(dev0), 0);
	CHECK_EQ(rd(dev0, EP_MSI_CTRL, 4) & 1, 0);
	trigger(dev0, 1);
	CHECK_EQ(fired(efd[2]), 0);
	CHECK_ERRNO(msi_off(dev0), EINVAL);

	/* ERR and REQ take one eventfd each; loopback reaches it. */
	CHECK_EQ(set_irqs(dev0, VFIO_PCI_ERR_IRQ_INDEX,
			  VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			  0, 1, &efd[0]), 0);
	CHECK_EQ(set_irqs(dev0, VFIO_PCI_ERR_IRQ_INDEX,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, NULL), 0);
	CHECK_EQ(fired(efd[0]), 1);
	CHECK_EQ(set_irqs(dev0, VFIO_PCI_ERR_IRQ_INDEX,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL), 0);
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_ERR_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL),
		    EINVAL);				/* nothing to remove */
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_REQ_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			     1, 1, &efd[0]), EINVAL);	/* one REQ interrupt only */
	CHECK_EQ(set_irqs(dev0, VFIO_PCI_REQ_IRQ_INDEX,
			  VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			  0, 1, &efd[1]), 0);
	CHECK_ERRNO(set_irqs(dev0, VFIO_PCI_REQ_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
			     0, 1, &efd[1]), ENOTTY);

	/* Enabled again, then the device file closes: everything let go. */
	fds[0] = efd[0];
	CHECK_EQ(msi_eventfds(dev0, 0, 1, fds), 0);
	for (int i = 0; i < 3; i++)
		close(efd[i]);
	CHECK(open_fds() > before);	/* the shim's references */
	close(dev0);
	CHECK_EQ(open_fds(), before - 1);
}

/* The guest's STE as a nested HWPT of viommu. */
static __u32 nested(__u32 viommu, __u64 ste0)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { ste0, 0 } };
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .dev_id = devid1, .pt_id = viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(ste), .data_uptr = (uintptr_t)&ste,
	};

	REQUIRE(ioctl(fd, IOMMU_HWPT_ALLOC, &ha) == 0);
	return ha.out_hwpt_id;
}

/*
 * A device on a nested HWPT: the doorbell goes into the stage-2 parent at
 * the driver's window, and the MSI walks both stages to the ITS.
 */
static void test_nested(void)
{
	struct iommu_option o = {
		.size = sizeof(o), .option_id = IOMMU_OPTION_SW_MSI_START,
		.op = IOMMU_OPTION_OP_SET, .object_id = devid1, .val64 = VITS_PAGE,
	};
	struct iommu_hwpt_alloc pa = {
		.size = sizeof(pa), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = devid1, .pt_id = ioas,
	};
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
		.dev_id = devid1,
	};
	struct iommu_vdevice_alloc vd = {
		.size = sizeof(vd), .dev_id = devid1, .virt_id = 0x43,
	};
	struct iommu_veventq_alloc q = {
		.size = sizeof(q), .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		.veventq_depth = 8,
	};
	__u32 bypass, s1 = 0, faults;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int32_t fds[1] = { efd };

	REQUIRE(efd >= 0);
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, &o), EOPNOTSUPP);	/* not mainline */
	REQUIRE(ioctl(fd, IOMMU_HWPT_ALLOC, &pa) == 0);
	va.hwpt_id = pa.out_hwpt_id;
	REQUIRE(ioctl(fd, IOMMU_VIOMMU_ALLOC, &va) == 0);
	vd.viommu_id = q.viommu_id = va.out_viommu_id;
	REQUIRE(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	REQUIRE(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q) == 0);

	/* Stage 1 bypassed: the message address is the window's IPA. */
	bypass = nested(va.out_viommu_id, STE0_V | STE0_CFG_BYPASS);
	REQUIRE(attach(dev1, bypass) == 0);
	CHECK_EQ(msi_eventfds(dev1, 0, 1, fds), 0);
	CHECK_EQ(rd(dev1, EP_MSI_ADDR, 8), VITS_PAGE + DOORBELL_OFF);
	trigger(dev1, 0);
	CHECK_EQ(fired(efd), 1);

	/* An address the stage 2 does not map: the MSI faults, no signal. */
	faults = (__u32)rd(dev1, EP_FAULTS, 4);
	wr(dev1, EP_MSI_ADDR, 0x0a000000 + DOORBELL_OFF, 8);
	trigger(dev1, 0);
	CHECK_EQ(fired(efd), 0);
	CHECK_EQ(rd(dev1, EP_FAULTS, 4), faults + 1);
	{
		struct pollfd p = { .fd = (int)q.out_veventq_fd, .events = POLLIN };

		CHECK_EQ(poll(&p, 1, 0), 0);	/* a stage-2 fault is the host's */
	}

	if (!strcmp(client_iommu(), "smmuv3")) {
		struct {
			struct iommufd_vevent_header hdr;
			struct iommu_vevent_arm_smmuv3 rec;
		} ev;
		__u64 *cd = (__u64 *)(ram + CD_OFF);
		__u64 *l1 = (__u64 *)(ram + L1_OFF), *l2 = (__u64 *)(ram + L2_OFF);
		__u64 *l3 = (__u64 *)(ram + L3_OFF);

		/*
		 * The guest's stage 1, which does not map the doorbell: the
		 * kernel's message address is a stage-1 fault, on the vEVENTQ.
		 */
		memset(ram, 0, 4 * PG);
		cd[0] = 25 | (1ULL << 30) | (1ULL << 31) | (2ULL << 32) |
			(1ULL << 41) | (1ULL << 45) | (1ULL << 46) | (1ULL << 48);
		cd[1] = GPA + L1_OFF;
		l1[(GUEST_MSI_IOVA >> 30) & 511] = (GPA + L2_OFF) | DESC_TABLE;
		l2[(GUEST_MSI_IOVA >> 21) & 511] = (GPA + L3_OFF) | DESC_TABLE;
		s1 = nested(va.out_viommu_id, STE0_V | STE0_CFG_S1 | (GPA + CD_OFF));
		CHECK_EQ(attach(dev1, s1), 0);		/* a replace: MSI stays on */
		wr(dev1, EP_MSI_ADDR, VITS_PAGE + DOORBELL_OFF, 8);
		trigger(dev1, 0);
		CHECK_EQ(fired(efd), 0);
		CHECK_EQ(read((int)q.out_veventq_fd, &ev, sizeof(ev)), sizeof(ev));
		CHECK_EQ(ev.rec.evt[0] & 0xff, EVT_F_TRANSLATION);
		CHECK_EQ(ev.rec.evt[0] >> 32, 0x43);
		CHECK_EQ(ev.rec.evt[2], VITS_PAGE + DOORBELL_OFF);

		/*
		 * As a guest maps its doorbell and a VMM programs the device
		 * with the guest's address: IOVA -S1-> window -S2-> the ITS.
		 */
		l3[(GUEST_MSI_IOVA >> 12) & 511] = VITS_PAGE | DESC_PAGE;
		wr(dev1, EP_MSI_ADDR, GUEST_MSI_IOVA + DOORBELL_OFF, 8);
		trigger(dev1, 0);
		CHECK_EQ(fired(efd), 1);
		CHECK_EQ(attach(dev1, bypass), 0);
	} else {
		printf("mock: no guest stage 1 to walk, its MSI cases skipped\n");
	}

	CHECK_EQ(msi_off(dev1), 0);
	close(efd);
	close((int)q.out_veventq_fd);
	CHECK_EQ(attach(dev1, ioas), 0);
	CHECK_EQ(destroy(bypass), 0);
	if (s1)
		CHECK_EQ(destroy(s1), 0);
	CHECK_EQ(destroy(q.out_veventq_id), 0);
	CHECK_EQ(destroy(vd.out_vdevice_id), 0);
	CHECK_EQ(destroy(va.out_viommu_id), 0);
	CHECK_EQ(destroy(pa.out_hwpt_id), 0);
}

int main(void)
{
	setup();
	test_info();
	test_paging();
	test_nested();
	close(dev1);
	close(fd);
	munmap(ram, RAM_SIZE);
	return test_done();
}
