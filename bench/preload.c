// SPDX-License-Identifier: MIT
/*
 * What the LD_PRELOAD shim costs a program: a libc call on a descriptor
 * that is not the shim's (with and without emulated files open, the latter
 * taking the table's read lock), iommufd ioctls through the shim (mapping
 * and unmapping 2 MiB of the program's memory with a domain to pin for), and the
 * two round trips of the board (iommu=smmuv3, the default): a device MSI
 * to the program's VFIO eventfd, and a stage-1 fault to the vEVENTQ
 * record the program reads.
 *
 * The program measures the bare libc baseline, then re-executes itself
 * under build/<variant>/libiommusim-preload.so for the rest.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench.h"
#include "include/uapi/linux/iommufd.h"
#include "include/uapi/linux/vfio.h"

struct ctx {
	int fd, zero;
	__u32 ioas;
	void *buf, *buf2m;
	int dev, efd, qfd;
	__u64 bar0;
};

#include "hw/endpoint-regs.h"
#define GPA			0x40000000ULL
#define MSI_HOLE		0x2000000ULL	/* a guest IOVA its stage 1 lacks */

static void do_read(void *p, uint64_t i)
{
	struct ctx *c = p;
	uint64_t v;

	(void)i;
	if (read(c->zero, &v, sizeof(v)) != sizeof(v))
		abort();
}

static void do_destroy_enoent(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_destroy d = { .size = sizeof(d), .id = 0xffffff };

	(void)i;
	if (ioctl(c->fd, IOMMU_DESTROY, &d) != -1)
		abort();
}

static void do_map_unmap(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_ioas_map m = {
		.size = sizeof(m), .ioas_id = c->ioas, .user_va = (uintptr_t)c->buf,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 4096, .iova = 0x100000 + (i % 512) * 4096,
	};
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = c->ioas, .iova = m.iova, .length = 4096,
	};

	if (ioctl(c->fd, IOMMU_IOAS_MAP, &m) || ioctl(c->fd, IOMMU_IOAS_UNMAP, &u))
		abort();
}

/*
 * 2 MiB of the program's own memory (2 MiB aligned: MAP_HUGETLB, which
 * the shim serves on any machine) into an IOAS with a domain: the map
 * pins the pages and fills the domain, the unmap empties and unpins it.
 */
static void do_map_unmap_2m(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_ioas_map m = {
		.size = sizeof(m), .ioas_id = c->ioas, .user_va = (uintptr_t)c->buf2m,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 2 << 20, .iova = 0x100000000ULL + (i % 64) * (2 << 20),
	};
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = c->ioas, .iova = m.iova,
		.length = 2 << 20,
	};

	if (ioctl(c->fd, IOMMU_IOAS_MAP, &m) || ioctl(c->fd, IOMMU_IOAS_UNMAP, &u))
		abort();
}

/* The endpoint signals vector 0; the program reads its eventfd. */
static void do_msi(void *p, uint64_t i)
{
	struct ctx *c = p;
	__u32 vec = 0;
	uint64_t v;

	(void)i;
	if (pwrite(c->dev, &vec, 4, (off_t)(c->bar0 + EP_MSI_TRIGGER)) != 4 ||
	    read(c->efd, &v, sizeof(v)) != sizeof(v) || v != 1)
		abort();
}

/* The MSI faults in the guest's stage 1; the program reads the vEVENT. */
static void do_vevent(void *p, uint64_t i)
{
	struct ctx *c = p;
	__u32 vec = 0;
	char rec[8 + 32];

	(void)i;
	if (pwrite(c->dev, &vec, 4, (off_t)(c->bar0 + EP_MSI_TRIGGER)) != 4 ||
	    read(c->qfd, rec, sizeof(rec)) != sizeof(rec))
		abort();
}

static int vfio_setup(struct ctx *c)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = c->fd };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = c->ioas };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	__u32 buf[(sizeof(struct vfio_irq_set) + 4) / 4] = { 0 };
	struct vfio_irq_set *irq = (void *)buf;

	c->dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	c->efd = eventfd(0, EFD_CLOEXEC);
	*irq = (struct vfio_irq_set){ .argsz = sizeof(*irq) + 4,
		.index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(irq->data, &c->efd, 4);
	if (c->dev < 0 || c->efd < 0 ||
	    ioctl(c->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(c->dev, VFIO_DEVICE_GET_REGION_INFO, &reg) ||
	    ioctl(c->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ||
	    ioctl(c->dev, VFIO_DEVICE_SET_IRQS, irq))
		return -1;
	c->bar0 = reg.offset;
	return (int)bind.out_devid;
}

/*
 * Guest RAM with a CD and an empty stage 1, a nested HWPT over a vIOMMU
 * with a vEVENTQ, the device on it, its MSI aimed at a hole of stage 1.
 */
static int nest_setup(struct ctx *c, __u32 devid)
{
	__u64 *ram = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_ioas_map m = { .size = sizeof(m), .ioas_id = c->ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 0x10000, .iova = GPA };
	struct iommu_hwpt_alloc pa = { .size = sizeof(pa), .dev_id = devid,
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT, .pt_id = c->ioas };
	struct iommu_viommu_alloc va = { .size = sizeof(va), .dev_id = devid,
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3 };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .dev_id = devid,
		.virt_id = 1 };
	struct iommu_veventq_alloc q = { .size = sizeof(q), .veventq_depth = 64,
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 };
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { 1 | (5ULL << 1) | GPA, 0 } };
	struct iommu_hwpt_alloc na = { .size = sizeof(na), .dev_id = devid,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3, .data_len = sizeof(ste),
		.data_uptr = (uintptr_t)&ste };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	__u64 addr = MSI_HOLE;

	if (ram == MAP_FAILED)
		return -1;
	/* CD: T0SZ 25, EPD1, V, IPS 40 bits, AA64, R, A, ASID 1; empty TTB0. */
	ram[0] = 25 | (1ULL << 30) | (1ULL << 31) | (2ULL << 32) | (1ULL << 41) |
		 (1ULL << 45) | (1ULL << 46) | (1ULL << 48);
	ram[1] = GPA + 0x1000;
	m.user_va = (uintptr_t)ram;
	if (ioctl(c->fd, IOMMU_IOAS_MAP, &m) || ioctl(c->fd, IOMMU_HWPT_ALLOC, &pa))
		return -1;
	va.hwpt_id = pa.out_hwpt_id;
	if (ioctl(c->fd, IOMMU_VIOMMU_ALLOC, &va))
		return -1;
	vd.viommu_id = q.viommu_id = na.pt_id = va.out_viommu_id;
	if (ioctl(c->fd, IOMMU_VDEVICE_ALLOC, &vd) ||
	    ioctl(c->fd, IOMMU_VEVENTQ_ALLOC, &q) || ioctl(c->fd, IOMMU_HWPT_ALLOC, &na))
		return -1;
	at.pt_id = na.out_hwpt_id;
	c->qfd = (int)q.out_veventq_fd;
	if (ioctl(c->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ||
	    pwrite(c->dev, &addr, 8, (off_t)(c->bar0 + EP_MSI_ADDR)) != 8)
		return -1;
	return 0;
}

int main(void)
{
	const char *lp = getenv("LD_PRELOAD");
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct ctx c = { .zero = open("/dev/zero", O_RDONLY) };
	char self[PATH_MAX], shim[PATH_MAX + 32];
	ssize_t n;

	if (c.zero < 0)
		return 1;
	if (!lp || !strstr(lp, "libiommusim-preload.so")) {
		bench_print("preload_libc_read_baseline", "ns/op",
			    bench_measure(do_read, &c, 10000));
		fflush(stdout);
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return 1;
		self[n] = '\0';
		snprintf(shim, sizeof(shim), "%s", self);
		*strrchr(shim, '/') = '\0';	/* build/<variant>/bench */
		*strrchr(shim, '/') = '\0';
		strcat(shim, "/libiommusim-preload.so");
		setenv("LD_PRELOAD", shim, 1);
		execl(self, self, (char *)NULL);
		perror(self);
		return 1;
	}

	bench_print("preload_passthrough_read_idle", "ns/op",
		    bench_measure(do_read, &c, 10000));
	c.fd = open("/dev/iommu", O_RDWR);
	c.buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.fd < 0 || c.buf == MAP_FAILED || ioctl(c.fd, IOMMU_IOAS_ALLOC, &alloc))
		return 1;
	c.ioas = alloc.out_ioas_id;
	bench_print("preload_passthrough_read_busy", "ns/op",
		    bench_measure(do_read, &c, 10000));
	bench_print("preload_ioctl_destroy_enoent", "ns/op",
		    bench_measure(do_destroy_enoent, &c, 10000));
	bench_print("preload_ioas_map_unmap_4k", "ns/op",
		    bench_measure(do_map_unmap, &c, 1000));
	{
		int devid = vfio_setup(&c);

		if (devid < 0)
			return 1;
		bench_print("preload_msi_to_eventfd", "ns/op",
			    bench_measure(do_msi, &c, 1000));
		c.buf2m = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			       MAP_POPULATE, -1, 0);
		if (c.buf2m == MAP_FAILED)
			return 1;
		bench_print("preload_ioas_map_unmap_2m_pinned", "ns/op",
			    bench_measure(do_map_unmap_2m, &c, 1000));
		if (nest_setup(&c, (__u32)devid))
			return 1;
		bench_print("preload_vevent_round_trip", "ns/op",
			    bench_measure(do_vevent, &c, 1000));
		close(c.qfd);
		close(c.dev);
		close(c.efd);
	}
	close(c.fd);
	return 0;
}
