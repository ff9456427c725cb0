// SPDX-License-Identifier: MIT
/*
 * The mock IOMMU's iommufd side (the shape of arm-smmu-v3-iommufd.c):
 * hw_info reports SMMUv3 ID registers; a vIOMMU of type ARM_SMMUV3 over a
 * nest parent turns the guest's STE words into a nested domain and the
 * guest's invalidation commands into the host's, rewriting virtual
 * StreamIDs into physical ones and stamping the vIOMMU's VMID, with the
 * checks and errnos arm-smmu-v3 has (-EIO for what a guest may not ask).
 * Nothing is sent to hardware: the rewritten commands are counted on the
 * parent domain (mock_domain_tlb_stats).
 */
#include "kernel/drivers/mock-iommu-priv.h"

/* STE fields a guest may set (Arm IHI0070 5.2; arm-smmu-v3's NESTING_ALLOWED). */
#define STE0_V			BIT_ULL(0)
#define STE0_CFG		GENMASK_ULL(3, 1)
#define STE0_S1FMT		GENMASK_ULL(5, 4)
#define STE0_S1CTXPTR		GENMASK_ULL(51, 6)
#define STE0_S1CDMAX		GENMASK_ULL(63, 59)
#define STE0_ALLOWED		(STE0_V | STE0_CFG | STE0_S1FMT | STE0_S1CTXPTR | \
				 STE0_S1CDMAX)
#define STE1_S1DSS		GENMASK_ULL(1, 0)
#define STE1_S1CIR		GENMASK_ULL(3, 2)
#define STE1_S1COR		GENMASK_ULL(5, 4)
#define STE1_S1CSH		GENMASK_ULL(7, 6)
#define STE1_S1STALLD		BIT_ULL(27)
#define STE1_EATS		GENMASK_ULL(29, 28)
#define STE1_ALLOWED		(STE1_S1DSS | STE1_S1CIR | STE1_S1COR | \
				 STE1_S1CSH | STE1_S1STALLD | STE1_EATS)
#define STE_CFG_ABORT		0
#define STE_CFG_BYPASS		4
#define STE_CFG_S1_TRANS	5
#define STE_EATS_ABT		0
#define STE_EATS_TRANS		1

/* Command opcodes and fields (Arm IHI0070 4.x). */
#define CMD_OP			GENMASK_ULL(7, 0)
#define CMD_SID			GENMASK_ULL(63, 32)
#define CMD_VMID		GENMASK_ULL(47, 32)
#define CMDQ_OP_CFGI_CD		0x05
#define CMDQ_OP_CFGI_CD_ALL	0x06
#define CMDQ_OP_TLBI_NH_ALL	0x10
#define CMDQ_OP_TLBI_NH_ASID	0x11
#define CMDQ_OP_TLBI_NH_VA	0x12
#define CMDQ_OP_TLBI_NH_VAA	0x13
#define CMDQ_OP_TLBI_NSNH_ALL	0x30
#define CMDQ_OP_ATC_INV		0x40

struct mock_viommu {
	struct iommufd_viommu core;	/* first: iommufd frees it */
	struct mock_domain *s2;
	u16 vmid;
};

static inline struct mock_viommu *to_mock_viommu(struct iommufd_viommu *v)
{
	return container_of(v, struct mock_viommu, core);
}

void *mock_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct iommu_hw_info_arm_smmuv3 *info;

	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
		return ERR_PTR(-EOPNOTSUPP);
	info = kzalloc(dev->k, sizeof(*info));
	if (!info)
		return ERR_PTR(-ENOMEM);
	info->idr[0] = MOCK_IDR0;
	info->idr[1] = MOCK_IDR1;
	info->idr[3] = MOCK_IDR3;
	info->idr[5] = MOCK_IDR5;
	info->iidr = MOCK_IIDR;
	info->aidr = MOCK_AIDR;
	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	return info;
}

static void mock_count_user_cmd(struct mock_domain *md, const u64 cmd[2])
{
	spin_lock(&md->stats_lock);
	md->stats.user_inv++;
	md->stats.last_user_cmd[0] = cmd[0];
	md->stats.last_user_cmd[1] = cmd[1];
	spin_unlock(&md->stats_lock);
}

/* ------------------------------------------------------------ nested */

static struct iommu_domain *
mock_viommu_alloc_domain_nested(struct iommufd_viommu *viommu, u32 flags,
				const struct iommu_user_data *user_data)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);
	struct iommu_hwpt_mock_nested s1 = {};
	struct iommu_hwpt_arm_smmuv3 arg;
	u64 ste0, ste1;
	int ret;

	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	ret = iommu_copy_struct_from_user(&arg, sizeof(arg), sizeof(arg),
					  user_data, IOMMU_HWPT_DATA_ARM_SMMUV3);
	if (ret)
		return ERR_PTR(ret);
	ste0 = arg.ste[0];
	ste1 = arg.ste[1];
	/* V=0 reads as an aborting STE (arm_smmu_validate_vste). */
	if (!(ste0 & STE0_V)) {
		ste0 = 0;
		ste1 = 0;
	}
	if ((ste0 & ~STE0_ALLOWED) || (ste1 & ~STE1_ALLOWED))
		return ERR_PTR(-EIO);
	switch (FIELD_GET(STE0_CFG, ste0)) {
	case STE_CFG_ABORT:
		s1.config = MOCK_S1_ABORT;
		break;
	case STE_CFG_BYPASS:
		s1.config = MOCK_S1_BYPASS;
		break;
	case STE_CFG_S1_TRANS:
		s1.config = MOCK_S1_TRANSLATE;
		s1.s1_ttb = ste0 & STE0_S1CTXPTR;
		break;
	default:
		return ERR_PTR(-EIO);
	}
	if (FIELD_GET(STE1_EATS, ste1) != STE_EATS_ABT &&
	    FIELD_GET(STE1_EATS, ste1) != STE_EATS_TRANS)
		return ERR_PTR(-EIO);
	{
		struct iommu_domain *d = mock_nested_create(mv->s2->m, mv->s2->k,
							    mv->s2, &s1);

		if (!IS_ERR(d))
			to_mock_domain(d)->viommu = viommu;
		return d;
	}
}

/* ------------------------------------------------------------ commands */

/* A guest command as the host would issue it, or -EIO (arm_vsmmu_convert_user_cmd). */
static int mock_convert_cmd(struct mock_viommu *mv, u64 cmd[2])
{
	struct iommu_fwspec *fwspec;
	struct device *dev;

	switch (FIELD_GET(CMD_OP, cmd[0])) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		cmd[0] = CMDQ_OP_TLBI_NH_ALL;
		__attribute__((fallthrough));
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_NH_ASID:
		cmd[0] &= ~CMD_VMID;
		cmd[0] |= FIELD_PREP(CMD_VMID, mv->vmid);
		return 0;
	case CMDQ_OP_ATC_INV:
	case CMDQ_OP_CFGI_CD:
	case CMDQ_OP_CFGI_CD_ALL:
		dev = iommufd_viommu_find_dev(&mv->core, FIELD_GET(CMD_SID, cmd[0]));
		fwspec = dev ? dev_iommu_fwspec_get(dev) : NULL;
		if (!fwspec || !fwspec->num_ids)
			return -EIO;
		cmd[0] &= ~CMD_SID;
		cmd[0] |= FIELD_PREP(CMD_SID, fwspec->ids[0]);
		return 0;
	default:
		return -EIO;
	}
}

/* Batches as arm-smmu-v3 issues them (CMDQ_BATCH_ENTRIES - 1). */
#define MOCK_INV_BATCH		63

/*
 * arm_vsmmu_cache_invalidate's shape: the whole array is copied first, the
 * commands are checked and rewritten, and "issued" (counted) a batch at a
 * time; a bad command stops the array with its batch unissued, entry_num
 * counting the commands before it.
 */
static int mock_viommu_cache_invalidate(struct iommufd_viommu *viommu,
					struct iommu_user_data_array *array)
{
	struct mock_viommu *mv = to_mock_viommu(viommu);
	struct iommu_viommu_arm_smmuv3_invalidate *cmds;
	u32 n = array->entry_num, cur = 0, last = 0;
	int ret;

	/* As arm-smmu-v3: -ENOMEM leaves entry_num as the caller wrote it. */
	if (n > (4u << 20) / sizeof(*cmds))
		return -ENOMEM;
	cmds = kzalloc(mv->s2->k, (n ? n : 1) * sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	ret = iommu_copy_struct_from_full_user_array(cmds, sizeof(*cmds), array,
			IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
	while (!ret && cur != n) {
		ret = mock_convert_cmd(mv, (u64 *)cmds[cur].cmd);
		if (ret)
			break;
		cur++;
		if (cur != n && cur - last != MOCK_INV_BATCH)
			continue;
		for (; last < cur; last++)
			mock_count_user_cmd(mv->s2, (u64 *)cmds[last].cmd);
	}
	array->entry_num = cur;
	kfree(cmds);
	return ret;
}

/* A nested domain's own invalidation: stage-1 TLBIs only. */
int mock_nested_cache_invalidate_user(struct iommu_domain *domain,
				      struct iommu_user_data_array *array)
{
	struct mock_domain *md = to_mock_domain(domain);
	struct iommu_viommu_arm_smmuv3_invalidate inv;
	u32 i;
	int ret = 0;

	for (i = 0; i < array->entry_num; i++) {
		u64 cmd[2];

		ret = iommu_copy_struct_from_user_array(&inv, sizeof(inv),
				sizeof(inv), array,
				IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, i);
		if (ret)
			break;
		cmd[0] = inv.cmd[0];
		cmd[1] = inv.cmd[1];
		switch (FIELD_GET(CMD_OP, cmd[0])) {
		case CMDQ_OP_TLBI_NH_VA:
		case CMDQ_OP_TLBI_NH_VAA:
		case CMDQ_OP_TLBI_NH_ALL:
		case CMDQ_OP_TLBI_NH_ASID:
			mock_count_user_cmd(md, cmd);
			continue;
		default:
			ret = -EIO;
		}
		break;
	}
	array->entry_num = i;
	return ret;
}

/* ------------------------------------------------------------ vIOMMU */

static void mock_viommu_destroy(struct iommufd_viommu *viommu)
{
	to_mock_viommu(viommu)->s2->nested_users--;
}

static const struct iommufd_viommu_ops mock_viommu_ops = {
	.destroy = mock_viommu_destroy,
	.alloc_domain_nested = mock_viommu_alloc_domain_nested,
	.cache_invalidate = mock_viommu_cache_invalidate,
};

struct iommufd_viommu *mock_viommu_alloc(struct device *dev,
					 struct iommu_domain *parent,
					 struct iommufd_ctx *ictx,
					 unsigned int viommu_type,
					 const struct iommu_user_data *user_data)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct mock_viommu *mv;
	struct mock_domain *pd;

	(void)ictx;
	(void)user_data;
	if (viommu_type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
		return ERR_PTR(-EOPNOTSUPP);
	if (!is_mock_domain(parent) || !(parent->type & __IOMMU_DOMAIN_PAGING))
		return ERR_PTR(-EINVAL);
	pd = to_mock_domain(parent);
	if (!pd->nest_parent || pd->m != master->m)
		return ERR_PTR(-EINVAL);
	mv = kzalloc(dev->k, sizeof(*mv));
	if (!mv)
		return ERR_PTR(-ENOMEM);
	mv->s2 = pd;
	pd->nested_users++;	/* the parent outlives its vIOMMUs */
	mv->vmid = MOCK_VMID_BASE;
	mv->core.ops = &mock_viommu_ops;
	return &mv->core;
}

int mock_viommu_vmid(struct iommufd_viommu *viommu)
{
	return viommu->ops == &mock_viommu_ops ? to_mock_viommu(viommu)->vmid :
						   -EINVAL;
}

int mock_iommu_raise_event(struct device *dev, const u64 evt[4])
{
	struct iommu_domain *domain = mock_iommu_attached_domain(dev);
	struct iommu_vevent_arm_smmuv3 rec;
	struct iommufd_viommu *viommu;
	unsigned long vsid;
	int ret;

	if (!is_mock_domain(domain) || domain->type != IOMMU_DOMAIN_NESTED ||
	    !(viommu = to_mock_domain(domain)->viommu))
		return -EOPNOTSUPP;
	ret = iommufd_viommu_get_vdev_id(viommu, dev, &vsid);
	if (ret)
		return ret;
	for (int i = 0; i < 4; i++)
		rec.evt[i] = evt[i];
	rec.evt[0] &= ~CMD_SID;
	rec.evt[0] |= FIELD_PREP(CMD_SID, vsid);
	return iommufd_viommu_report_event(viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
					   &rec, sizeof(rec));
}
