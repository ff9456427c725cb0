// SPDX-License-Identifier: MIT
/*
 * Full nesting as a VMM does it, from an unmodified program, down to the
 * events the SMMU raises for the guest.
 *
 * The program's mmap'd buffer is its "guest RAM", mapped into an IOAS at
 * guest-physical addresses (the stage 2, a NEST_PARENT HWPT).  It writes a
 * stage-1 context descriptor and stage-1 tables into that RAM, as a guest
 * kernel would, and hands the STE that points at them to a nested HWPT of
 * a vIOMMU where the device is a vDEVICE with a virtual StreamID.  The
 * device (VFIO region 0, the endpoint's DMA engine) then works at stage-1
 * addresses: a mapped one reaches the program's bytes through both
 * stages; an unmapped one is an F_TRANSLATION event that comes back on
 * the vEVENTQ with the virtual StreamID.  A stage-1 PTE changed behind the
 * SMMU's back stays stale in its TLB until the program's TLBI_NH_VA, and a
 * changed CD until its CFGI_CD - both through IOMMU_HWPT_INVALIDATE on the
 * vIOMMU.  Being stale on purpose, this program runs the shim's coherency
 * checker in report mode (`make test` makes it fatal) and checks that it
 * named both bugs on stderr.  The SMMUv3 formats below are restated from Arm IHI0070 (CD,
 * STE, commands, event records) and the VMSAv8-64 descriptors, as a guest
 * driver would carry them.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

/* The endpoint's registers: the public hw/endpoint-regs.h. */
#include "hw/endpoint-regs.h"

/* Guest RAM: 1M at guest-physical GPA, laid out as below. */
#define PG		4096ULL
#define GPA		0x40000000ULL
#define RAM_SIZE	(1ULL << 20)
#define CD_OFF		0x0000		/* two CDs: the one in use, a spare */
#define L1_OFF		0x1000
#define L2_OFF		0x2000
#define L3_OFF		0x3000
#define L1B_OFF		0x4000		/* a second set of tables */
#define L2B_OFF		0x5000
#define L3B_OFF		0x6000
#define PAGE_A		0x10000		/* data pages */
#define PAGE_B		0x11000
#define PAGE_C		0x12000
#define PAGE_D		0x13000

/* Stage-1 addresses the device uses: VA + i * PG is L3 slot i. */
#define VA		0x1000000ULL
#define VA_A		(VA + 0 * PG)
#define VA_B		(VA + 1 * PG)
#define VA_HOLE		(VA + 5 * PG)

#define VSID		0x42
#define ASID		1

/* Context descriptor word 0 (Arm IHI0070 5.4). */
#define CD0_T0SZ(x)	((__u64)(x))
#define CD0_EPD1	(1ULL << 30)
#define CD0_V		(1ULL << 31)
#define CD0_IPS_40	(2ULL << 32)
#define CD0_AA64	(1ULL << 41)
#define CD0_R		(1ULL << 45)
#define CD0_A		(1ULL << 46)
#define CD0_ASID(a)	((__u64)(a) << 48)

/* VMSAv8-64 4K descriptors. */
#define DESC_TABLE	3ULL
#define DESC_PAGE	(3ULL | (1ULL << 6) /* AP: EL0 RW */ | (3ULL << 8) /* ISH */ | \
			 (1ULL << 10) /* AF */ | (1ULL << 11) /* nG */)

/* STE word 0 and the commands a guest sends. */
#define STE0_V		1ULL
#define STE0_CFG_S1	(5ULL << 1)
#define OP_CFGI_CD	0x05
#define OP_TLBI_NH_VA	0x12

#define EVT_F_TRANSLATION	0x10
#define EVT1_RNW		(1ULL << 35)

struct vevent {
	struct iommufd_vevent_header hdr;
	struct iommu_vevent_arm_smmuv3 rec;
};

static int fd, dev, dev1, qfd;
static __u32 devid, devid1, ioas, parent, viommu, vdev, nested, veventq;
static __u64 bar0;
static unsigned char *ram;

static __u64 *ram64(__u64 off)
{
	return (__u64 *)(ram + off);
}

static void wr(__u64 reg, __u64 v, int size)
{
	CHECK_EQ(pwrite(dev, &v, (size_t)size, (off_t)(bar0 + reg)), size);
}

static __u64 rd(__u64 reg, int size)
{
	__u64 v = 0;

	CHECK_EQ(pread(dev, &v, (size_t)size, (off_t)(bar0 + reg)), size);
	return v;
}

/* The device copies len bytes from stage-1 address src to dst: its status. */
static __u32 dma(__u64 dst, __u64 src, __u32 len)
{
	wr(EP_DMA_SRC, src, 8);
	wr(EP_DMA_DST, dst, 8);
	wr(EP_DMA_LEN, len, 4);
	wr(EP_DMA_CMD, EP_DMA_CMD_GO, 4);
	return (__u32)rd(EP_DMA_STATUS, 4);
}

static int destroy(__u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static int invalidate(__u64 c0, __u64 c1, __u32 *done)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmd = { .cmd = { c0, c1 } };
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv), .hwpt_id = viommu,
		.data_uptr = (uintptr_t)&cmd,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(cmd), .entry_num = 1,
	};
	int ret = ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv);

	if (done)
		*done = inv.entry_num;
	return ret;
}

static int poll_in(void)
{
	struct pollfd p = { .fd = qfd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Tables l1 -> l2 -> l3 mapping VA slot i to page[i] (0: none). */
static void build_tables(__u64 l1, __u64 l2, __u64 l3, const __u64 *page, int n)
{
	memset(ram + l1, 0, PG);
	memset(ram + l2, 0, PG);
	memset(ram + l3, 0, PG);
	ram64(l1)[(VA >> 30) & 511] = (GPA + l2) | DESC_TABLE;
	ram64(l2)[(VA >> 21) & 511] = (GPA + l3) | DESC_TABLE;
	for (int i = 0; i < n; i++)
		if (page[i])
			ram64(l3)[((VA >> 12) & 511) + i] = (GPA + page[i]) | DESC_PAGE;
}

static void write_cd(__u64 off, __u64 l1, unsigned int asid, bool record)
{
	__u64 *cd = ram64(off);

	memset(cd, 0, 64);
	cd[1] = GPA + l1;			/* TTB0 */
	cd[3] = 0xff;				/* MAIR: attr 0 normal WB */
	cd[0] = CD0_T0SZ(25) | CD0_EPD1 | CD0_IPS_40 | CD0_AA64 | CD0_A |
		(record ? CD0_R : 0) | CD0_ASID(asid) | CD0_V;
}

static void test_hw_info(void)
{
	struct iommu_hw_info_arm_smmuv3 smmu;
	struct iommu_hw_info info = {
		.size = sizeof(info), .dev_id = devid,
		.data_len = sizeof(smmu), .data_uptr = (uintptr_t)&smmu,
	};

	memset(&smmu, 0xa5, sizeof(smmu));
	CHECK_EQ(ioctl(fd, IOMMU_GET_HW_INFO, &info), 0);
	CHECK_EQ(info.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CHECK_EQ(info.data_len, sizeof(smmu));
	CHECK_EQ(smmu.flags, 0);
	/* The board's SMMU: stage 1 and 2, 16-bit StreamIDs, 48-bit OAS, RIL. */
	CHECK_EQ(smmu.idr[0] & 3, 3);		/* S2P, S1P */
	CHECK_EQ(smmu.idr[1] & 0x3f, 16);	/* SIDSIZE */
	CHECK_EQ(smmu.idr[5] & 7, 5);		/* OAS: 48 bits */
	CHECK(smmu.idr[3] & (1u << 10));	/* RIL */
	CHECK_EQ(smmu.aidr, 2);			/* SMMUv3.2 */
}

static void setup(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = RAM_SIZE, .iova = GPA,
	};
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
	};

	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	dev1 = open("/dev/vfio/devices/vfio1", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0 && dev1 >= 0);
	bind.iommufd = fd;
	REQUIRE(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	devid = bind.out_devid;
	REQUIRE(ioctl(dev1, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	devid1 = bind.out_devid;
	REQUIRE(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
	bar0 = reg.offset;

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ram != MAP_FAILED);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &ia) == 0);
	ioas = ia.out_ioas_id;
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)ram;
	REQUIRE(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
	ha.dev_id = devid;
	ha.pt_id = ioas;
	REQUIRE(ioctl(fd, IOMMU_HWPT_ALLOC, &ha) == 0);
	parent = ha.out_hwpt_id;

	va.dev_id = devid;
	va.hwpt_id = parent;
	va.type = IOMMU_VIOMMU_TYPE_DEFAULT;
	CHECK_ERRNO(ioctl(fd, IOMMU_VIOMMU_ALLOC, &va), EOPNOTSUPP);
	va.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	REQUIRE(ioctl(fd, IOMMU_VIOMMU_ALLOC, &va) == 0);
	viommu = va.out_viommu_id;
}

/* vDEVICE and vEVENTQ, with their misuses. */
static void test_vdevice_and_queue(void)
{
	struct iommu_vdevice_alloc vd = {
		.size = sizeof(vd), .viommu_id = viommu, .dev_id = devid,
		.virt_id = VSID,
	};
	struct iommu_veventq_alloc q = {
		.size = sizeof(q), .viommu_id = viommu,
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 4,
	};

	REQUIRE(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	vdev = vd.out_vdevice_id;
	/* One vSID per device, one device per vSID. */
	vd.virt_id = VSID + 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), EEXIST);
	vd.dev_id = devid1;
	vd.virt_id = VSID;
	CHECK_ERRNO(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), EEXIST);
	vd.virt_id = VSID + 1;
	CHECK_EQ(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), 0);
	CHECK_EQ(destroy(vd.out_vdevice_id), 0);
	vd.viommu_id = parent;		/* not a vIOMMU */
	CHECK_ERRNO(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), ENOENT);

	q.veventq_depth = 0;
	CHECK_ERRNO(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q), EINVAL);
	q.veventq_depth = 4;
	q.type = IOMMU_VEVENTQ_TYPE_DEFAULT;
	CHECK_ERRNO(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q), EOPNOTSUPP);
	q.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	REQUIRE(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q) == 0);
	qfd = (int)q.out_veventq_fd;
	veventq = q.out_veventq_id;
	CHECK_ERRNO(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q), EEXIST);
	CHECK_ERRNO(destroy(viommu), EBUSY);
	CHECK(!poll_in());
}

/* The guest's tables and STE: a nested HWPT, attached. */
static void test_nested_attach(void)
{
	const __u64 pages[] = { PAGE_A, PAGE_B };
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = {
		STE0_V | STE0_CFG_S1 | (GPA + CD_OFF), 0 } };
	struct iommu_hwpt_alloc ha = {
		.size = sizeof(ha), .dev_id = devid1, .pt_id = viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(ste), .data_uptr = (uintptr_t)&ste,
	};
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	build_tables(L1_OFF, L2_OFF, L3_OFF, pages, 2);
	write_cd(CD_OFF, L1_OFF, ASID, true);
	REQUIRE(ioctl(fd, IOMMU_HWPT_ALLOC, &ha) == 0);
	nested = ha.out_hwpt_id;
	/* vfio1 has no vDEVICE: the SMMU driver will not attach it nested. */
	at.pt_id = nested;
	CHECK_ERRNO(ioctl(dev1, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ENOENT);
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	CHECK_EQ(at.pt_id, nested);
}

/* Stage 1 then stage 2: the device's copy lands in the program's bytes. */
static void test_dma(void)
{
	for (int i = 0; i < 256; i++)
		ram[PAGE_A + i] = (unsigned char)(i ^ 0x5a);
	CHECK_EQ(dma(VA_B, VA_A, 256), 0);
	CHECK(!memcmp(ram + PAGE_B, ram + PAGE_A, 256));
	CHECK(!poll_in());
}

static ssize_t read_events(struct vevent *ev, size_t n)
{
	return read(qfd, ev, n * sizeof(*ev));
}

/* Unmapped stage-1 addresses: F_TRANSLATION with the virtual StreamID. */
static void test_faults(void)
{
	struct vevent ev[8];
	__u32 seq;

	CHECK_EQ(dma(VA_HOLE, VA_A, 64), EFAULT);
	CHECK_EQ(rd(EP_FAULT_ADDR, 8), VA_HOLE);
	CHECK(poll_in());
	CHECK_EQ(read_events(ev, 8), sizeof(ev[0]));
	CHECK(!poll_in());
	CHECK_EQ(ev[0].hdr.flags, 0);
	CHECK_EQ(ev[0].rec.evt[0] & 0xff, EVT_F_TRANSLATION);
	CHECK_EQ(ev[0].rec.evt[0] >> 32, VSID);		/* not the StreamID 0x10 */
	CHECK_EQ(ev[0].rec.evt[2], VA_HOLE);
	CHECK(!(ev[0].rec.evt[1] & EVT1_RNW));		/* a write */
	seq = ev[0].hdr.sequence;

	/* A read fault: the next sequence number, RnW set. */
	CHECK_EQ(dma(VA_B, VA_HOLE + PG, 64), EFAULT);
	CHECK_EQ(read_events(ev, 8), sizeof(ev[0]));
	CHECK_EQ(ev[0].hdr.sequence, seq + 1);
	CHECK_EQ(ev[0].rec.evt[2], VA_HOLE + PG);
	CHECK(ev[0].rec.evt[1] & EVT1_RNW);
	/* A buffer too small for a record reads nothing and keeps it. */
	CHECK_EQ(dma(VA_HOLE, VA_A, 64), EFAULT);
	CHECK_EQ(read(qfd, ev, sizeof(ev[0]) - 1), 0);
	CHECK(poll_in());
	CHECK_EQ(read_events(ev, 1), sizeof(ev[0]));
	CHECK_EQ(ev[0].hdr.sequence, seq + 2);

	/*
	 * Six faults into a queue of four: four records, then the one
	 * LOST_EVENTS header carrying the last dropped sequence.
	 */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(dma(VA_HOLE + (__u64)i * PG, VA_A, 8), EFAULT);
	CHECK_EQ(read(qfd, ev, sizeof(ev)),
		 4 * sizeof(ev[0]) + sizeof(struct iommufd_vevent_header));
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(ev[i].hdr.sequence, seq + 3 + (__u32)i);
		CHECK_EQ(ev[i].rec.evt[2], VA_HOLE + (__u64)i * PG);
	}
	CHECK_EQ(ev[4].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(ev[4].hdr.sequence, seq + 8);
	CHECK(!poll_in());
	/* Room again: the next event's sequence shows the gap is closed. */
	CHECK_EQ(dma(VA_HOLE, VA_A, 8), EFAULT);
	CHECK_EQ(read_events(ev, 8), sizeof(ev[0]));
	CHECK_EQ(ev[0].hdr.sequence, seq + 9);
}

/*
 * A buffer the program cannot write: iommufd_veventq_fops_read copies a
 * record's header, then its payload, and puts the record back when either
 * copy fails - EFAULT if nothing was read, else the bytes copied so far
 * (a header whose payload would not go counts, as in the kernel).
 */
static void test_read_efault(void)
{
	const size_t rec = sizeof(struct vevent), hdr = sizeof(struct iommufd_vevent_header);
	unsigned char *pg = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vevent ev[2];

	REQUIRE(pg != MAP_FAILED);
	REQUIRE(mprotect(pg + PG, PG, PROT_NONE) == 0);
	CHECK_EQ(dma(VA_HOLE, VA_A, 8), EFAULT);
	CHECK_EQ(dma(VA_HOLE + PG, VA_A, 8), EFAULT);
	CHECK_ERRNO(read(qfd, pg + PG, 2 * rec), EFAULT);
	CHECK(poll_in());
	/* Room for the header only: 8 bytes, the record stays queued. */
	CHECK_EQ(read(qfd, pg + PG - hdr, 2 * rec), hdr);
	/* The first record fits, the second does not: one record. */
	CHECK_EQ(read(qfd, pg + PG - rec, 2 * rec), rec);
	memcpy(ev, pg + PG - rec, rec);
	CHECK_EQ(ev[0].rec.evt[2], VA_HOLE);
	CHECK(poll_in());
	CHECK_EQ(read_events(ev, 2), rec);
	CHECK_EQ(ev[0].rec.evt[2], VA_HOLE + PG);
	CHECK(!poll_in());
	munmap(pg, 2 * PG);
}

/* What the shim prints on stderr between begin and end (a file). */
static int capture_fd = -1, saved_stderr = -1;

static void capture_begin(void)
{
	char path[] = "/tmp/iommusim-vevent-XXXXXX";

	capture_fd = mkstemp(path);
	REQUIRE(capture_fd >= 0);
	unlink(path);
	fflush(stderr);
	saved_stderr = dup(2);
	REQUIRE(saved_stderr >= 0 && dup2(capture_fd, 2) == 2);
}

static bool capture_end(const char *text)
{
	char buf[16384];
	ssize_t n;

	fflush(stderr);
	REQUIRE(dup2(saved_stderr, 2) == 2);
	close(saved_stderr);
	n = pread(capture_fd, buf, sizeof(buf) - 1, 0);
	close(capture_fd);
	buf[n > 0 ? n : 0] = '\0';
	if (strstr(buf, text))
		return true;
	fprintf(stderr, "stderr lacks \"%s\":\n%s\n", text, buf);
	return false;
}

/* A changed PTE is stale in the SMMU's TLB until the guest's TLBI. */
static void test_stale_tlb(void)
{
	__u32 done = 99;

	memset(ram + PAGE_B, 0, PG);
	memset(ram + PAGE_C, 0, PG);
	ram[PAGE_A] = 0x11;
	CHECK_EQ(dma(VA_B, VA_A, 1), 0);		/* VA_B -> B is in the TLB */
	CHECK_EQ(ram[PAGE_B], 0x11);
	ram64(L3_OFF)[((VA_B >> 12) & 511)] = (GPA + PAGE_C) | DESC_PAGE;
	ram[PAGE_A] = 0x22;
	capture_begin();
	CHECK_EQ(dma(VA_B, VA_A, 1), 0);
	CHECK(capture_end("iommusim-preload: coherency: break-before-make violation"));
	CHECK_EQ(ram[PAGE_B], 0x22);			/* the old translation */
	CHECK_EQ(ram[PAGE_C], 0);
	/* The guest invalidates that VA in its ASID (the host adds the VMID). */
	CHECK_EQ(invalidate(OP_TLBI_NH_VA | ((__u64)ASID << 48), VA_B | 1, &done), 0);
	CHECK_EQ(done, 1);
	ram[PAGE_A] = 0x33;
	CHECK_EQ(dma(VA_B, VA_A, 1), 0);
	CHECK_EQ(ram[PAGE_C], 0x33);
	CHECK_EQ(ram[PAGE_B], 0x22);
}

/* A changed CD is stale in the configuration cache until CFGI_CD. */
static void test_stale_cd(void)
{
	const __u64 pages[] = { PAGE_A, PAGE_D };
	__u32 done = 99;

	memset(ram + PAGE_D, 0, PG);
	build_tables(L1B_OFF, L2B_OFF, L3B_OFF, pages, 2);
	write_cd(CD_OFF, L1B_OFF, ASID + 1, true);	/* new tables, new ASID */
	ram[PAGE_A] = 0x44;
	capture_begin();
	CHECK_EQ(dma(VA_B, VA_A, 1), 0);
	CHECK(capture_end("coherency: stale CD in the configuration cache"));
	CHECK_EQ(ram[PAGE_C], 0x44);			/* still the old CD */
	CHECK_EQ(ram[PAGE_D], 0);
	/* CFGI_CD names the guest's vSID; an unknown one does nothing. */
	CHECK_ERRNO(invalidate(OP_CFGI_CD | ((__u64)(VSID + 7) << 32), 0, &done), EIO);
	CHECK_EQ(done, 0);
	CHECK_EQ(invalidate(OP_CFGI_CD | ((__u64)VSID << 32), 0, &done), 0);
	CHECK_EQ(done, 1);
	ram[PAGE_A] = 0x55;
	CHECK_EQ(dma(VA_B, VA_A, 1), 0);
	CHECK_EQ(ram[PAGE_D], 0x55);

	/* CD.R clear: stage-1 faults terminate without a record. */
	write_cd(CD_OFF, L1B_OFF, ASID + 1, false);
	CHECK_EQ(invalidate(OP_CFGI_CD | ((__u64)VSID << 32), 0, NULL), 0);
	CHECK_EQ(dma(VA_HOLE, VA_A, 8), EFAULT);
	CHECK(!poll_in());
	write_cd(CD_OFF, L1B_OFF, ASID + 1, true);
	CHECK_EQ(invalidate(OP_CFGI_CD | ((__u64)VSID << 32), 0, NULL), 0);
	CHECK_EQ(dma(VA_HOLE, VA_A, 8), EFAULT);
	CHECK(poll_in());
	{
		struct vevent ev;

		CHECK_EQ(read_events(&ev, 1), sizeof(ev));
	}

	/* Commands a guest may not send: EIO, nothing done. */
	CHECK_ERRNO(invalidate(0xff, 0, &done), EIO);
	CHECK_EQ(done, 0);
	CHECK_ERRNO(invalidate(0x03 /* CFGI_STE */, 0, &done), EIO);
	CHECK_EQ(done, 0);
}

static void teardown(void)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };

	/* What holds what: the fd holds the queue, the queue the vIOMMU. */
	CHECK_ERRNO(destroy(veventq), EBUSY);
	close(qfd);
	CHECK_EQ(destroy(veventq), 0);
	CHECK_ERRNO(destroy(nested), EBUSY);
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	CHECK_EQ(destroy(nested), 0);
	CHECK_EQ(destroy(vdev), 0);
	CHECK_EQ(destroy(viommu), 0);
	CHECK_EQ(destroy(parent), 0);
	close(dev1);
	close(dev);
	close(fd);
	munmap(ram, RAM_SIZE);
}

int main(void)
{
	const char *cfg = getenv("IOMMUSIM_PRELOAD");
	char with[512];

	/* Before the shim builds its machine (the first /dev/iommu open). */
	snprintf(with, sizeof(with), "%s coherency=report", cfg ? cfg : "");
	setenv("IOMMUSIM_PRELOAD", with, 1);
	client_require_iommu("smmuv3", "the mock IOMMU walks no guest stage 1 "
			     "and raises no events");
	setup();
	test_hw_info();
	test_vdevice_and_queue();
	test_nested_attach();
	test_dma();
	test_faults();
	test_read_efault();
	test_stale_tlb();
	test_stale_cd();
	teardown();
	return test_done();
}
