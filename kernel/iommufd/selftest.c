// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD (drivers/iommu/iommufd/selftest.c of Linux, 6.12 and
 * mainline read): the ioctl Linux's tools/testing/selftests/iommu/ drives
 * iommufd with, over the mock driver of kernel/drivers/iommufd-selftest.c.
 * Present when the kernel has that driver (as CONFIG_IOMMUFD_TEST), else
 * the command answers -ENOTTY like a kernel built without it.
 *
 * Objects: MOCK_DOMAIN makes a mock device, binds it and attaches it; the
 * returned stdev ID is an IOMMUFD_OBJ_SELFTEST whose destruction detaches,
 * unbinds and removes the device.  CREATE_ACCESS makes an iommufd access
 * (an emulated device's window onto an IOAS) named by a file descriptor:
 * an eventfd here, which closing (iommufd_fd_close) releases as the
 * kernel's anon file release does.  Pages an access pinned are its items,
 * unpinned when iommufd says their IOVA is going away.
 *
 * Runs under ictx->lock like every command, so it uses the _locked forms
 * of the device and access calls.  The PASID ops (mainline) are in
 * selftest-pasid.c.
 * SET_TEMP_MEMORY_LIMIT is checked and kept but limits nothing: our
 * io_pagetable pins without Linux's batch buffers.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "include/uapi/linux/iommufd_test.h"
#include "kernel/device.h"
#include "kernel/drivers/iommufd-selftest.h"
#include "kernel/iommufd/iommufd-priv.h"

#define SZ_16M		(16UL << 20)

struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct device *dev;
	u32 idev_id;
};

struct selftest_access {
	struct list_head node;		/* in ictx->test_accesses */
	struct iommufd_ctx *ictx;
	int fd;
	u32 access_id;
	bool needs_pin;
	struct list_head items;
	unsigned int next_id;
};

struct selftest_access_item {
	struct list_head node;
	unsigned long iova;
	size_t length;
	unsigned int id;
};

/* copy_from_user/copy_to_user's -EFAULT, where the shim can tell. */
static int uaccess_ok(struct iommufd_ctx *ictx, const void *uptr, size_t len,
		      bool write)
{
	return ictx->uaccess ? ictx->uaccess((void *)uptr, len, write) : 0;
}

static struct iommufd_hw_pagetable *get_hwpt(struct iommufd_ctx *ictx, u32 id,
					     enum iommufd_object_type type)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, type);

	return IS_ERR(obj) ? (void *)obj :
	       container_of(obj, struct iommufd_hw_pagetable, obj);
}

/* get_md_pagetable(): a paging HWPT of the mock, -EINVAL for another kind. */
static struct iommu_domain *get_md_domain(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_hw_pagetable *hwpt =
		get_hwpt(ictx, id, IOMMUFD_OBJ_HWPT_PAGING);

	if (IS_ERR(hwpt))
		return (void *)hwpt;
	if (!selftest_is_paging_domain(hwpt->domain))
		return ERR_PTR(-EINVAL);
	return hwpt->domain;
}

/* ------------------------------------------------------------ mock devices */

void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	iommufd_device_unbind_locked(sobj->ictx, sobj->idev_id);
	selftest_dev_destroy(sobj->dev);
	kfree(sobj);
}

static int test_mock_domain(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd,
			    struct selftest_iommu *st)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct selftest_obj *sobj;
	u32 pt_id = cmd->id, dev_flags = 0;
	int rc;

	sobj = kzalloc(ictx->k, sizeof(*sobj));
	if (!sobj)
		return -ENOMEM;
	sobj->ictx = ictx;
	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	sobj->dev = selftest_dev_create(st, dev_flags);
	if (IS_ERR(sobj->dev)) {
		rc = PTR_ERR(sobj->dev);
		goto err_sobj;
	}
	rc = iommufd_device_bind_locked(ictx, sobj->dev, &sobj->idev_id);
	if (rc)
		goto err_dev;
	rc = iommufd_device_attach_pt_locked(ictx, sobj->idev_id, &pt_id);
	if (rc)
		goto err_unbind;
	rc = iommufd_object_add(ictx, &sobj->obj, IOMMUFD_OBJ_SELFTEST);
	if (rc)
		goto err_unbind;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_idev_id = sobj->idev_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));

err_unbind:
	iommufd_device_unbind_locked(ictx, sobj->idev_id);
err_dev:
	selftest_dev_destroy(sobj->dev);
err_sobj:
	kfree(sobj);
	return rc;
}

static int test_mock_domain_replace(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	struct selftest_obj *sobj;
	u32 pt_id = cmd->mock_domain_replace.pt_id;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct selftest_obj, obj);
	rc = iommufd_device_attach_pt_locked(ucmd->ictx, sobj->idev_id, &pt_id);
	if (rc)
		return rc;
	cmd->mock_domain_replace.pt_id = pt_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* The device a stdev stands for (the PASID ops, selftest-pasid.c). */
int iommufd_test_stdev_idev(struct iommufd_ctx *ictx, u32 stdev_id, u32 *idev_id)
{
	struct iommufd_object *obj =
		iommufd_get_object(ictx, stdev_id, IOMMUFD_OBJ_SELFTEST);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	*idev_id = container_of(obj, struct selftest_obj, obj)->idev_id;
	return 0;
}

/* ------------------------------------------------------------ checks */

static int test_add_reserved(struct iommufd_ucmd *ucmd, u32 ioas_id,
			     u64 start, u64 length)
{
	struct iommufd_ioas *ioas;
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	return iopt_reserve_iova(&ioas->iopt, start, last, NULL);
}

/*
 * get_user_pages_fast() of one page: the physical address behind uptr.
 * Memory that is not RAM of this kernel cannot have been mapped here.
 */
static int user_pa(struct iommufd_ctx *ictx, unsigned long uptr, phys_addr_t *pa)
{
	u64 p;

	if (phys_ram_virt_to_phys(ictx->k->mem, (const void *)uptr, 1, &p))
		return -EFAULT;
	*pa = p;
	return 0;
}

/*
 * Whether two physical addresses are the same page byte: the same
 * address, or two host-window addresses of one file byte (MAP_FILE maps
 * the file at an address of its own, the program reaches it at another;
 * Linux sees one page either way).
 */
static bool same_page(struct iommufd_ctx *ictx, phys_addr_t a, phys_addr_t b)
{
	struct host_page_id ia, ib;

	if (a == b)
		return true;
	if (phys_page_id(ictx->k->mem, a, &ia) || phys_page_id(ictx->k->mem, b, &ib))
		return false;
	return ia.ino && ia.dev == ib.dev && ia.ino == ib.ino && ia.off == ib.off;
}

/* iommufd_test_md_check_pa(): each IO page maps the page under uptr. */
static int test_md_check_map(struct iommufd_ucmd *ucmd, u32 hwpt_id,
			     u64 iova, u64 length, u64 uptr)
{
	struct iommu_domain *domain;
	unsigned long end;

	if (iova % MOCK_IO_PAGE_SIZE || length % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	domain = get_md_domain(ucmd->ictx, hwpt_id);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	for (; length; length -= MOCK_IO_PAGE_SIZE) {
		phys_addr_t want, got;
		int rc = user_pa(ucmd->ictx, uptr, &want);

		if (rc)
			return rc;
		if (selftest_domain_lookup(domain, iova, &got) ||
		    !same_page(ucmd->ictx, got, want))
			return -EINVAL;
		iova += MOCK_IO_PAGE_SIZE;
		uptr += MOCK_IO_PAGE_SIZE;
	}
	return 0;
}

/* Whether an access of ioas pinned [iova, last]. */
static bool access_pinned(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  unsigned long iova, unsigned long last)
{
	struct selftest_access *sa;
	struct selftest_access_item *item;

	list_for_each_entry(sa, &ictx->test_accesses, node) {
		struct iommufd_object *obj = iommufd_get_object(ictx,
				sa->access_id, IOMMUFD_OBJ_ACCESS);

		if (IS_ERR(obj) ||
		    container_of(obj, struct iommufd_access, obj)->ioas != ioas)
			continue;
		list_for_each_entry(item, &sa->items, node)
			if (item->iova <= last && iova <= item->iova + item->length - 1)
				return true;
	}
	return false;
}

/*
 * The pin count of the page at uva: as Linux's iopt_pages, each area is
 * pinned once while its IOAS has a domain or an access holds its pages.
 * A MAP_FILE area holds the page if it maps the same file bytes, at
 * whatever address the program has them.
 */
static unsigned int page_pins(struct iommufd_ctx *ictx, unsigned long uva)
{
	struct host_page_id uid = { 0 };
	unsigned int pins = 0;
	bool have_uid = false;

	for (unsigned int id = 1; id < ictx->nr_slots; id++) {
		struct iommufd_object *obj = ictx->objs[id];
		struct iommufd_ioas *ioas;
		struct iopt_area *area;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		ioas = container_of(obj, struct iommufd_ioas, obj);
		list_for_each_entry(area, &ioas->iopt.areas, node) {
			unsigned long len = area->last - area->iova + 1;
			unsigned long first, last, at = uva, base = area->user_va;

			if (area->file && (uva + PAGE_SIZE <= base || uva >= base + len)) {
				struct host_page_id aid;

				if (!have_uid) {
					host_page_id((const void *)uva, &uid);
					have_uid = true;
				}
				host_page_id((const void *)base, &aid);
				if (uid.ino && uid.dev == aid.dev && uid.ino == aid.ino) {
					at = uid.off;
					base = aid.off;
				}
			}
			if (at + PAGE_SIZE <= base || at >= base + len)
				continue;
			first = area->iova + (max(at, base) - base);
			last = area->iova + (min(at + PAGE_SIZE, base + len) - 1 - base);
			if (!list_empty(&ioas->iopt.domains) ||
			    access_pinned(ictx, ioas, first, last))
				pins++;
		}
	}
	return pins;
}

static int test_md_check_refs(struct iommufd_ucmd *ucmd, u64 uptr, u64 length,
			      u32 refs)
{
	unsigned long end;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE)
		if (page_pins(ucmd->ictx, uptr) != refs)
			return -EIO;
	return 0;
}

static int test_md_check_iotlb(struct iommufd_ucmd *ucmd, u32 hwpt_id,
			       u32 iotlb_id, u32 iotlb)
{
	struct iommufd_hw_pagetable *hwpt =
		get_hwpt(ucmd->ictx, hwpt_id, IOMMUFD_OBJ_HWPT_NESTED);
	u32 val;

	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (!selftest_is_nested_domain(hwpt->domain))
		return -EINVAL;
	if (selftest_nested_iotlb(hwpt->domain, iotlb_id, &val) || val != iotlb)
		return -EINVAL;
	return 0;
}

/* iommufd_test_dirty(): mark the mapped IO pages set in the user bitmap. */
static int test_dirty(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	u64 iova = cmd->dirty.iova, length = cmd->dirty.length;
	u64 page_size = cmd->dirty.page_size;
	const u8 *bitmap = (const u8 *)(uintptr_t)cmd->dirty.uptr;
	struct iommu_domain *domain;
	unsigned long max, count = 0;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !bitmap)
		return -EINVAL;
	max = length / page_size;
	if (max > SZ_16M * 8)
		return -EOVERFLOW;
	domain = get_md_domain(ucmd->ictx, cmd->id);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	if (!selftest_domain_tracking(domain))
		return -EINVAL;
	if (uaccess_ok(ucmd->ictx, bitmap, DIV_ROUND_UP(max, 8), false))
		return -EFAULT;
	for (unsigned long i = 0; i < max; i++)
		if (bitmap[i / 8] & (1U << (i % 8)))
			count += selftest_domain_mark_dirty(domain,
							    iova + i * page_size);
	cmd->dirty.out_nr_dirty = count;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* ------------------------------------------------------------ accesses */

static struct selftest_access *access_get(struct iommufd_ctx *ictx, int fd)
{
	struct selftest_access *sa;

	list_for_each_entry(sa, &ictx->test_accesses, node)
		if (sa->fd == fd && fd >= 0)
			return sa;
	return ERR_PTR(-EBADFD);
}

static void item_free(struct selftest_access_item *item)
{
	list_del(&item->node);
	kfree(item);
}

/* iommufd_test_access_unmap(): drop every item overlapping the range. */
static void test_access_unmap(void *data, unsigned long iova,
			      unsigned long length)
{
	struct selftest_access *sa = data;
	struct selftest_access_item *item, *tmp;
	unsigned long last = iova + length - 1;

	list_for_each_entry_safe(item, tmp, &sa->items, node)
		if (iova <= item->iova + item->length - 1 && item->iova <= last)
			item_free(item);
}

static const struct iommufd_access_ops test_access_ops = {
	.unmap = test_access_unmap,
};

static void access_release(struct selftest_access *sa)
{
	test_access_unmap(sa, 0, ULONG_MAX);
	iommufd_access_destroy_locked(sa->ictx, sa->access_id);
	list_del(&sa->node);
	close(sa->fd);
	kfree(sa);
}

bool iommufd_test_fd_close(struct iommufd_ctx *ictx, int fd)
{
	struct selftest_access *sa = access_get(ictx, fd);

	if (IS_ERR(sa))
		return false;
	access_release(sa);
	return true;
}

void iommufd_test_ctx_destroy(struct iommufd_ctx *ictx)
{
	struct selftest_access *sa, *tmp;

	list_for_each_entry_safe(sa, tmp, &ictx->test_accesses, node)
		access_release(sa);
	for (unsigned int id = 1; id < ictx->nr_slots; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (obj && obj->type == IOMMUFD_OBJ_SELFTEST)
			iommufd_destroy_object(ictx, obj);
	}
}

static int test_create_access(struct iommufd_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	u32 flags = cmd->create_access.flags;
	struct selftest_access *sa;
	int rc;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	sa = kzalloc(ictx->k, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	INIT_LIST_HEAD(&sa->items);
	sa->ictx = ictx;
	sa->needs_pin = flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	sa->fd = eventfd(0, EFD_CLOEXEC);
	if (sa->fd < 0) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = iommufd_access_create_locked(ictx, cmd->id, &test_access_ops, sa,
					  &sa->access_id);
	if (rc)
		goto err_fd;
	list_add_tail(&sa->node, &ictx->test_accesses);
	cmd->create_access.out_access_fd = sa->fd;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));

err_fd:
	close(sa->fd);
err_free:
	kfree(sa);
	return rc;
}

static struct iommufd_access *access_obj(struct selftest_access *sa)
{
	return container_of(iommufd_get_object(sa->ictx, sa->access_id,
					       IOMMUFD_OBJ_ACCESS),
			    struct iommufd_access, obj);
}

/*
 * MOCK_FLAGS_ACCESS_SYZ: syzkaller names an IOVA as the nth area of the
 * access's IOAS (low u32 of *iova) plus an offset (high u32).
 */
static unsigned long syz_conv_iova(struct iommufd_ioas *ioas, u64 iova)
{
	u32 nth = (u32)iova, offset = (u32)(iova >> 32);
	struct iopt_area *area;

	list_for_each_entry(area, &ioas->iopt.areas, node)
		if (!nth--)
			return area->iova + offset;
	return 0;
}

static int test_access_replace_ioas(struct iommufd_ucmd *ucmd, int fd,
				    u32 ioas_id)
{
	struct selftest_access *sa = access_get(ucmd->ictx, fd);

	if (IS_ERR(sa))
		return PTR_ERR(sa);
	return iommufd_access_replace_locked(ucmd->ictx, sa->access_id, ioas_id);
}

/*
 * iommufd_access_pin_pages(): [iova, iova + length) must lie in mapped
 * areas with the right permission; the PAs of its CPU pages go to pas.
 */
static int access_pin(struct selftest_access *sa, unsigned long iova,
		      unsigned long length, bool write, phys_addr_t *pas)
{
	struct iommufd_access *access = access_obj(sa);
	unsigned long cur = iova & ~(PAGE_SIZE - 1), last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	for (; cur <= last; cur += PAGE_SIZE) {
		unsigned long at = max(cur, iova);
		struct iopt_area *area = iopt_find_area(&access->ioas->iopt, at);

		if (!area)
			return -ENOENT;
		if (write && !(area->prot & IOMMU_WRITE))
			return -EPERM;
		*pas++ = (area->pa + (at - area->iova)) & ~(phys_addr_t)(PAGE_SIZE - 1);
		if (cur + PAGE_SIZE < cur)
			break;
	}
	return 0;
}

static int test_access_pages(struct iommufd_ucmd *ucmd,
			     struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	u32 flags = cmd->access_pages.flags;
	unsigned long iova = cmd->access_pages.iova, uptr = cmd->access_pages.uptr;
	unsigned long length = cmd->access_pages.length, npages;
	struct selftest_access_item *item;
	struct selftest_access *sa;
	phys_addr_t *pas;
	int rc;

	if (length > SZ_16M)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	sa = access_get(ictx, cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	if (!sa->needs_pin)
		return -EOPNOTSUPP;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = access_obj(sa)->ioas ?
		       syz_conv_iova(access_obj(sa)->ioas, iova) : 0;
	npages = (ALIGN(iova + length, PAGE_SIZE) -
		  ALIGN_DOWN(iova, PAGE_SIZE)) / PAGE_SIZE;
	pas = kzalloc(ictx->k, (npages ? npages : 1) * sizeof(*pas));
	if (!pas)
		return -ENOMEM;
	rc = access_pin(sa, iova, length, flags & MOCK_FLAGS_ACCESS_WRITE, pas);
	if (rc)
		goto out;
	/* iommufd_test_check_pages(): NULL uptr skips the check (syzkaller). */
	for (unsigned long i = 0; uptr && i < npages; i++) {
		phys_addr_t pa;

		rc = user_pa(ictx, uptr - (iova % PAGE_SIZE) + i * PAGE_SIZE, &pa);
		if (rc)
			goto out;
		if (!same_page(ictx, pa, pas[i])) {
			rc = -EBADE;
			goto out;
		}
	}
	rc = -ENOMEM;
	item = kzalloc(ictx->k, sizeof(*item));
	if (!item)
		goto out;
	item->iova = iova;
	item->length = length;
	item->id = sa->next_id++;
	list_add_tail(&item->node, &sa->items);
	cmd->access_pages.out_access_pages_id = item->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	kfree(pas);
	return rc;
}

static int test_destroy_access_pages(struct iommufd_ucmd *ucmd, int fd,
				     u32 item_id)
{
	struct selftest_access *sa = access_get(ucmd->ictx, fd);
	struct selftest_access_item *item;

	if (IS_ERR(sa))
		return PTR_ERR(sa);
	list_for_each_entry(item, &sa->items, node)
		if (item->id == item_id) {
			item_free(item);
			return 0;
		}
	return -ENOENT;
}

static int test_access_rw(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	u32 flags = cmd->access_rw.flags;
	unsigned long iova = cmd->access_rw.iova;
	u64 length = cmd->access_rw.length;
	void *ubuf = (void *)(uintptr_t)cmd->access_rw.uptr;
	struct selftest_access *sa;
	void *tmp;
	int rc;

	if (length > SZ_16M)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	sa = access_get(ictx, cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	tmp = kzalloc(ictx->k, length ? length : 1);
	if (!tmp)
		return -ENOMEM;
	if (flags & MOCK_ACCESS_RW_WRITE) {
		if (uaccess_ok(ictx, ubuf, length, false)) {
			kfree(tmp);
			return -EFAULT;
		}
		memcpy(tmp, ubuf, length);
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = access_obj(sa)->ioas ?
		       syz_conv_iova(access_obj(sa)->ioas, iova) : 0;
	rc = iommufd_access_rw_locked(ictx, sa->access_id, iova, tmp, length,
				      flags & MOCK_ACCESS_RW_WRITE ?
				      IOMMUFD_ACCESS_RW_WRITE : 0);
	if (!rc && !(flags & MOCK_ACCESS_RW_WRITE)) {
		if (uaccess_ok(ictx, ubuf, length, true))
			rc = -EFAULT;
		else
			memcpy(ubuf, tmp, length);
	}
	kfree(tmp);
	return rc;
}

/*
 * iommufd_test_trigger_iopf(): the mock device reports a page request, as
 * iommu_report_device_fault() would; what the domain's handler makes of it
 * is not the command's result.
 */
static int test_trigger_iopf(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_device *idev =
		iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id);
	struct iommu_hwpt_pgfault pf = {
		.flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE,
		.pasid = cmd->trigger_iopf.pasid,
		.grpid = cmd->trigger_iopf.grpid,
		.perm = cmd->trigger_iopf.perm,
		.addr = cmd->trigger_iopf.addr,
	};
	struct iommufd_hw_pagetable *hwpt;

	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (!selftest_is_mock_dev(idev->dev))
		return -EINVAL;
	if (cmd->trigger_iopf.pasid != 0)	/* IOMMU_NO_PASID */
		pf.flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
	pf.dev_id = idev->obj.id;
	/*
	 * The handler of the domain the request's PASID translates by; a
	 * PASID with none goes to the RID's domain, as for a driver with a
	 * user-managed PASID table like the mock (find_fault_handler).
	 */
	hwpt = cmd->trigger_iopf.pasid ?
	       iommufd_device_pasid_hwpt(idev, cmd->trigger_iopf.pasid) : NULL;
	if (!hwpt)
		hwpt = idev->hwpt;
	if (hwpt && hwpt->fault)
		iommufd_fault_report(ucmd->ictx, hwpt->fault, &pf);
	return 0;
}

/* DEV_CHECK_CACHE and TRIGGER_VEVENT: a bound device's mock state. */
static int test_dev_op(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	u32 dev_id = cmd->op == IOMMU_TEST_OP_DEV_CHECK_CACHE ?
		     cmd->id : cmd->trigger_vevent.dev_id;
	struct iommufd_device *idev = iommufd_get_device(ucmd->ictx, dev_id);

	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (cmd->op == IOMMU_TEST_OP_TRIGGER_VEVENT)
		return selftest_dev_trigger_vevent(idev->dev);
	return selftest_dev_check_cache(idev->dev, cmd->check_dev_cache.id,
					cmd->check_dev_cache.cache);
}

/* ------------------------------------------------------------ dispatch */

bool iommufd_test_present(struct iommufd_ctx *ictx)
{
	return selftest_iommu_find(ictx->k);
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;
	struct selftest_iommu *st = selftest_iommu_find(ucmd->ictx->k);

	if (!st)
		return -ENOTTY;		/* a kernel without CONFIG_IOMMUFD_TEST */
	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return test_add_reserved(ucmd, cmd->id, cmd->add_reserved.start,
					 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return test_mock_domain(ucmd, cmd, st);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return test_md_check_map(ucmd, cmd->id, cmd->check_map.iova,
					 cmd->check_map.length,
					 cmd->check_map.uptr);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return test_md_check_refs(ucmd, cmd->check_refs.uptr,
					  cmd->check_refs.length,
					  cmd->check_refs.refs);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return test_md_check_iotlb(ucmd, cmd->id, cmd->check_iotlb.id,
					   cmd->check_iotlb.iotlb);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return test_access_replace_ioas(ucmd, cmd->id,
						cmd->access_replace_ioas.ioas_id);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return test_access_rw(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return test_destroy_access_pages(ucmd, cmd->id,
				cmd->destroy_access_pages.access_pages_id);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* _batch_init() needs room for one element */
		if (cmd->memory_limit.limit < sizeof(unsigned long) + sizeof(u32))
			return -EINVAL;
		ucmd->ictx->test_memory_limit = cmd->memory_limit.limit;
		return 0;
	case IOMMU_TEST_OP_DIRTY:
		return test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return test_trigger_iopf(ucmd, cmd);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
	case IOMMU_TEST_OP_TRIGGER_VEVENT:
		return test_dev_op(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_ATTACH:
	case IOMMU_TEST_OP_PASID_REPLACE:
	case IOMMU_TEST_OP_PASID_DETACH:
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return iommufd_test_pasid(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
