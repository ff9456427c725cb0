// SPDX-License-Identifier: MIT
/*
 * Devices in an iommufd context (drivers/iommu/iommufd/device.c): bind
 * (DMA ownership of the group goes to the context), attach / replace /
 * detach between HWPTs, the reserved regions a device brings into the
 * IOAS it translates through, the per-device software-MSI window option,
 * GET_HW_INFO, and access objects.
 *
 * Devices of one iommu_group share an iommufd_group: the group sits on one
 * HWPT, which that record holds a reference on.  Attach installs the
 * group's MSI doorbells in the new domain's stage 2 before switching
 * (sw_msi_group_attach/replace), so a replace loses no interrupt.
 */
#include "kernel/iommufd/iommufd-priv.h"
#include "kernel/msi-model.h"
#include "kernel/msi-sw-msi-v2.h"

static struct iommufd_group *igroup_get(struct iommufd_ctx *ictx,
					struct iommu_group *group)
{
	struct iommufd_group *ig;

	list_for_each_entry(ig, &ictx->groups, node)
		if (ig->group == group)
			return ig;
	ig = kzalloc(ictx->k, sizeof(*ig));
	if (ig) {
		ig->ictx = ictx;
		ig->group = group;
		INIT_LIST_HEAD(&ig->pasid_attach);
		list_add_tail(&ig->node, &ictx->groups);
	}
	return ig;
}

int iommufd_device_bind_locked(struct iommufd_ctx *ictx, struct device *dev, u32 *id)
{
	struct iommufd_device *idev;
	struct iommufd_group *ig;
	int rc;

	lockdep_assert_held(&ictx->lock);
	if (!dev_has_iommu(dev) || !dev->iommu_group)
		return -ENODEV;
	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		return -EINVAL;
	for (unsigned int i = 1; i < ictx->nr_slots; i++) {
		struct iommufd_object *o = ictx->objs[i];

		if (o && o->type == IOMMUFD_OBJ_DEVICE &&
		    container_of(o, struct iommufd_device, obj)->dev == dev) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	rc = iommu_device_claim_dma_owner(dev, ictx);
	if (rc)
		goto out_unlock;
	rc = -ENOMEM;
	ig = igroup_get(ictx, dev->iommu_group);
	if (!ig)
		goto err_release;
	idev = kzalloc(ictx->k, sizeof(*idev));
	if (!idev)
		goto err_group;
	idev->dev = dev;
	idev->igroup = ig;
	idev->sw_msi_start = PHYS_ADDR_MAX;
	rc = iommufd_object_add(ictx, &idev->obj, IOMMUFD_OBJ_DEVICE);
	if (rc)
		goto err_free;
	ig->bound++;
	idev->obj.users = 1;	/* the binding driver, until unbind */
	*id = idev->obj.id;
	return 0;

err_free:
	kfree(idev);
err_group:
	if (!ig->bound && !ig->hwpt) {
		sw_msi_group_forget(ictx->sw_msi, ig->group);
		list_del(&ig->node);
		kfree(ig);
	}
err_release:
	iommu_device_release_dma_owner(dev);
out_unlock:
	return rc;
}

int iommufd_device_bind(struct iommufd_ctx *ictx, struct device *dev, u32 *id)
{
	int rc;

	mutex_lock(&ictx->lock);
	rc = iommufd_device_bind_locked(ictx, dev, id);
	mutex_unlock(&ictx->lock);
	return rc;
}

void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev = container_of(obj, struct iommufd_device, obj);
	struct iommufd_group *ig = idev->igroup;

	iommu_device_release_dma_owner(idev->dev);
	if (!--ig->bound && !ig->hwpt) {
		sw_msi_group_forget(ig->ictx->sw_msi, ig->group);
		list_del(&ig->node);
		kfree(ig);
	}
	kfree(idev);
}

/* ------------------------------------------------------------ attach */

/*
 * Reserve dev's reserved regions in iopt (iopt_table_enforce_dev_resv_regions),
 * the SW_MSI one moved to the device's window when the VMM set one with the
 * sw-msi-v2 model's option.  The group's window itself is recorded by
 * sw_msi_group_attach (mainline: igroup->sw_msi_start).
 */
static int enforce_dev_resv_regions(struct iommufd_device *idev,
				    struct io_pagetable *iopt)
{
	struct iommu_resv_region *resv;
	struct list_head resv_regions = LIST_HEAD_INIT(resv_regions);
	int rc = 0;

	iommu_get_resv_regions(idev->dev, &resv_regions);
	list_for_each_entry(resv, &resv_regions, list) {
		unsigned long start = resv->start, len = resv->length;

		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (resv->type == IOMMU_RESV_SW_MSI) {
			if (idev->sw_msi_size) {
				start = idev->sw_msi_start;
				len = idev->sw_msi_size;
			}
		}
		rc = iopt_reserve_iova(iopt, start, start + len - 1, idev->dev);
		if (rc)
			break;
	}
	iommu_put_resv_regions(idev->dev, &resv_regions);
	if (rc)
		iopt_remove_reserved_iova(iopt, idev->dev);
	return rc;
}

/*
 * The devices that move with idev: itself, and on a replace every device
 * of its group attached through this context (the group has one domain).
 */
static unsigned int moving_devices(struct iommufd_ctx *ictx,
				   struct iommufd_device *idev, bool replace,
				   struct iommufd_device **out, unsigned int max)
{
	unsigned int n = 0;

	out[n++] = idev;
	if (!replace)
		return n;
	for (unsigned int id = 1; id < ictx->nr_slots && n < max; id++) {
		struct iommufd_object *o = ictx->objs[id];
		struct iommufd_device *d;

		if (!o || o->type != IOMMUFD_OBJ_DEVICE)
			continue;
		d = container_of(o, struct iommufd_device, obj);
		if (d != idev && d->igroup == idev->igroup && d->hwpt)
			out[n++] = d;
	}
	return n;
}

#define MAX_GROUP_DEVS	IOMMUFD_GROUP_MAX_DEVS

static int do_attach(struct iommufd_ctx *ictx, struct iommufd_device *idev,
		     struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_group *ig = idev->igroup;
	struct iommufd_hw_pagetable *old = ig->hwpt;
	struct iommufd_hwpt_paging *paging = find_hwpt_paging(hwpt);
	struct io_pagetable *new_iopt = &paging->ioas->iopt, *old_iopt = NULL;
	struct iommufd_device *devs[MAX_GROUP_DEVS];
	unsigned int n, i;
	bool replace;
	int rc;

	lockdep_assert_held(&ictx->lock);
	if (idev->hwpt == hwpt)
		return 0;
	/* A device joining its group's HWPT must ask for that HWPT. */
	if (old && !idev->hwpt && old != hwpt)
		return -EINVAL;
	replace = old && old != hwpt;
	if (old)
		old_iopt = &find_hwpt_paging(old)->ioas->iopt;
	n = moving_devices(ictx, idev, replace, devs, MAX_GROUP_DEVS);

	/* Reserved regions into the new IOAS first, all or none. */
	if (!idev->hwpt || old_iopt != new_iopt) {
		for (i = 0; i < n; i++) {
			rc = enforce_dev_resv_regions(devs[i], new_iopt);
			if (rc)
				goto err_resv;
		}
	}
	/* A domain without PASID support under attached PASIDs: -EINVAL. */
	if (old != hwpt) {
		rc = iommufd_hwpt_pasid_compat_rid(hwpt, ig);
		if (rc) {
			i = n;
			goto err_resv;
		}
	}
	/* sw-msi-v2: the window the VMM chose for the device, at first attach. */
	if (!old && idev->sw_msi_size) {
		rc = sw_msi_group_set_start(ictx->sw_msi, ig->group,
					    idev->sw_msi_start);
		if (rc) {
			i = n;
			goto err_resv;
		}
	}
	if (!old)
		rc = sw_msi_group_attach(ig->group, hwpt->domain);
	else if (replace)
		rc = sw_msi_group_replace(ig->group, hwpt->domain);
	else
		rc = 0;
	if (rc) {
		i = n;
		goto err_resv;
	}
	for (i = 0; i < n; i++) {
		if (devs[i]->hwpt && old_iopt != new_iopt)
			iopt_remove_reserved_iova(old_iopt, devs[i]->dev);
		if (!devs[i]->hwpt)
			ig->attached++;
		devs[i]->hwpt = hwpt;
	}
	if (old != hwpt) {
		hwpt->obj.users++;
		ig->hwpt = hwpt;
		if (old && !--old->obj.users &&
		    old->obj.type == IOMMUFD_OBJ_HWPT_PAGING &&
		    to_hwpt_paging(old)->auto_domain)
			iommufd_destroy_object(ictx, &old->obj);
	}
	return 0;

err_resv:
	if (!idev->hwpt || old_iopt != new_iopt)
		while (i--)
			iopt_remove_reserved_iova(new_iopt, devs[i]->dev);
	return rc;
}

/* Find or make an automatic paging HWPT of ioas the device can use. */
static int attach_ioas(struct iommufd_ctx *ictx, struct iommufd_device *idev,
		       struct iommufd_ioas *ioas, u32 *pt_id)
{
	struct iommufd_hwpt_paging *p;
	int rc;

	list_for_each_entry(p, &ioas->hwpt_list, hwpt_item) {
		if (!p->auto_domain ||
		    p->common.domain->owner != dev_iommu_ops(idev->dev))
			continue;
		rc = do_attach(ictx, idev, &p->common);
		if (rc == -EINVAL)
			continue;	/* incompatible: try the next one */
		if (!rc)
			*pt_id = p->common.obj.id;
		return rc;
	}
	p = iommufd_hwpt_paging_alloc(ictx, ioas, idev, 0, true, NULL);
	if (IS_ERR(p))
		return PTR_ERR(p);
	rc = do_attach(ictx, idev, &p->common);
	if (rc) {
		iommufd_destroy_object(ictx, &p->common.obj);
		return rc;
	}
	*pt_id = p->common.obj.id;
	return 0;
}

int iommufd_device_attach_pt_locked(struct iommufd_ctx *ictx, u32 dev_id, u32 *pt_id)
{
	struct iommufd_device *idev;
	struct iommufd_object *pt;
	int rc;

	lockdep_assert_held(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out;
	}
	pt = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt)) {
		rc = PTR_ERR(pt);
		goto out;
	}
	switch (pt->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		rc = do_attach(ictx, idev,
			       container_of(pt, struct iommufd_hw_pagetable, obj));
		break;
	case IOMMUFD_OBJ_IOAS:
		rc = attach_ioas(ictx, idev,
				 container_of(pt, struct iommufd_ioas, obj), pt_id);
		break;
	default:
		rc = -EINVAL;
	}
out:
	return rc;
}

int iommufd_device_attach_pt(struct iommufd_ctx *ictx, u32 dev_id, u32 *pt_id)
{
	int rc;

	mutex_lock(&ictx->lock);
	rc = iommufd_device_attach_pt_locked(ictx, dev_id, pt_id);
	mutex_unlock(&ictx->lock);
	return rc;
}

static void do_detach(struct iommufd_ctx *ictx, struct iommufd_device *idev)
{
	struct iommufd_group *ig = idev->igroup;
	struct iommufd_hw_pagetable *hwpt = idev->hwpt;

	iopt_remove_reserved_iova(&find_hwpt_paging(hwpt)->ioas->iopt, idev->dev);
	idev->hwpt = NULL;
	if (--ig->attached)
		return;
	iommu_detach_group(hwpt->domain, ig->group);
	ig->hwpt = NULL;
	if (!--hwpt->obj.users && hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING &&
	    to_hwpt_paging(hwpt)->auto_domain)
		iommufd_destroy_object(ictx, &hwpt->obj);
}

int iommufd_device_detach_pt(struct iommufd_ctx *ictx, u32 dev_id)
{
	struct iommufd_device *idev;
	int rc = 0;

	mutex_lock(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (IS_ERR(idev))
		rc = PTR_ERR(idev);
	else if (!idev->hwpt)
		rc = -EINVAL;
	else
		do_detach(ictx, idev);
	mutex_unlock(&ictx->lock);
	return rc;
}

void iommufd_device_unbind_locked(struct iommufd_ctx *ictx, u32 dev_id)
{
	struct iommufd_device *idev;

	lockdep_assert_held(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (KWARN_ON(ictx->k, IS_ERR(idev)))
		return;
	if (idev->vdev)
		iommufd_destroy_object(ictx, &idev->vdev->obj);
	iommufd_device_pasid_detach_all(ictx, idev);
	if (idev->hwpt)
		do_detach(ictx, idev);
	idev->obj.users--;
	KWARN_ON(ictx->k, iommufd_destroy_object(ictx, &idev->obj));
}

void iommufd_device_unbind(struct iommufd_ctx *ictx, u32 dev_id)
{
	mutex_lock(&ictx->lock);
	iommufd_device_unbind_locked(ictx, dev_id);
	mutex_unlock(&ictx->lock);
}

struct iommu_domain *iommufd_device_domain(struct iommufd_ctx *ictx, u32 dev_id)
{
	struct iommufd_device *idev;
	struct iommu_domain *d = NULL;

	mutex_lock(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (!IS_ERR(idev) && idev->hwpt)
		d = idev->hwpt->domain;
	mutex_unlock(&ictx->lock);
	return d;
}

struct iommu_domain *iommufd_hwpt_domain(struct iommufd_ctx *ictx, u32 hwpt_id)
{
	struct iommufd_object *obj;
	struct iommu_domain *d = NULL;

	mutex_lock(&ictx->lock);
	obj = iommufd_get_object(ictx, hwpt_id, IOMMUFD_OBJ_ANY);
	if (!IS_ERR(obj) && (obj->type == IOMMUFD_OBJ_HWPT_PAGING ||
			     obj->type == IOMMUFD_OBJ_HWPT_NESTED))
		d = container_of(obj, struct iommufd_hw_pagetable, obj)->domain;
	mutex_unlock(&ictx->lock);
	return d;
}

/* ------------------------------------------------------------ SW_MSI option */

#define SZ_1M	0x100000ULL

/*
 * IOMMU_OPTION_SW_MSI_START / _SIZE: the posted, NOT merged series (v2,
 * October 2025), present only under the sw-msi-v2 MSI model; mainline
 * answers -EOPNOTSUPP as for any unknown option.  The checks are the
 * series' (kernel/msi-sw-msi-v2.c): -EBUSY once attached, 1 MiB aligned,
 * -EOVERFLOW on wrap, -EADDRINUSE on overlap.
 */
int iommufd_option_sw_msi(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_device *idev;
	phys_addr_t start;
	u64 size;
	int rc;

	if (!ucmd->ictx->k->msi_model->sw_msi_option)
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->object_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	/* The window is taken at attach: too late once attached. */
	if (idev->hwpt)
		return -EBUSY;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = cmd->option_id == IOMMU_OPTION_SW_MSI_START ?
			     idev->sw_msi_start : idev->sw_msi_size / SZ_1M;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	start = idev->sw_msi_start;
	size = idev->sw_msi_size;
	if (cmd->option_id == IOMMU_OPTION_SW_MSI_START) {
		start = cmd->val64;
		rc = sw_msi_v2_test(idev->dev, start, size);
		if (rc)
			return rc;
		idev->sw_msi_start = start;
		return 0;
	}
	if (cmd->val64 > U64_MAX / SZ_1M)
		return -EINVAL;
	size = cmd->val64 * SZ_1M;
	if (size) {
		rc = sw_msi_v2_test(idev->dev, start, size);
		if (rc)
			return rc;
	}
	idev->sw_msi_size = size;
	return 0;
}

/* ------------------------------------------------------------ GET_HW_INFO */

int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void *uptr = (void *)(uintptr_t)cmd->data_uptr;
	const struct iommu_ops *ops;
	struct iommufd_device *idev;
	u32 data_len = 0, copy_len;
	void *data = NULL;
	int rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if ((!cmd->data_len && cmd->data_uptr) || (cmd->data_len && !cmd->data_uptr))
		return -EINVAL;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	ops = dev_iommu_ops(idev->dev);
	if (ops->hw_info) {
		data = ops->hw_info(idev->dev, &data_len, &cmd->out_data_type);
		if (IS_ERR(data))
			return PTR_ERR(data);
		if (KWARN_ON(ucmd->ictx->k,
			     cmd->out_data_type == IOMMU_HW_INFO_TYPE_NONE)) {
			kfree(data);
			return -ENODEV;
		}
	} else {
		if (cmd->in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT)
			return -EOPNOTSUPP;
		cmd->out_data_type = IOMMU_HW_INFO_TYPE_NONE;
	}
	copy_len = min(cmd->data_len, data_len);
	rc = iommufd_copy_to_user(ucmd->ictx, uptr, data, copy_len);
	kfree(data);
	if (rc)
		return rc;
	/* clear_user of the rest of the buffer. */
	for (u32 off = copy_len; off < cmd->data_len;) {
		static const u8 zero[16384];
		u32 n = min_t(u32, cmd->data_len - off, sizeof(zero));

		if (iommufd_copy_to_user(ucmd->ictx, (u8 *)uptr + off, zero, n))
			return -EFAULT;
		off += n;
	}
	cmd->data_len = data_len;
	cmd->out_capabilities = 0;
	if (device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	/* The PASID width the core recorded at probe (dev_iommu_get_max_pasids). */
	cmd->out_max_pasid_log2 = 0;
	if (idev->dev->iommu->max_pasids)
		cmd->out_max_pasid_log2 = (u8)ilog2(idev->dev->iommu->max_pasids);
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* ------------------------------------------------------------ accesses */

int iommufd_access_create_locked(struct iommufd_ctx *ictx, u32 ioas_id,
				 const struct iommufd_access_ops *ops, void *data,
			  u32 *id)
{
	struct iommufd_access *access;
	struct iommufd_ioas *ioas;
	int rc;

	lockdep_assert_held(&ictx->lock);
	ioas = iommufd_get_ioas(ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out;
	}
	rc = -ENOMEM;
	access = kzalloc(ictx->k, sizeof(*access));
	if (!access)
		goto out;
	access->ioas = ioas;
	access->ops = ops;
	access->data = data;
	rc = iommufd_object_add(ictx, &access->obj, IOMMUFD_OBJ_ACCESS);
	if (rc) {
		kfree(access);
		goto out;
	}
	list_add_tail(&access->node, &ioas->iopt.accesses);
	ioas->obj.users++;
	access->obj.users = 1;	/* its creator, until iommufd_access_destroy */
	*id = access->obj.id;
out:
	return rc;
}

int iommufd_access_create(struct iommufd_ctx *ictx, u32 ioas_id,
			  const struct iommufd_access_ops *ops, void *data,
			  u32 *id)
{
	int rc;

	mutex_lock(&ictx->lock);
	rc = iommufd_access_create_locked(ictx, ioas_id, ops, data, id);
	mutex_unlock(&ictx->lock);
	return rc;
}

void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	list_del(&access->node);
	access->ioas->obj.users--;
	kfree(access);
}

void iommufd_access_destroy_locked(struct iommufd_ctx *ictx, u32 access_id)
{
	struct iommufd_object *obj;

	lockdep_assert_held(&ictx->lock);
	obj = iommufd_get_object(ictx, access_id, IOMMUFD_OBJ_ACCESS);
	if (!KWARN_ON(ictx->k, IS_ERR(obj))) {
		obj->users--;
		KWARN_ON(ictx->k, iommufd_destroy_object(ictx, obj));
	}
}

/*
 * iommufd_access_replace(): the access moves to ioas_id; what it pinned
 * through the old IOAS is given back first (ops->unmap of everything), as
 * iommufd_access_change_ioas() does.  Same IOAS: nothing to do.
 */
int iommufd_access_replace_locked(struct iommufd_ctx *ictx, u32 access_id,
				  u32 ioas_id)
{
	struct iommufd_object *obj;
	struct iommufd_access *access;
	struct iommufd_ioas *ioas;

	lockdep_assert_held(&ictx->lock);
	obj = iommufd_get_object(ictx, access_id, IOMMUFD_OBJ_ACCESS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	access = container_of(obj, struct iommufd_access, obj);
	ioas = iommufd_get_ioas(ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (ioas == access->ioas)
		return 0;
	if (access->ops && access->ops->unmap)
		access->ops->unmap(access->data, 0, ULONG_MAX);
	list_del(&access->node);
	access->ioas->obj.users--;
	access->ioas = ioas;
	list_add_tail(&access->node, &ioas->iopt.accesses);
	ioas->obj.users++;
	return 0;
}

void iommufd_access_destroy(struct iommufd_ctx *ictx, u32 access_id)
{
	mutex_lock(&ictx->lock);
	iommufd_access_destroy_locked(ictx, access_id);
	mutex_unlock(&ictx->lock);
}

int iommufd_access_rw_locked(struct iommufd_ctx *ictx, u32 access_id,
			     unsigned long iova, void *data, size_t len,
			     unsigned int flags)
{
	struct iommufd_access *access;
	struct iommufd_object *obj;
	unsigned long last;
	int rc = 0;

	lockdep_assert_held(&ictx->lock);
	if (!len)
		return -EINVAL;
	if (__builtin_add_overflow(iova, len - 1, &last))
		return -EOVERFLOW;
	obj = iommufd_get_object(ictx, access_id, IOMMUFD_OBJ_ACCESS);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out;
	}
	access = container_of(obj, struct iommufd_access, obj);
	while (len) {
		struct iopt_area *area = iopt_find_area(&access->ioas->iopt, iova);
		phys_addr_t pa;
		size_t n;

		if (!area) {
			rc = -ENOENT;
			break;
		}
		if ((flags & IOMMUFD_ACCESS_RW_WRITE) && !(area->prot & IOMMU_WRITE)) {
			rc = -EPERM;
			break;
		}
		n = min_t(u64, len, area->last - iova + 1);
		/* Unpinned pages (no domain yet) are pinned for the copy. */
		rc = iopt_area_pin(&access->ioas->iopt, area);
		if (rc)
			break;
		pa = area->pa + (iova - area->iova);
		rc = (flags & IOMMUFD_ACCESS_RW_WRITE) ?
		     phys_write(ictx->k->mem, pa, data, n) :
		     phys_read(ictx->k->mem, pa, data, n);
		iopt_area_unpin(&access->ioas->iopt, area);
		if (rc)
			break;
		data = (u8 *)data + n;
		iova += n;
		len -= n;
	}
out:
	return rc;
}

int iommufd_access_rw(struct iommufd_ctx *ictx, u32 access_id,
		      unsigned long iova, void *data, size_t len,
		      unsigned int flags)
{
	int rc;

	mutex_lock(&ictx->lock);
	rc = iommufd_access_rw_locked(ictx, access_id, iova, data, len, flags);
	mutex_unlock(&ictx->lock);
	return rc;
}
