// SPDX-License-Identifier: MIT
/*
 * HWPT objects (drivers/iommu/iommufd/hw_pagetable.c): a paging HWPT is an
 * IOMMU domain mirroring an IOAS (a NEST_PARENT one is a stage 2 another
 * HWPT can nest over); a nested HWPT is a driver domain built from a user
 * blob (the guest's vSTE) over a parent or a vIOMMU.  iommufd owns their
 * software MSI (kernel/sw-msi.c, cookie_type IOMMUFD), so doorbells of a
 * nested domain's devices go into the parent's stage 2 at the group's
 * SW_MSI window, the parent found by iommufd itself (mainline).
 */
#include "kernel/iommufd/iommufd-priv.h"

void iommufd_hwpt_destroy(struct iommufd_object *obj)
{
	struct iommufd_hw_pagetable *hwpt =
		container_of(obj, struct iommufd_hw_pagetable, obj);

	if (hwpt->fault)
		hwpt->fault->common.obj.users--;
	if (obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
		struct iommufd_hwpt_paging *p = to_hwpt_paging(hwpt);

		iopt_table_remove_domain(&p->ioas->iopt, hwpt->domain);
		list_del(&p->hwpt_item);
		p->ioas->obj.users--;
	} else {
		struct iommufd_hwpt_nested *n = to_hwpt_nested(hwpt);

		n->parent->common.obj.users--;
		if (n->viommu)
			n->viommu->obj.users--;
	}
	sw_msi_domain_release(hwpt->domain);
	iommu_domain_free(hwpt->domain);
	kfree(hwpt);
}

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain,
			  const struct iommu_user_data *user_data)
{
	const u32 valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				IOMMU_HWPT_FAULT_ID_VALID |
				IOMMU_HWPT_ALLOC_PASID;
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommufd_hwpt_paging *p;
	struct iommu_domain *domain;
	int rc;

	if ((flags & ~valid_flags) || (user_data && !ops->domain_alloc_paging_flags))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_FAULT_ID_VALID) &&
	    (flags & IOMMU_HWPT_ALLOC_NEST_PARENT))
		return ERR_PTR(-EOPNOTSUPP);

	p = kzalloc(ictx->k, sizeof(*p));
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (!user_data) {
		/* PASID support is iommufd's bookkeeping here: not the driver's. */
		domain = iommu_paging_domain_alloc_flags(idev->dev,
					flags & ~(IOMMU_HWPT_FAULT_ID_VALID |
						  IOMMU_HWPT_ALLOC_PASID));
	} else {
		/* Driver data for a paging domain: straight to the driver. */
		domain = ops->domain_alloc_paging_flags(idev->dev,
				flags & ~(IOMMU_HWPT_FAULT_ID_VALID |
					  IOMMU_HWPT_ALLOC_PASID), user_data);
		if (!IS_ERR_OR_NULL(domain)) {
			domain->type = IOMMU_DOMAIN_UNMANAGED;
			domain->owner = ops;
			domain->k = idev->dev->k;
			if (!domain->ops)
				domain->ops = ops->default_domain_ops;
			if (!domain->pgsize_bitmap)
				domain->pgsize_bitmap = ops->pgsize_bitmap;
		}
	}
	if (IS_ERR_OR_NULL(domain)) {
		rc = domain ? PTR_ERR(domain) : -ENOMEM;
		goto err_free;
	}
	p->common.domain = domain;
	p->ioas = ioas;
	p->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	p->common.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	p->auto_domain = auto_domain;
	rc = sw_msi_domain_init(ictx->sw_msi, domain, NULL);
	if (rc)
		goto err_domain;
	rc = iopt_table_add_domain(&ioas->iopt, domain);
	if (rc)
		goto err_msi;
	rc = iommufd_object_add(ictx, &p->common.obj, IOMMUFD_OBJ_HWPT_PAGING);
	if (rc)
		goto err_table;
	list_add_tail(&p->hwpt_item, &ioas->hwpt_list);
	ioas->obj.users++;
	return p;

err_table:
	iopt_table_remove_domain(&ioas->iopt, domain);
err_msi:
	sw_msi_domain_release(domain);
err_domain:
	iommu_domain_free(domain);
err_free:
	kfree(p);
	return ERR_PTR(rc);
}

static struct iommufd_hwpt_nested *
hwpt_nested_finish(struct iommufd_ctx *ictx, struct iommufd_hwpt_nested *n,
		   struct iommu_domain *domain, const struct iommu_ops *ops)
{
	int rc;

	if (IS_ERR_OR_NULL(domain)) {
		rc = domain ? PTR_ERR(domain) : -ENOMEM;
		goto err_free;
	}
	domain->owner = ops;
	domain->k = ictx->k;
	rc = -EINVAL;
	if (KWARN_ON(ictx->k, domain->type != IOMMU_DOMAIN_NESTED))
		goto err_domain;
	n->common.domain = domain;
	/* iommufd knows the parent: doorbells go into its stage 2. */
	rc = sw_msi_domain_init(ictx->sw_msi, domain, n->parent->common.domain);
	if (rc)
		goto err_domain;
	rc = iommufd_object_add(ictx, &n->common.obj, IOMMUFD_OBJ_HWPT_NESTED);
	if (rc)
		goto err_msi;
	n->parent->common.obj.users++;
	if (n->viommu)
		n->viommu->obj.users++;
	return n;

err_msi:
	sw_msi_domain_release(domain);
err_domain:
	iommu_domain_free(domain);
err_free:
	kfree(n);
	return ERR_PTR(rc);
}

static struct iommufd_hwpt_nested *
iommufd_hwpt_nested_alloc(struct iommufd_ctx *ictx,
			  struct iommufd_hwpt_paging *parent,
			  struct iommufd_device *idev, u32 flags,
			  const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops = dev_iommu_ops(idev->dev);
	struct iommufd_hwpt_nested *n;

	if ((flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID)) ||
	    !user_data->len || !ops->domain_alloc_nested)
		return ERR_PTR(-EOPNOTSUPP);
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->common.domain->owner != ops)
		return ERR_PTR(-EINVAL);
	n = kzalloc(ictx->k, sizeof(*n));
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->parent = parent;
	n->common.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	return hwpt_nested_finish(ictx, n,
		ops->domain_alloc_nested(idev->dev, parent->common.domain,
					 flags & ~IOMMU_HWPT_FAULT_ID_VALID,
					 user_data), ops);
}

static struct iommufd_hwpt_nested *
iommufd_viommu_alloc_hwpt_nested(struct iommufd_ctx *ictx,
				 struct iommufd_viommu *viommu,
				 struct iommufd_device *idev, u32 flags,
				 const struct iommu_user_data *user_data)
{
	struct iommufd_hwpt_nested *n;

	if (flags & ~(IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID))
		return ERR_PTR(-EOPNOTSUPP);
	if (!user_data->len)
		return ERR_PTR(-EOPNOTSUPP);
	if (!viommu->ops || !viommu->ops->alloc_domain_nested)
		return ERR_PTR(-EOPNOTSUPP);
	/* The device and the vIOMMU must sit on the same IOMMU instance. */
	if (idev->dev->iommu->iommu_dev != viommu->iommu_dev)
		return ERR_PTR(-EINVAL);
	n = kzalloc(ictx->k, sizeof(*n));
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->parent = viommu->hwpt;
	n->viommu = viommu;
	n->common.pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	return hwpt_nested_finish(ictx, n,
		viommu->ops->alloc_domain_nested(viommu,
			flags & ~IOMMU_HWPT_FAULT_ID_VALID, user_data),
		viommu->iommu_dev->ops);
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	const struct iommu_user_data user_data = {
		.type = cmd->data_type,
		.uptr = (const void *)(uintptr_t)cmd->data_uptr,
		.len = cmd->data_len,
	};
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_fault *fault = NULL;
	struct iommufd_object *pt_obj;
	struct iommufd_device *idev;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	pt_obj = iommufd_get_object(ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_IOAS: {
		struct iommufd_hwpt_paging *p = iommufd_hwpt_paging_alloc(ictx,
			container_of(pt_obj, struct iommufd_ioas, obj), idev,
			cmd->flags, false,
			cmd->data_type == IOMMU_HWPT_DATA_NONE ? NULL : &user_data);

		if (IS_ERR(p))
			return PTR_ERR(p);
		hwpt = &p->common;
		break;
	}
	case IOMMUFD_OBJ_HWPT_PAGING: {
		struct iommufd_hwpt_nested *n = iommufd_hwpt_nested_alloc(ictx,
			container_of(pt_obj, struct iommufd_hwpt_paging, common.obj),
			idev, cmd->flags, &user_data);

		if (IS_ERR(n))
			return PTR_ERR(n);
		hwpt = &n->common;
		break;
	}
	case IOMMUFD_OBJ_VIOMMU: {
		struct iommufd_hwpt_nested *n = iommufd_viommu_alloc_hwpt_nested(
			ictx, container_of(pt_obj, struct iommufd_viommu, obj),
			idev, cmd->flags, &user_data);

		if (IS_ERR(n))
			return PTR_ERR(n);
		hwpt = &n->common;
		break;
	}
	default:
		return -EINVAL;
	}
	/* The fault queue is looked up once the HWPT exists, as Linux does. */
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_object *f = iommufd_get_object(ictx, cmd->fault_id,
							      IOMMUFD_OBJ_FAULT);

		if (IS_ERR(f)) {
			KWARN_ON(ictx->k, iommufd_destroy_object(ictx, &hwpt->obj));
			return PTR_ERR(f);
		}
		fault = container_of(f, struct iommufd_fault, common.obj);
		hwpt->fault = fault;
		fault->common.obj.users++;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	return iommufd_ucmd_respond_new(ucmd, sizeof(*cmd), &hwpt->obj);
}

int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommu_user_data_array data_array = {
		.type = cmd->data_type,
		.uptr = (void *)(uintptr_t)cmd->data_uptr,
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct iommufd_object *pt_obj;
	u32 done_num = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len)) {
		rc = -EINVAL;
		goto out;
	}
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = PTR_ERR(pt_obj);
		goto out;
	}
	if (pt_obj->type == IOMMUFD_OBJ_HWPT_NESTED) {
		struct iommu_domain *domain =
			container_of(pt_obj, struct iommufd_hw_pagetable, obj)->domain;

		if (!domain->ops->cache_invalidate_user) {
			rc = -EOPNOTSUPP;
			goto out;
		}
		rc = domain->ops->cache_invalidate_user(domain, &data_array);
	} else if (pt_obj->type == IOMMUFD_OBJ_VIOMMU) {
		struct iommufd_viommu *viommu =
			container_of(pt_obj, struct iommufd_viommu, obj);

		if (!viommu->ops || !viommu->ops->cache_invalidate) {
			rc = -EOPNOTSUPP;
			goto out;
		}
		rc = viommu->ops->cache_invalidate(viommu, &data_array);
	} else {
		rc = -EINVAL;
		goto out;
	}
	done_num = data_array.entry_num;
out:
	/* Early failures report nothing handled, as the kernel's done_num. */
	cmd->entry_num = done_num;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;		/* before rc, as in Linux */
	return rc;
}
