// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD's PASID ops (mainline drivers/iommu/iommufd/selftest.c,
 * torvalds/linux 20896914da8a: iommufd_test_pasid_attach, _replace,
 * _detach, _check_hwpt): PASID attachment of a mock device's PASIDs driven
 * from user space, through kernel/iommufd/device-pasid.c.  Apart from
 * selftest.c only to keep files small; it runs under ictx->lock like
 * every command.
 */
#include "include/uapi/linux/iommufd_test.h"
#include "kernel/iommufd/iommufd-priv.h"

/*
 * PASID_ATTACH / _REPLACE / _DETACH / _CHECK_HWPT on the stdev's device
 * (mainline iommufd_test_pasid_*): attach answers the command back and
 * undoes itself if it cannot; check with hwpt_id 0 asks that nothing is
 * attached, else that the PASID uses that HWPT's domain.
 */
int iommufd_test_pasid(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommu_domain *attached;
	struct iommufd_object *pt;
	u32 idev_id;
	int rc;

	rc = iommufd_test_stdev_idev(ictx, cmd->id, &idev_id);
	if (rc)
		return rc;
	switch (cmd->op) {
	case IOMMU_TEST_OP_PASID_ATTACH:
		rc = iommufd_device_pasid_attach(ictx, idev_id, cmd->pasid_attach.pasid,
						 &cmd->pasid_attach.pt_id);
		if (rc)
			return rc;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
		if (rc)
			iommufd_device_pasid_detach(ictx, idev_id, cmd->pasid_attach.pasid);
		return rc;
	case IOMMU_TEST_OP_PASID_REPLACE:
		rc = iommufd_device_pasid_replace(ictx, idev_id, cmd->pasid_replace.pasid,
						  &cmd->pasid_replace.pt_id);
		return rc ? rc : iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_TEST_OP_PASID_DETACH:
		return iommufd_device_pasid_detach(ictx, idev_id, cmd->pasid_detach.pasid);
	default:	/* IOMMU_TEST_OP_PASID_CHECK_HWPT */
		attached = iommufd_device_pasid_domain(ictx, idev_id, cmd->pasid_check.pasid);
		if (!cmd->pasid_check.hwpt_id)
			return attached ? -EINVAL : 0;
		pt = iommufd_get_object(ictx, cmd->pasid_check.hwpt_id, IOMMUFD_OBJ_ANY);
		if (IS_ERR(pt))
			return PTR_ERR(pt);
		if (pt->type != IOMMUFD_OBJ_HWPT_NESTED &&
		    pt->type != IOMMUFD_OBJ_HWPT_PAGING)
			return -EINVAL;
		return attached == container_of(pt, struct iommufd_hw_pagetable,
						obj)->domain ? 0 : -EINVAL;
	}
}
