// SPDX-License-Identifier: MIT
/*
 * vIOMMU and vDEVICE objects (drivers/iommu/iommufd/viommu.c): a vIOMMU is
 * the driver's slice of one physical IOMMU for one VM, over a NEST_PARENT
 * paging HWPT (the VM's stage 2); a vDEVICE says which physical device a
 * virtual ID (for SMMUv3: the StreamID the guest uses) names in it, so the
 * driver can turn the guest's commands and the hardware's events between
 * the two.  Plus the copy helpers drivers use on user arrays.
 */
#include "kernel/iommufd/iommufd-priv.h"

/*
 * copy_struct_from_user(): a shorter source is zero-extended, a longer one
 * must have a zero tail (-E2BIG); NULL is the -EFAULT we can see.
 */
static int copy_struct(void *dst, size_t dst_size, const void *src, size_t len)
{
	const u8 *p = src;

	if (!p)
		return -EFAULT;
	for (size_t i = dst_size; i < len; i++)
		if (p[i])
			return -E2BIG;
	memset(dst, 0, dst_size);
	memcpy(dst, p, min(dst_size, len));
	return 0;
}

/*
 * __iommu_copy_struct_from_user(): unlike copy_struct_from_user, a blob
 * longer than the driver's struct is -EINVAL whatever its tail holds.
 */
int iommu_copy_struct_from_user(void *dst, size_t dst_size, size_t min_size,
				const struct iommu_user_data *user_data,
				unsigned int data_type)
{
	if (!user_data || user_data->type != data_type)
		return -EINVAL;
	if (user_data->len < min_size || dst_size < user_data->len)
		return -EINVAL;
	return copy_struct(dst, dst_size, user_data->uptr, user_data->len);
}

int iommu_copy_struct_to_user(struct iommufd_ctx *ictx,
			      const struct iommu_user_data *dst,
			      const void *src, size_t src_size, size_t min_size,
			      unsigned int data_type)
{
	if (!dst || !src || dst->type != data_type)
		return -EINVAL;
	if (dst->len < min_size || src_size < dst->len)
		return -EINVAL;
	return iommufd_copy_to_user(ictx, (void *)dst->uptr, src, dst->len);
}

int iommu_copy_struct_from_user_array(void *dst, size_t dst_size,
				      size_t min_size,
				      const struct iommu_user_data_array *array,
				      unsigned int data_type, unsigned int index)
{
	struct iommu_user_data one;

	if (!array || array->type != data_type)
		return -EINVAL;
	if (index >= array->entry_num)
		return -EINVAL;
	one.type = data_type;
	one.uptr = (const u8 *)array->uptr + (size_t)index * array->entry_len;
	one.len = array->entry_len;
	return iommu_copy_struct_from_user(dst, dst_size, min_size, &one,
					   data_type);
}

int iommu_copy_struct_from_full_user_array(void *dst, size_t entry_size,
					   const struct iommu_user_data_array *array,
					   unsigned int data_type)
{
	if (!array || array->type != data_type || !array->entry_num)
		return -EINVAL;
	for (u32 i = 0; i < array->entry_num; i++) {
		int ret = copy_struct((u8 *)dst + i * entry_size, entry_size,
				      (const u8 *)array->uptr +
				      (size_t)i * array->entry_len,
				      array->entry_len);

		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------ vIOMMU */

int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	const struct iommu_user_data user_data = {
		.type = cmd->type,
		.uptr = (const void *)(uintptr_t)cmd->data_uptr,
		.len = cmd->data_len,
	};
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	struct iommufd_device *idev;
	const struct iommu_ops *ops;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	ops = dev_iommu_ops(idev->dev);
	if (!ops->viommu_alloc)
		return -EOPNOTSUPP;
	obj = iommufd_get_object(ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt_paging, common.obj);
	if (!hwpt->nest_parent)
		return -EINVAL;
	viommu = ops->viommu_alloc(idev->dev, hwpt->common.domain, ictx,
				   cmd->type, user_data.len ? &user_data : NULL);
	if (IS_ERR_OR_NULL(viommu))
		return viommu ? PTR_ERR(viommu) : -ENOMEM;
	viommu->type = cmd->type;
	viommu->ictx = ictx;
	viommu->hwpt = hwpt;
	viommu->parent = hwpt->common.domain;
	viommu->iommu_dev = idev->dev->iommu->iommu_dev;
	INIT_LIST_HEAD(&viommu->vdevs);
	INIT_LIST_HEAD(&viommu->veventqs);
	rc = iommufd_object_add(ictx, &viommu->obj, IOMMUFD_OBJ_VIOMMU);
	if (rc) {
		if (viommu->ops && viommu->ops->destroy)
			viommu->ops->destroy(viommu);
		kfree(viommu);
		return rc;
	}
	hwpt->common.obj.users++;
	cmd->out_viommu_id = viommu->obj.id;
	return iommufd_ucmd_respond_new(ucmd, sizeof(*cmd), &viommu->obj);
}

void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu =
		container_of(obj, struct iommufd_viommu, obj);

	if (viommu->ops && viommu->ops->destroy)
		viommu->ops->destroy(viommu);
	viommu->hwpt->common.obj.users--;
	kfree(viommu);
}

/* ------------------------------------------------------------ vDEVICE */

int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_vdevice *vdev, *pos;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	struct iommufd_device *idev;
	int rc;

	obj = iommufd_get_object(ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct iommufd_viommu, obj);
	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (viommu->iommu_dev != idev->dev->iommu->iommu_dev)
		return -EINVAL;
	if (idev->vdev)
		return -EEXIST;
	list_for_each_entry(pos, &viommu->vdevs, node)
		if (pos->virt_id == cmd->virt_id)
			return -EEXIST;
	vdev = kzalloc(ictx->k, sizeof(*vdev));
	if (!vdev)
		return -ENOMEM;
	vdev->viommu = viommu;
	vdev->idev = idev;
	vdev->virt_id = cmd->virt_id;
	rc = iommufd_object_add(ictx, &vdev->obj, IOMMUFD_OBJ_VDEVICE);
	if (rc) {
		kfree(vdev);
		return rc;
	}
	mutex_lock(&ictx->events_lock);
	list_add_tail(&vdev->node, &viommu->vdevs);
	mutex_unlock(&ictx->events_lock);
	idev->vdev = vdev;
	viommu->obj.users++;
	cmd->out_vdevice_id = vdev->obj.id;
	return iommufd_ucmd_respond_new(ucmd, sizeof(*cmd), &vdev->obj);
}

void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_ctx *ictx = vdev->viommu->ictx;

	mutex_lock(&ictx->events_lock);
	list_del(&vdev->node);
	mutex_unlock(&ictx->events_lock);
	vdev->idev->vdev = NULL;
	vdev->viommu->obj.users--;
	kfree(vdev);
}

struct device *iommufd_viommu_find_dev(struct iommufd_viommu *viommu,
				       unsigned long vdev_id)
{
	struct iommufd_vdevice *vdev;
	struct device *dev = NULL;

	mutex_lock(&viommu->ictx->events_lock);
	list_for_each_entry(vdev, &viommu->vdevs, node) {
		if (vdev->virt_id == vdev_id) {
			dev = vdev->idev->dev;
			break;
		}
	}
	mutex_unlock(&viommu->ictx->events_lock);
	return dev;
}

int iommufd_viommu_get_vdev_id(struct iommufd_viommu *viommu,
			       struct device *dev, unsigned long *vdev_id)
{
	struct iommufd_vdevice *vdev;
	int rc = -ENOENT;

	mutex_lock(&viommu->ictx->events_lock);
	list_for_each_entry(vdev, &viommu->vdevs, node) {
		if (vdev->idev->dev == dev) {
			*vdev_id = vdev->virt_id;
			rc = 0;
			break;
		}
	}
	mutex_unlock(&viommu->ictx->events_lock);
	return rc;
}
