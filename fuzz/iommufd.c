// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the iommufd ioctl dispatcher (kernel/iommufd) as a
 * hostile VMM drives it.  A host kernel with the mock IOMMU has three
 * devices (two sharing a StreamID, so one group) bound to one context and
 * a page-aligned block of its RAM for IOAS_MAP; the input is a program of
 *  - ioctls: a real IOMMU_* command most of the time, any number sometimes;
 *    fields picked (small object IDs that name live objects, IOVAs around
 *    the mapped and reserved ranges, valid vSTEs and SMMUv3 commands) or
 *    raw; the size field right, short, or long with a zero or non-zero
 *    tail;
 *  - device calls: attach / replace / detach, unbind and rebind;
 *  - event-queue fd reads, writes and closes, events the mock "hardware"
 *    raises for a device, and allocation failures (fail-nth).
 *
 * User pointers are what an in-process kernel cannot survive: a wild one
 * is a crash of the caller, not an -EFAULT.  So every pointer field is
 * NULL or points into a buffer of the harness with its count or length cut
 * to fit; only IOAS_MAP's user_va, which the kernel translates and never
 * dereferences, takes any value.
 *
 * An input that starts with BOARD_MARK runs the same program over the
 * arm-smmu-v3 driver on the SMMUv3 model instead (a board with three
 * endpoints, each its own group): its hw_info, nest parents, vIOMMU,
 * vDEVICEs, nested HWPTs over guest STEs and arm_vsmmu_cache_invalidate
 * of guest commands; events come from the endpoints' DMA through the
 * model, decoded by the driver and reported to the vEVENTQ.
 *
 * Beyond "no crash, no sanitizer report, no leak" it checks:
 *  - every return is 0 or a negative errno the kernel can give (or 1 from
 *    VFIO_CHECK_EXTENSION, reached as "any number"), -EFAULT only for
 *    IOAS_MAP / VFIO_IOMMU_MAP_DMA or a NULL pointer, -ENOMEM only after
 *    fail-nth;
 *  - a successful allocation returns a live object's ID;
 *  - the context tears down without a kernel warning, and every page the
 *    iommufd objects took goes back to the page allocator.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "include/uapi/linux/vfio.h"
#include "hw/machine.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommufd/iommufd.h"
#include "kernel/kernel.h"
#include "kernel/page_alloc.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(16ull << 20)
#define UBUF_SIZE	(256ull << 10)		/* the "user memory" for IOAS_MAP */
#define NDEVS		3
#define ARG_SIZE	256			/* the ioctl struct and its tail */
#define DATA_SIZE	1024			/* what user pointers point into */
#define MAX_FDS		16
#define MAX_STEPS	256
#define MAX_ACCESSES	4
#define ITS_DOORBELL	(0x2f020000ull + GITS_TRANSLATER)
#define BOARD_MARK	0xb5	/* first byte: arm-smmu-v3 on the SMMUv3 model */

struct fz {
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m;
	struct machine *board;		/* the SMMUv3 board, or NULL */
	struct platform *p;
	struct ep_device *ep[NDEVS];
	u64 board_pages;		/* what the booted kernel holds itself */
	bool board_msi;			/* MSIs were allocated on the board */
	struct iommufd_ctx *ictx;
	struct device *dev[NDEVS];
	u32 dev_id[NDEVS];
	bool bound[NDEVS];
	bool has_msi[NDEVS];	/* vectors allocated in msi */
	struct irq_domain *its, *msi;
	u32 access_id[MAX_ACCESSES];
	unsigned int naccesses;
	unsigned long access_unmaps;
	bool foreign_map;	/* IOAS_MAP of memory not all in ubuf succeeded */
	u8 *ubuf;
	phys_addr_t ubuf_pa;
	int fds[MAX_FDS];
	unsigned int nfds;
	bool may_enomem;	/* fail-nth was armed */
	bool passed_null;	/* this call has a NULL user pointer */
	union { u64 align; u8 b[ARG_SIZE]; } arg;
	union { u64 align; u8 b[DATA_SIZE]; } data;
};

static const u32 dev_sids[NDEVS] = { 1, 2, 2 };

/* ------------------------------------------------------------ operands */

static u32 pick_id(struct fz *f, struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	if (sel < 0xc0)
		return sel % 12;		/* IDs are handed out from 1 up */
	if (sel < 0xf0)
		return f->dev_id[sel % NDEVS];
	return fuzz_u32(in);
}

static u64 pick_iova(struct fuzz_in *in)
{
	static const u64 odd[] = {
		0, 0x1000, 1ull << 32, 1ull << 48, 1ull << 63, ~0ull,
		~0ull - 0xfff, ~0ull << 12, MOCK_MSI_IOVA_BASE + MOCK_MSI_IOVA_LENGTH,
		0x100000, 0x10f000, 0x110000,	/* around the reserved region */
	};
	u8 sel = fuzz_u8(in);

	if (sel < 0xa0)
		return (u64)(sel % 64) * PAGE_SIZE;
	if (sel < 0xc0)
		return MOCK_MSI_IOVA_BASE - 0x10000 + (u64)(sel % 32) * 0x10000;
	if (sel < 0xe0)
		return FUZZ_PICK(in, odd);
	return fuzz_u64(in);
}

static u64 pick_len(struct fuzz_in *in)
{
	static const u64 odd[] = { 0, 1, 0xfff, UBUF_SIZE, UBUF_SIZE + PAGE_SIZE,
				   ~0ull, ~0ull - 0xfff, 1ull << 32 };
	u8 sel = fuzz_u8(in);

	if (sel < 0xa0)
		return (u64)(sel % 16 + 1) * PAGE_SIZE;
	if (sel < 0xc0)
		return 1ull << (sel % 40);
	if (sel < 0xe0)
		return FUZZ_PICK(in, odd);
	return fuzz_u64(in);
}

/* IOAS_MAP's user_va: translated by the kernel, never dereferenced. */
static u64 pick_user_va(struct fz *f, struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);
	uintptr_t base = (uintptr_t)f->ubuf;

	if (sel < 0xc0)
		return base + (u64)(sel % (UBUF_SIZE / PAGE_SIZE)) * PAGE_SIZE;
	if (sel < 0xd0)
		return base + fuzz_u16(in) % UBUF_SIZE;		/* unaligned */
	if (sel < 0xd8)
		return 0;
	if (sel < 0xe0)
		return (uintptr_t)f->data.b;			/* not RAM */
	if (sel < 0xf0)
		return base - PAGE_SIZE * (sel & 0xf);		/* other kernel RAM */
	return fuzz_u64(in);
}

/*
 * A user pointer to an array of *count elements of elem bytes: NULL
 * sometimes, else inside the data buffer with *count cut to fit (a real
 * kernel would read or write past it, or take -EFAULT).
 */
static void *pick_uptr(struct fz *f, struct fuzz_in *in, size_t elem, u32 *count)
{
	u8 sel = fuzz_u8(in);
	size_t off, room;

	if (sel >= 0xe8) {
		f->passed_null = true;
		return NULL;
	}
	off = (size_t)(sel % 16) * 8;
	room = DATA_SIZE - off;
	if (elem && *count > room / elem)
		*count = (u32)(room / elem);
	if (!elem && *count > room)
		*count = (u32)room;
	return f->data.b + off;
}

/* Raw input bytes into a user buffer, the rest of it zero. */
static void fill_raw(struct fuzz_in *in, void *p, size_t len)
{
	u8 *b = p;

	memset(b, 0, len);
	for (size_t i = 0, n = fuzz_u8(in); i < len && i < n; i++)
		b[i] = fuzz_u8(in);
}

static void fill_ranges(struct fuzz_in *in, struct iommu_iova_range *r, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		r[i].start = pick_iova(in);
		r[i].last = r[i].start + pick_len(in) - 1;
		if (fuzz_u8(in) >= 0xf0)
			r[i].last = fuzz_u64(in);
	}
}

/* A guest STE (V, Cfg, S1ContextPtr, EATS) or raw words. */
static void fill_vste(struct fuzz_in *in, u64 ste[2])
{
	static const u64 ste0[] = {
		0, 0x1,				/* V=0, V=1 Cfg=abort */
		0x9,				/* bypass */
		0xb | 0x40001000ull,		/* stage 1 at an IPA */
		0xb | (1ull << 59),		/* stage 1, S1CDMax */
		0x7,				/* Cfg=0b011, reserved */
		0xd,				/* Cfg=0b110: stage 2 only */
	};
	u8 sel = fuzz_u8(in);

	if (sel < 0xe0) {
		ste[0] = FUZZ_PICK(in, ste0);
		ste[1] = fuzz_u8(in) < 0xe0 ? 0 : fuzz_u64(in);
	} else {
		ste[0] = fuzz_u64(in);
		ste[1] = fuzz_u64(in);
	}
}

/* An SMMUv3 command a guest might queue: opcode picked, the rest raw-ish. */
static void fill_cmd(struct fuzz_in *in, u64 cmd[2])
{
	static const u64 ops[] = {
		0x10, 0x11, 0x12, 0x13, 0x30,	/* TLBI_NH_ALL/ASID/VA/VAA, NSNH_ALL */
		0x40, 0x05, 0x06,		/* ATC_INV, CFGI_CD, CFGI_CD_ALL */
		0x03, 0x46, 0x00, 0xff,		/* CFGI_STE, CMD_SYNC, illegal */
	};
	u8 sel = fuzz_u8(in);

	if (sel < 0xe0) {
		/* vSID in [63:32]: small, so it hits a vDEVICE's virt_id. */
		cmd[0] = FUZZ_PICK(in, ops) | (u64)(fuzz_u8(in) % 8) << 32;
		cmd[1] = fuzz_u8(in) < 0xc0 ? 0 : fuzz_u64(in);
	} else {
		cmd[0] = fuzz_u64(in);
		cmd[1] = fuzz_u64(in);
	}
}

/* ------------------------------------------------------------ ioctls */

struct cmd_desc {
	unsigned int cmd;
	unsigned int size;	/* of the struct as the header has it */
};

static const struct cmd_desc cmds[] = {
	{ IOMMU_DESTROY, sizeof(struct iommu_destroy) },
	{ IOMMU_IOAS_ALLOC, sizeof(struct iommu_ioas_alloc) },
	{ IOMMU_IOAS_ALLOW_IOVAS, sizeof(struct iommu_ioas_allow_iovas) },
	{ IOMMU_IOAS_COPY, sizeof(struct iommu_ioas_copy) },
	{ IOMMU_IOAS_IOVA_RANGES, sizeof(struct iommu_ioas_iova_ranges) },
	{ IOMMU_IOAS_MAP, sizeof(struct iommu_ioas_map) },
	{ IOMMU_IOAS_UNMAP, sizeof(struct iommu_ioas_unmap) },
	{ IOMMU_OPTION, sizeof(struct iommu_option) },
	{ IOMMU_VFIO_IOAS, sizeof(struct iommu_vfio_ioas) },
	{ IOMMU_HWPT_ALLOC, sizeof(struct iommu_hwpt_alloc) },
	{ IOMMU_GET_HW_INFO, sizeof(struct iommu_hw_info) },
	{ IOMMU_HWPT_SET_DIRTY_TRACKING, sizeof(struct iommu_hwpt_set_dirty_tracking) },
	{ IOMMU_HWPT_GET_DIRTY_BITMAP, sizeof(struct iommu_hwpt_get_dirty_bitmap) },
	{ IOMMU_HWPT_INVALIDATE, sizeof(struct iommu_hwpt_invalidate) },
	{ IOMMU_FAULT_QUEUE_ALLOC, sizeof(struct iommu_fault_alloc) },
	{ _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE), 40 },
	{ IOMMU_VIOMMU_ALLOC, sizeof(struct iommu_viommu_alloc) },
	{ IOMMU_VDEVICE_ALLOC, sizeof(struct iommu_vdevice_alloc) },
	{ IOMMU_IOAS_CHANGE_PROCESS, sizeof(struct iommu_ioas_change_process) },
	{ IOMMU_VEVENTQ_ALLOC, sizeof(struct iommu_veventq_alloc) },
	{ IOMMU_HW_QUEUE_ALLOC, sizeof(struct iommu_hw_queue_alloc) },
};

static u32 pick_flags(struct fuzz_in *in, u32 common)
{
	u8 sel = fuzz_u8(in);

	if (sel < 0xc0)
		return common;
	if (sel < 0xf0)
		return sel & 0xf;
	return fuzz_u32(in);
}

/* The fields of each struct, with pointers into the harness's buffers. */
static void fill_struct(struct fz *f, struct fuzz_in *in, unsigned int cmd)
{
	void *a = f->arg.b;

	switch (cmd) {
	case IOMMU_DESTROY: {
		struct iommu_destroy *c = a;

		c->id = pick_id(f, in);
		break;
	}
	case IOMMU_IOAS_ALLOC: {
		struct iommu_ioas_alloc *c = a;

		c->flags = pick_flags(in, 0);
		break;
	}
	case IOMMU_IOAS_ALLOW_IOVAS: {
		struct iommu_ioas_allow_iovas *c = a;
		void *p;

		c->ioas_id = pick_id(f, in);
		c->num_iovas = fuzz_u8(in) < 0xf0 ? fuzz_u8(in) % 5 : fuzz_u32(in);
		p = pick_uptr(f, in, sizeof(struct iommu_iova_range), &c->num_iovas);
		if (p)
			fill_ranges(in, p, c->num_iovas);
		c->allowed_iovas = (uintptr_t)p;
		break;
	}
	case IOMMU_IOAS_COPY: {
		struct iommu_ioas_copy *c = a;

		c->flags = pick_flags(in, IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
				      (fuzz_bool(in) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0));
		c->dst_ioas_id = pick_id(f, in);
		c->src_ioas_id = pick_id(f, in);
		c->length = pick_len(in);
		c->dst_iova = pick_iova(in);
		c->src_iova = pick_iova(in);
		break;
	}
	case IOMMU_IOAS_IOVA_RANGES: {
		struct iommu_ioas_iova_ranges *c = a;

		c->ioas_id = pick_id(f, in);
		c->num_iovas = fuzz_u8(in) < 0xf0 ? fuzz_u8(in) % 8 : fuzz_u32(in);
		c->allowed_iovas = (uintptr_t)pick_uptr(f, in, sizeof(struct iommu_iova_range),
							&c->num_iovas);
		break;
	}
	case IOMMU_IOAS_MAP: {
		struct iommu_ioas_map *c = a;

		c->flags = pick_flags(in, IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
				      (fuzz_bool(in) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0));
		c->ioas_id = pick_id(f, in);
		c->user_va = pick_user_va(f, in);
		c->length = pick_len(in);
		c->iova = pick_iova(in);
		break;
	}
	case IOMMU_IOAS_UNMAP: {
		struct iommu_ioas_unmap *c = a;

		c->ioas_id = pick_id(f, in);
		if (fuzz_u8(in) < 0x20) {
			c->iova = 0;
			c->length = ~0ull;	/* everything */
		} else {
			c->iova = pick_iova(in);
			c->length = pick_len(in);
		}
		break;
	}
	case IOMMU_OPTION: {
		struct iommu_option *c = a;

		c->option_id = fuzz_u8(in) < 0xf0 ? fuzz_u8(in) % 5 : fuzz_u32(in);
		c->op = fuzz_u8(in) < 0xf0 ? fuzz_u8(in) % 3 : fuzz_u16(in);
		c->object_id = pick_id(f, in);
		c->val64 = fuzz_small_or_raw(in, 4, 8);
		if (c->option_id == IOMMU_OPTION_SW_MSI_START && fuzz_bool(in))
			c->val64 = (u64)fuzz_u8(in) << 20;
		break;
	}
	case IOMMU_HWPT_ALLOC: {
		struct iommu_hwpt_alloc *c = a;
		void *p;

		c->flags = pick_flags(in, fuzz_u8(in) % 8 == 0 ? IOMMU_HWPT_ALLOC_NEST_PARENT :
				      fuzz_u8(in) % 8 == 0 ? IOMMU_HWPT_FAULT_ID_VALID : 0);
		c->dev_id = pick_id(f, in);
		c->pt_id = pick_id(f, in);
		c->fault_id = pick_id(f, in);
		switch (fuzz_u8(in) % 8) {
		case 0: case 1: case 2:
			break;		/* IOMMU_HWPT_DATA_NONE */
		case 3: case 4: case 5:
			c->data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
			c->data_len = sizeof(struct iommu_hwpt_arm_smmuv3);
			break;
		case 6:
			c->data_type = IOMMU_HWPT_DATA_MOCK;
			c->data_len = sizeof(struct iommu_hwpt_mock_nested);
			break;
		default:
			c->data_type = fuzz_small_or_raw(in, 4, 4);
			c->data_len = fuzz_small_or_raw(in, 40, 4);
			break;
		}
		p = pick_uptr(f, in, 1, &c->data_len);
		c->data_uptr = (uintptr_t)p;
		if (!p)
			break;
		if (c->data_type == IOMMU_HWPT_DATA_ARM_SMMUV3 && c->data_len >= 16) {
			memset(p, 0, c->data_len);
			fill_vste(in, p);
		} else if (c->data_type == IOMMU_HWPT_DATA_MOCK && c->data_len >= 16) {
			struct iommu_hwpt_mock_nested *s1 = p;

			memset(p, 0, c->data_len);
			s1->config = fuzz_u8(in) % 4;
			s1->s1_ttb = RAM_BASE + (u64)fuzz_u8(in) * PAGE_SIZE;
		} else {
			fill_raw(in, p, c->data_len);
		}
		break;
	}
	case IOMMU_GET_HW_INFO: {
		struct iommu_hw_info *c = a;

		c->flags = pick_flags(in, fuzz_bool(in) ? IOMMU_HW_INFO_FLAG_INPUT_TYPE : 0);
		c->dev_id = pick_id(f, in);
		c->data_len = fuzz_small_or_raw(in, 64, 4);
		c->data_uptr = (uintptr_t)pick_uptr(f, in, 1, &c->data_len);
		c->in_data_type = fuzz_small_or_raw(in, 4, 4);
		break;
	}
	case IOMMU_HWPT_INVALIDATE: {
		struct iommu_hwpt_invalidate *c = a;
		u8 *p;

		c->hwpt_id = pick_id(f, in);
		c->data_type = fuzz_small_or_raw(in, 3, 4);
		c->entry_len = fuzz_u8(in) < 0xc0 ? 16 : fuzz_small_or_raw(in, 40, 4);
		c->entry_num = fuzz_small_or_raw(in, 6, 4);
		/* entry_num * entry_len bytes are read: entry_num is cut to fit. */
		p = pick_uptr(f, in, c->entry_len ? c->entry_len : 1, &c->entry_num);
		c->data_uptr = (uintptr_t)p;
		for (u32 i = 0; p && c->entry_len >= 16 && i < c->entry_num; i++) {
			u64 cmd[2];

			fill_cmd(in, cmd);
			memcpy(p + (size_t)i * c->entry_len, cmd, sizeof(cmd));
		}
		break;
	}
	case IOMMU_FAULT_QUEUE_ALLOC: {
		struct iommu_fault_alloc *c = a;

		c->flags = pick_flags(in, 0);
		break;
	}
	case IOMMU_VIOMMU_ALLOC: {
		struct iommu_viommu_alloc *c = a;

		c->flags = pick_flags(in, 0);
		c->type = fuzz_small_or_raw(in, 3, 4);
		c->dev_id = pick_id(f, in);
		c->hwpt_id = pick_id(f, in);
		c->data_len = fuzz_small_or_raw(in, 32, 4);
		c->data_uptr = (uintptr_t)pick_uptr(f, in, 1, &c->data_len);
		break;
	}
	case IOMMU_VDEVICE_ALLOC: {
		struct iommu_vdevice_alloc *c = a;

		c->viommu_id = pick_id(f, in);
		c->dev_id = pick_id(f, in);
		c->virt_id = fuzz_small_or_raw(in, 8, 8);
		break;
	}
	case IOMMU_VEVENTQ_ALLOC: {
		struct iommu_veventq_alloc *c = a;

		c->flags = pick_flags(in, 0);
		c->viommu_id = pick_id(f, in);
		c->type = fuzz_small_or_raw(in, 3, 4);
		c->veventq_depth = fuzz_small_or_raw(in, 4, 4);
		break;
	}
	case IOMMU_HWPT_SET_DIRTY_TRACKING: {
		struct iommu_hwpt_set_dirty_tracking *c = a;

		c->flags = pick_flags(in, IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
		c->hwpt_id = pick_id(f, in);
		break;
	}
	case IOMMU_HWPT_GET_DIRTY_BITMAP: {
		struct iommu_hwpt_get_dirty_bitmap *c = a;
		u32 words = DATA_SIZE / 8;
		void *p;

		c->hwpt_id = pick_id(f, in);
		c->flags = pick_flags(in, fuzz_bool(in) ?
				      IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0);
		c->iova = pick_iova(in);
		c->length = pick_len(in);
		c->page_size = fuzz_u8(in) < 0xf0 ? PAGE_SIZE << (fuzz_u8(in) % 4) :
			       fuzz_u64(in);
		/* The bitmap inside the data buffer: the range cut to fit it. */
		p = pick_uptr(f, in, 8, &words);
		if (p && c->page_size && c->length / c->page_size / 64 >= words)
			c->length = (u64)words * 64 * c->page_size;
		c->data = (uintptr_t)p;
		break;
	}
	default:
		/* The rest (not implemented, or a made-up number): raw bytes. */
		fill_raw(in, f->arg.b + 4, 60);
		break;
	}
}

/* Where a command's struct has a user pointer the kernel dereferences. */
static int uptr_offset(unsigned int cmd)
{
	switch (cmd) {
	case IOMMU_IOAS_ALLOW_IOVAS:
		return offsetof(struct iommu_ioas_allow_iovas, allowed_iovas);
	case IOMMU_IOAS_IOVA_RANGES:
		return offsetof(struct iommu_ioas_iova_ranges, allowed_iovas);
	case IOMMU_HWPT_ALLOC:
		return offsetof(struct iommu_hwpt_alloc, data_uptr);
	case IOMMU_GET_HW_INFO:
		return offsetof(struct iommu_hw_info, data_uptr);
	case IOMMU_HWPT_INVALIDATE:
		return offsetof(struct iommu_hwpt_invalidate, data_uptr);
	case IOMMU_VIOMMU_ALLOC:
		return offsetof(struct iommu_viommu_alloc, data_uptr);
	default:
		return -1;
	}
}

/*
 * A short size that cuts a pointer field in two leaves the kernel a wild
 * pointer (the zero-filled high bytes): cut before the field instead, so
 * the kernel sees NULL.
 */
static unsigned int short_size(struct fz *f, unsigned int cmd, unsigned int size)
{
	int off = uptr_offset(cmd);
	u64 ptr;

	if (off < 0 || size >= (unsigned int)off + 8)
		return size;
	memcpy(&ptr, f->arg.b + off, sizeof(ptr));
	if (ptr)
		f->passed_null = true;
	return size > (unsigned int)off ? (unsigned int)off : size;
}

/* What the kernel may answer; -EFAULT and -ENOMEM are checked apart. */
static bool plausible_errno(long ret)
{
	switch (-ret) {
	case EINVAL: case ENOENT: case EBUSY: case EOPNOTSUPP: case ENOTTY:
	case E2BIG: case EOVERFLOW: case EEXIST: case EADDRINUSE: case EMSGSIZE:
	case EIO: case ENOSPC: case ENODEV: case ERANGE:
	case EPERM:	/* writable use of memory pinned read-only, as Linux */
	case EBADF:	/* IOAS_MAP_FILE's fd */
		return true;
	default:
		return false;
	}
}

static void check_ret(struct fz *f, long ret, bool efault_ok)
{
	if (ret == 0 || plausible_errno(ret))
		return;
	/*
	 * EFAULT: a bad pointer, or pages of a foreign map that a domain
	 * needs pinned now (Linux pins at attach and HWPT_ALLOC too).
	 */
	if (ret == -EFAULT && (efault_ok || f->passed_null || f->foreign_map))
		return;
	if (ret == -ENOMEM && f->may_enomem)
		return;
	fprintf(stderr, "unexpected return %ld\n", ret);
	FUZZ_CHECK(!"plausible return");
}

/*
 * An out ID the kernel wrote back names a live object of that type, as far
 * as the uAPI lets us look without changing anything.
 */
static void check_out_id(struct fz *f, unsigned int off, unsigned int cmd)
{
	u32 user_size, id;

	memcpy(&user_size, f->arg.b, sizeof(user_size));
	if (user_size < off + 4)
		return;
	memcpy(&id, f->arg.b + off, sizeof(id));
	FUZZ_CHECK(id != 0);
	if (cmd == IOMMU_HWPT_ALLOC)
		FUZZ_CHECK(iommufd_hwpt_domain(f->ictx, id) != NULL);
	if (cmd == IOMMU_IOAS_ALLOC) {
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = id };
		long ret = iommufd_ioctl(f->ictx, IOMMU_IOAS_IOVA_RANGES,
					 (unsigned long)&r);

		FUZZ_CHECK(ret == 0 || ret == -EMSGSIZE);
	}
}

/*
 * IOAS_IOVA_RANGES of ioas_id: ranges in order, disjoint, each start <=
 * last; when len, [iova, iova + len) (just mapped) lies inside one of them.
 */
static void check_ranges(struct fz *f, u32 ioas_id, u64 iova, u64 len)
{
	struct iommu_iova_range r[32];
	struct iommu_ioas_iova_ranges c = {
		.size = sizeof(c), .ioas_id = ioas_id, .num_iovas = ARRAY_SIZE(r),
		.allowed_iovas = (uintptr_t)r,
	};
	long ret = iommufd_ioctl(f->ictx, IOMMU_IOAS_IOVA_RANGES, (unsigned long)&c);
	bool inside = false;

	FUZZ_CHECK(ret == 0 || ret == -EMSGSIZE);
	if (ret)
		return;
	/* 1 with no domain, a domain's smallest page (at most PAGE_SIZE). */
	FUZZ_CHECK(c.out_iova_alignment && c.out_iova_alignment <= PAGE_SIZE &&
		   !(c.out_iova_alignment & (c.out_iova_alignment - 1)));
	for (u32 i = 0; i < c.num_iovas; i++) {
		FUZZ_CHECK(r[i].start <= r[i].last);
		if (i)
			FUZZ_CHECK(r[i].start > r[i - 1].last);
		if (len && r[i].start <= iova && iova + len - 1 <= r[i].last)
			inside = true;
	}
	FUZZ_CHECK(!len || inside);
}

static void record_fd(struct fz *f, unsigned int off)
{
	u32 user_size;
	int fd;

	memcpy(&user_size, f->arg.b, sizeof(user_size));
	if (user_size < off + 4 || f->nfds == MAX_FDS)
		return;
	memcpy(&fd, f->arg.b + off, sizeof(fd));
	FUZZ_CHECK(fd >= 0);
	f->fds[f->nfds++] = fd;
}

static void op_ioctl(struct fz *f, struct fuzz_in *in)
{
	const struct cmd_desc *d = NULL;
	unsigned int cmd, size;
	u8 sel = fuzz_u8(in);
	bool null_arg = false;
	long ret;

	memset(&f->arg, 0, sizeof(f->arg));
	memset(&f->data, 0, sizeof(f->data));
	f->passed_null = false;
	if (sel < 0xf0) {
		d = &cmds[sel % ARRAY_SIZE(cmds)];
		cmd = d->cmd;
	} else if (sel < 0xf8) {
		cmd = _IO(IOMMUFD_TYPE, fuzz_u8(in));		/* any number */
	} else {
		cmd = fuzz_u32(in);				/* any type, dir, size */
	}
	fill_struct(f, in, cmd);

	/* The size field: right, short, or long with a zero or non-zero tail. */
	size = d ? d->size : 64;
	sel = fuzz_u8(in);
	if (sel >= 0xc0 && sel < 0xe0) {
		size = short_size(f, cmd, fuzz_u8(in) % (size + 1));
	} else if (sel >= 0xe0) {
		size += fuzz_u8(in) % (ARG_SIZE - size + 1);
		if (sel & 1)
			fill_raw(in, f->arg.b + (d ? d->size : 64),
				 ARG_SIZE - (d ? d->size : 64));
	}
	memcpy(f->arg.b, &size, sizeof(size));
	if (fuzz_u8(in) == 0xff)
		null_arg = true;

	ret = iommufd_ioctl(f->ictx, cmd, null_arg ? 0 : (unsigned long)f->arg.b);
	if (!ret && cmd == IOMMU_IOAS_MAP) {
		const struct iommu_ioas_map *c = (const void *)f->arg.b;

		/* Any byte outside ubuf: pinning it later may fail (EFAULT). */
		if (c->user_va < (uintptr_t)f->ubuf ||
		    c->user_va - (uintptr_t)f->ubuf >= UBUF_SIZE ||
		    c->length > UBUF_SIZE - (c->user_va - (uintptr_t)f->ubuf))
			f->foreign_map = true;
	}
#ifdef FUZZ_TRACE	/* for writing seeds: what each ioctl of an input did */
	fprintf(stderr, "ioctl %#x size %u -> %ld\n", cmd, size, ret);
#endif
	/* VFIO type1 on the iommufd: VFIO_CHECK_EXTENSION answers 1 for yes. */
	if (cmd == VFIO_CHECK_EXTENSION && ret == 1)
		ret = 0;
	/* VFIO_IOMMU_MAP_DMA: like IOAS_MAP, any vaddr. */
	if (!ret && cmd == VFIO_IOMMU_MAP_DMA)
		f->foreign_map = true;
	check_ret(f, ret, null_arg || cmd == IOMMU_IOAS_MAP ||
		  cmd == VFIO_IOMMU_MAP_DMA);
	if (ret || null_arg)
		return;
	switch (cmd) {
	case IOMMU_IOAS_MAP: {
		const struct iommu_ioas_map *c = (const void *)f->arg.b;

		/* Sizes below the struct's are below its minimum: never here. */
		FUZZ_CHECK(c->length);	/* any byte alignment without a domain */
		check_ranges(f, c->ioas_id, c->iova, c->length);
		break;
	}
	case IOMMU_IOAS_COPY: {
		const struct iommu_ioas_copy *c = (const void *)f->arg.b;

		check_ranges(f, c->dst_ioas_id, c->dst_iova, c->length);
		break;
	}
	case IOMMU_IOAS_ALLOW_IOVAS:
		check_ranges(f, ((const struct iommu_ioas_allow_iovas *)(void *)f->arg.b)->ioas_id,
			     0, 0);
		break;
	case IOMMU_IOAS_ALLOC:
		check_out_id(f, offsetof(struct iommu_ioas_alloc, out_ioas_id), cmd);
		break;
	case IOMMU_HWPT_ALLOC:
		check_out_id(f, offsetof(struct iommu_hwpt_alloc, out_hwpt_id), cmd);
		break;
	case IOMMU_VIOMMU_ALLOC:
		check_out_id(f, offsetof(struct iommu_viommu_alloc, out_viommu_id), cmd);
		break;
	case IOMMU_VDEVICE_ALLOC:
		check_out_id(f, offsetof(struct iommu_vdevice_alloc, out_vdevice_id), cmd);
		break;
	case IOMMU_FAULT_QUEUE_ALLOC:
		record_fd(f, offsetof(struct iommu_fault_alloc, out_fault_fd));
		break;
	case IOMMU_VEVENTQ_ALLOC:
		record_fd(f, offsetof(struct iommu_veventq_alloc, out_veventq_fd));
		break;
	}
}

/* ------------------------------------------------------------ devices, fds */

static void op_attach(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % NDEVS;
	u32 dev_id = fuzz_u8(in) < 0xf0 ? f->dev_id[i] : pick_id(f, in);
	u32 pt_id = pick_id(f, in);
	int ret = iommufd_device_attach_pt(f->ictx, dev_id, &pt_id);

#ifdef FUZZ_TRACE
	fprintf(stderr, "attach %u -> %d (pt %u)\n", dev_id, ret, pt_id);
#endif

	check_ret(f, ret, false);
	if (!ret) {
		/* pt_id is now the HWPT (an IOAS's automatic one). */
		FUZZ_CHECK(iommufd_device_domain(f->ictx, dev_id) ==
			   iommufd_hwpt_domain(f->ictx, pt_id));
		FUZZ_CHECK(iommufd_device_domain(f->ictx, dev_id) != NULL);
	}
}

static void op_detach(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % NDEVS;
	u32 dev_id = fuzz_u8(in) < 0xf0 ? f->dev_id[i] : pick_id(f, in);
	int ret = iommufd_device_detach_pt(f->ictx, dev_id);

#ifdef FUZZ_TRACE
	fprintf(stderr, "detach %u -> %d\n", dev_id, ret);
#endif

	check_ret(f, ret, false);
	if (!ret)
		FUZZ_CHECK(iommufd_device_domain(f->ictx, dev_id) == NULL);
}

static void op_bind(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % NDEVS;
	int ret;

	if (f->bound[i]) {
		iommufd_device_unbind(f->ictx, f->dev_id[i]);
		f->bound[i] = false;
		return;
	}
	ret = iommufd_device_bind(f->ictx, f->dev[i], &f->dev_id[i]);
	check_ret(f, ret, false);
	f->bound[i] = !ret;
}

static int pick_fd(struct fz *f, struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	if (f->nfds && sel < 0xe0)
		return f->fds[sel % f->nfds];
	return (int)fuzz_small_or_raw(in, 64, 4);
}

static void op_fd(struct fz *f, struct fuzz_in *in)
{
	u8 op = fuzz_u8(in) % 3;
	int fd = pick_fd(f, in);
	size_t count = fuzz_u8(in) < 0xc0 ? (size_t)fuzz_u8(in) * 8 % (DATA_SIZE + 1) :
					    fuzz_u16(in) % (DATA_SIZE + 1);
	ssize_t ret;

	switch (op) {
	case 0:
		ret = iommufd_fd_read(f->ictx, fd, f->data.b, count);
		if (ret >= 0)
			FUZZ_CHECK((size_t)ret <= count);
		else
			FUZZ_CHECK(ret == -EBADF || ret == -ESPIPE || ret == -EINVAL ||
				   ret == -EAGAIN);
		break;
	case 1:
		fill_raw(in, f->data.b, count);
		ret = iommufd_fd_write(f->ictx, fd, f->data.b, count);
		if (ret >= 0)
			FUZZ_CHECK((size_t)ret <= count);
		else
			FUZZ_CHECK(ret == -EBADF || ret == -ESPIPE || ret == -EINVAL ||
				   (ret == -ENOMEM && f->may_enomem));
		break;
	default:
		ret = iommufd_fd_close(f->ictx, fd);
#ifdef FUZZ_TRACE
		fprintf(stderr, "close %d -> %zd\n", fd, ret);
#endif
		FUZZ_CHECK(ret == 0 || ret == -EBADF);
		if (!ret) {
			for (unsigned int i = 0; i < f->nfds; i++) {
				if (f->fds[i] == fd) {
					f->fds[i] = f->fds[--f->nfds];
					break;
				}
			}
		}
		break;
	}
}

/* The device's driver asks for MSIs (doorbells into its stage 2), or frees them. */
static void op_msi(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % NDEVS, nvec = fuzz_u8(in) % 5;
	int ret;

	if (f->has_msi[i]) {
		msi_domain_free_irqs(f->msi, f->dev[i]);
		f->has_msi[i] = false;
		return;
	}
	ret = msi_domain_alloc_irqs(f->msi, f->dev[i], nvec);
	f->board_msi |= f->board != NULL;
#ifdef FUZZ_TRACE
	fprintf(stderr, "msi %u x%u -> %d\n", i, nvec, ret);
#endif
	check_ret(f, ret, false);
	f->has_msi[i] = !ret;
}

static void access_unmap(void *data, unsigned long iova, unsigned long length)
{
	struct fz *f = data;

	(void)iova;
	FUZZ_CHECK(length != 0);
	f->access_unmaps++;
}

static const struct iommufd_access_ops access_ops = { .unmap = access_unmap };

/* An emulated device's access: create over an IOAS, read/write through it, destroy. */
static void op_access(struct fz *f, struct fuzz_in *in)
{
	u8 op = fuzz_u8(in) % 4;
	unsigned int j;
	u32 id;
	int ret;

	if (op == 0 || !f->naccesses) {
		u32 ioas = pick_id(f, in);

		if (f->naccesses == MAX_ACCESSES)
			return;
		ret = iommufd_access_create(f->ictx, ioas, &access_ops, f, &id);
		check_ret(f, ret, false);
		if (!ret)
			f->access_id[f->naccesses++] = id;
		return;
	}
	j = fuzz_u8(in) % f->naccesses;
	if (op == 1) {
		iommufd_access_destroy(f->ictx, f->access_id[j]);
		f->access_id[j] = f->access_id[--f->naccesses];
		return;
	}
	{
		u64 iova = pick_iova(in);
		size_t len = fuzz_u16(in) % (DATA_SIZE + 1);
		/*
		 * A write lands in the pages the IOAS maps: only ubuf's, unless
		 * some mapping took other RAM of the kernel (its page tables).
		 */
		bool write = op == 3 && !f->foreign_map;

		ret = iommufd_access_rw(f->ictx, f->access_id[j], iova, f->data.b, len,
					write ? IOMMUFD_ACCESS_RW_WRITE : IOMMUFD_ACCESS_RW_READ);
#ifdef FUZZ_TRACE
		fprintf(stderr, "access_rw %#llx %zu -> %d\n", (unsigned long long)iova, len, ret);
#endif
		FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EOVERFLOW ||
			   ret == -ENOENT || ret == -EPERM ||
			   (ret == -EFAULT && f->foreign_map));	/* pages it cannot pin */
	}
}

/*
 * The in-process nested invalidation a VMM's kernel backend makes
 * (arm_smmu_nested_cache_invalidate: no iommufd ioctl reaches it), on
 * whatever domain an ID names - a nested HWPT's, another's, or none.
 */
static void op_nested_invalidate(struct fz *f, struct fuzz_in *in)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmds[4];
	struct iommu_domain *d = iommufd_hwpt_domain(f->ictx, pick_id(f, in));
	u32 n = fuzz_u8(in) % 5, num = n;
	int ret;

	for (u32 i = 0; i < n; i++)
		fill_cmd(in, (u64 *)cmds[i].cmd);
	ret = arm_smmu_nested_cache_invalidate(d, n ? cmds : NULL, &num);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EIO ||
		   ret == -EOPNOTSUPP || (ret == -ENOMEM && f->may_enomem));
	FUZZ_CHECK(num <= n && (ret || num == n));
}

/* The mock's "hardware" reports an event record for a device. */
static void op_event(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % NDEVS;
	u64 evt[4] = { 0 };
	int ret;

	if (f->board && fuzz_bool(in)) {
		op_nested_invalidate(f, in);
		return;
	}
	if (f->board) {
		/*
		 * The endpoint DMAs through the SMMU: a fault is an event the
		 * driver decodes (and forwards to a vEVENTQ).  Not while a map
		 * of the kernel's own RAM could let it scribble on the queues.
		 */
		dma_addr_t dst = pick_iova(in), src = pick_iova(in);

		if (!f->foreign_map)
			(void)ep_start_dma(f->ep[i], dst, src, 64);
		return;
	}
	evt[0] = (fuzz_u8(in) & 0x3f) | (u64)dev_sids[i] << 32;
	if (fuzz_u8(in) >= 0xe0)
		evt[0] = fuzz_u64(in);
	evt[1] = fuzz_u64(in);
	evt[2] = fuzz_u64(in);
	ret = mock_iommu_raise_event(f->dev[i], evt);
	FUZZ_CHECK(ret == 0 || ret == -EOPNOTSUPP || ret == -ENOENT ||
		   (ret == -ENOMEM && f->may_enomem));
}

/*
 * What iommufd says a device is attached to is what the IOMMU core and the
 * driver have: the hardware's view of the device.
 */
static void check_attached(struct fz *f)
{
	for (unsigned int i = 0; i < NDEVS; i++) {
		struct iommu_domain *d;

		if (!f->bound[i])
			continue;
		d = iommufd_device_domain(f->ictx, f->dev_id[i]);
		if (d && f->board)
			FUZZ_CHECK(iommu_get_domain_for_dev(f->dev[i]) == d);
		else if (d)
			FUZZ_CHECK(mock_iommu_attached_domain(f->dev[i]) == d);
	}
}

/* ------------------------------------------------------------ setup */

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	*id = fw && fw->num_ids ? fw->ids[0] : 0xffff;
	return 0;
}

static const struct msi_domain_ops msi_ops = { .get_dev_id = get_dev_id };

/* The board: arm-smmu-v3 and gic-its booted on the SMMUv3 and ITS models. */
static int setup_board(struct fz *f)
{
	static const u32 rids[NDEVS] = { 0x10, 0x18, 0x21 };
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_config mc;

	machine_config_default(&mc);
	mc.ram_size = 64ull << 20;
	mc.nr_endpoints = NDEVS;
	for (unsigned int i = 0; i < NDEVS; i++)
		mc.ep[i] = (struct machine_ep_config){ .rid = rids[i], .nr_vectors = 4,
						       .behind_smmu = true };
	f->board = machine_create(&mc);
	if (!f->board)
		return -1;
	f->p = platform_boot(f->board, &pc);
	if (IS_ERR(f->p)) {
		f->p = NULL;
		return -1;
	}
	f->k = platform_kernel(f->p);
	for (unsigned int i = 0; i < NDEVS; i++) {
		f->ep[i] = platform_add_ep(f->p, i, NULL);
		if (IS_ERR(f->ep[i])) {
			f->ep[i] = NULL;
			return -1;
		}
		f->dev[i] = &f->ep[i]->dev;
	}
	f->msi = platform_msi_domain(f->p);
	f->board_pages = page_alloc_used_bytes(f->k->pages);
	return 0;
}

static int setup_rest(struct fz *f)
{
	f->ictx = iommufd_ctx_create(f->k);
	if (!f->ictx)
		return -1;
	for (unsigned int i = 0; i < NDEVS; i++) {
		if (iommufd_device_bind(f->ictx, f->dev[i], &f->dev_id[i]))
			return -1;
		f->bound[i] = true;
	}
	f->ubuf_pa = kernel_alloc_pages(f->k, UBUF_SIZE);
	if (!f->ubuf_pa)
		return -1;
	f->ubuf = phys_to_virt(f->k, f->ubuf_pa, UBUF_SIZE);
	return f->ubuf ? 0 : -1;
}

static int setup(struct fz *f, bool board)
{
	if (board)
		return setup_board(f) ?: setup_rest(f);
	f->mem = phys_mem_create();
	if (!f->mem || phys_mem_add_ram(f->mem, RAM_BASE, RAM_SIZE, "ram"))
		return -1;
	f->k = kernel_create("fuzz", f->mem, RAM_BASE, RAM_SIZE);
	if (!f->k)
		return -1;
	f->m = mock_iommu_create(f->k, "smmu0");
	if (!f->m)
		return -1;
	/* Device 0 brings a reserved region besides the SW_MSI window. */
	if (mock_iommu_add_resv_region(f->m, dev_sids[0], 0x100000, 0x10000, 0,
				       IOMMU_RESV_RESERVED))
		return -1;
	for (unsigned int i = 0; i < NDEVS; i++) {
		static const char *const names[NDEVS] = { "dev0", "dev1", "dev2" };

		f->dev[i] = mock_iommu_add_device(f->m, names[i], &dev_sids[i], 1);
		if (!f->dev[i])
			return -1;
	}
	f->its = sw_its_create(f->k, "its", ITS_DOORBELL, 64);
	if (!f->its)
		return -1;
	f->msi = msi_create_irq_domain(f->k, "msi", &msi_ops, NULL, f->its);
	if (!f->msi)
		return -1;
	return setup_rest(f);
}

static void teardown(struct fz *f, bool check)
{
	if (f->k)
		kernel_fail_nth(f->k, 0);
	for (unsigned int i = 0; i < NDEVS; i++)
		if (f->has_msi[i])
			msi_domain_free_irqs(f->msi, f->dev[i]);
	if (f->ictx) {
		while (f->naccesses)
			iommufd_access_destroy(f->ictx, f->access_id[--f->naccesses]);
		for (unsigned int i = 0; i < NDEVS; i++)
			if (f->bound[i])
				iommufd_device_unbind(f->ictx, f->dev_id[i]);
		iommufd_ctx_destroy(f->ictx);
	}
	if (f->msi && !f->board)
		FUZZ_CHECK(irq_domain_remove(f->msi) == 0);
	if (f->its)
		sw_its_destroy(f->its);
	if (f->ubuf_pa)
		FUZZ_CHECK(kernel_free_pages(f->k, f->ubuf_pa, UBUF_SIZE) == 0);
	if (f->board) {
		/* Every page the iommufd objects took is back; then the board goes. */
		/*
		 * (gic-its keeps a device's ITT once its MSIs are freed, and a
		 * failed msi_domain_alloc_irqs - iommu_dma_prepare_msi refusing
		 * a blocked domain - leaves it allocated too: 64 KiB, a leak
		 * the MSI rework owns.  A run that asked for MSIs is not held
		 * to the page count.)
		 */
		if (check && f->p) {
			FUZZ_CHECK(f->board_msi ||
				   page_alloc_used_bytes(f->k->pages) == f->board_pages);
			FUZZ_CHECK(atomic_load(&f->k->warnings) == 0);
		}
		for (unsigned int i = 0; i < NDEVS; i++)
			if (f->ep[i])
				platform_remove_ep(f->ep[i]);
		if (f->p)
			platform_shutdown(f->p);
		machine_destroy(f->board);
		return;
	}
	for (unsigned int i = 0; i < NDEVS; i++)
		if (f->dev[i])
			device_destroy(f->dev[i]);
	if (f->m)
		mock_iommu_destroy(f->m);
	if (check) {
		/* Every page table went back; no kernel WARN on the way. */
		FUZZ_CHECK(page_alloc_used_bytes(f->k->pages) == 0);
		FUZZ_CHECK(atomic_load(&f->k->warnings) == 0);
	}
	kernel_destroy(f->k);
	phys_mem_destroy(f->mem);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct fz *f = calloc(1, sizeof(*f));
	bool board = size && data[0] == BOARD_MARK;

	if (!f)
		return 0;
	if (board)
		fuzz_u8(&in);
	if (setup(f, board)) {
		teardown(f, false);
		free(f);
		return 0;
	}
	for (unsigned int steps = 0; fuzz_more(&in) && steps < MAX_STEPS; steps++) {
		u8 op = fuzz_u8(&in);

		check_attached(f);

		if (op < 0xa0)
			op_ioctl(f, &in);
		else if (op < 0xc0)
			op_attach(f, &in);
		else if (op < 0xcc)
			op_detach(f, &in);
		else if (op < 0xd4)
			op_bind(f, &in);
		else if (op < 0xe8)
			op_fd(f, &in);
		else if (op < 0xf0)
			op_event(f, &in);
		else if (op < 0xf4)
			op_msi(f, &in);
		else if (op < 0xf8)
			op_access(f, &in);
		else {
			kernel_fail_nth(f->k, fuzz_u8(&in) % 16);
			f->may_enomem = true;
		}
	}
	teardown(f, true);
	free(f);
	return 0;
}
