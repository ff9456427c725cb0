// SPDX-License-Identifier: MIT
/*
 * The driver's iommufd side (Linux's arm-smmu-v3-iommufd.c): hw_info
 * reports the SMMU's ID registers; a vIOMMU of type ARM_SMMUV3 over a
 * stage-2 nest parent carries the parent's VMID, makes nested domains from
 * the guest's vSTE, runs the guest's invalidation commands (virtual
 * StreamIDs turned into physical ones through the vIOMMU's vDEVICEs) and
 * receives the stage-1 events of its devices, forwarded to its vEVENTQ
 * with the virtual StreamID.
 *
 * Invalidation on behalf of a guest that owns the stage 1 of a nested
 * domain, in two shapes: through the vIOMMU (arm_vsmmu_cache_invalidate,
 * Linux's), and on a nested domain made over a bare parent
 * (arm_smmu_nested_cache_invalidate, for in-process callers).
 *
 * The guest's stage-1 TLB entries are tagged with the VMID of the stage-2
 * parent, so every TLBI the guest sends is re-aimed at that VMID whatever
 * it wrote there; a command may carry only the fields its opcode defines
 * (anything else could stop the shared queue with CERROR_ILL for every
 * device - Linux passes such bits through; ATC_INV, which Linux forwards,
 * is refused too, as this SMMU has no ATS).  Through the vIOMMU, a CD
 * invalidation names a vSID that the vIOMMU's vDEVICEs turn into a
 * StreamID; a bare nested domain has no vSID table, so there CD
 * invalidations go to the StreamIDs of the devices attached to it and the
 * guest's SID field is ignored (at worst wider than asked).
 */
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"
#include "kernel/iommufd/iommufd.h"

#define CMDQ_CFGI_0_SSID_MASK	GENMASK_ULL(31, 12)

static int arm_smmu_convert_user_cmd(struct arm_smmu_device *smmu, u16 vmid,
				     u64 *cmd)
{
	u64 allowed0 = CMDQ_0_OP, allowed1 = 0;
	u8 op = FIELD_GET(CMDQ_0_OP, cmd[0]);
	u64 asid_mask = FIELD_PREP(CMDQ_TLBI_0_ASID,
				   (1ULL << smmu->asid_bits) - 1);

	switch (op) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		break;
	case CMDQ_OP_TLBI_NH_VA:
		allowed0 |= asid_mask;
		/* fallthrough */
	case CMDQ_OP_TLBI_NH_VAA:
		if (smmu->features & ARM_SMMU_FEAT_RANGE_INV) {
			allowed0 |= CMDQ_TLBI_0_NUM | CMDQ_TLBI_0_SCALE;
			allowed1 |= CMDQ_TLBI_1_TG | CMDQ_TLBI_1_TTL;
		}
		allowed0 |= CMDQ_TLBI_0_VMID;
		allowed1 |= CMDQ_TLBI_1_LEAF | CMDQ_TLBI_1_VA_MASK;
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		allowed0 |= asid_mask;
		/* fallthrough */
	case CMDQ_OP_TLBI_NH_ALL:
		allowed0 |= CMDQ_TLBI_0_VMID;
		break;
	case CMDQ_OP_CFGI_CD:
		allowed0 |= CMDQ_CFGI_0_SSID_MASK | CMDQ_CFGI_0_SID;
		allowed1 |= CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		allowed0 |= CMDQ_CFGI_0_SID;
		break;
	default:
		return -EIO;
	}
	if ((cmd[0] & ~allowed0) || (cmd[1] & ~allowed1))
		return -EIO;

	switch (op) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		cmd[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_TLBI_NH_ALL) |
			 FIELD_PREP(CMDQ_TLBI_0_VMID, vmid);
		cmd[1] = 0;
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_ALL:
		cmd[0] = (cmd[0] & ~CMDQ_TLBI_0_VMID) |
			 FIELD_PREP(CMDQ_TLBI_0_VMID, vmid);
		break;
	}
	return 0;
}

/* CFGI_CD(_ALL) for every StreamID using nested; streams_mutex held. */
static int arm_smmu_nested_cfgi(struct arm_smmu_device *smmu,
				struct iommu_domain *nested, const u64 *cmd)
{
	struct arm_smmu_cmdq_batch batch;
	struct arm_smmu_master *master;

	arm_smmu_cmdq_batch_init(&batch);
	list_for_each_entry(master, &smmu->masters, node) {
		if (master->domain != nested)
			continue;
		for (unsigned int i = 0; i < master->num_streams; i++) {
			struct arm_smmu_cmdq_ent ent = {
				.opcode = FIELD_GET(CMDQ_0_OP, cmd[0]),
				.cfgi = {
					.sid = master->streams[i]->sid,
					.ssid = FIELD_GET(CMDQ_CFGI_0_SSID_MASK, cmd[0]),
					.leaf = cmd[1] & CMDQ_CFGI_1_LEAF,
				},
			};

			arm_smmu_cmdq_batch_add(smmu, &batch, &ent);
		}
	}
	return arm_smmu_cmdq_batch_submit(smmu, &batch);
}

int arm_smmu_nested_cache_invalidate(struct iommu_domain *nested,
				     const struct iommu_viommu_arm_smmuv3_invalidate *cmds,
				     u32 *entry_num)
{
	struct arm_smmu_nested_domain *nd;
	struct arm_smmu_device *smmu;
	u32 n, done = 0;
	int ret = 0;

	if (IS_ERR_OR_NULL(nested) || nested->ops != &arm_smmu_nested_ops ||
	    !entry_num)
		return -EINVAL;
	n = *entry_num;
	if (n && !cmds) {
		*entry_num = 0;
		return -EINVAL;
	}
	nd = to_nested_domain(nested);
	smmu = nd->s2_parent->smmu;

	while (done < n && !ret) {
		u64 batch[(CMDQ_BATCH_ENTRIES - 1) * CMDQ_ENT_DWORDS];
		u32 chunk = min_t(u32, n - done, CMDQ_BATCH_ENTRIES - 1);
		u32 tlbi = 0, i;

		/* One illegal command fails the whole chunk, issuing nothing. */
		for (i = 0; i < chunk; i++) {
			u64 *c = &batch[i * CMDQ_ENT_DWORDS];

			c[0] = cmds[done + i].cmd[0];
			c[1] = cmds[done + i].cmd[1];
			ret = arm_smmu_convert_user_cmd(smmu, nd->s2_parent->vmid, c);
			if (ret)
				break;
		}
		if (ret)
			break;
		/* TLBIs go out as they are; CFGIs are re-aimed per StreamID. */
		for (i = 0; i < chunk && !ret; i++) {
			u64 *c = &batch[i * CMDQ_ENT_DWORDS];
			u8 op = FIELD_GET(CMDQ_0_OP, c[0]);

			if (op == CMDQ_OP_CFGI_CD || op == CMDQ_OP_CFGI_CD_ALL) {
				mutex_lock(&smmu->streams_mutex);
				ret = arm_smmu_nested_cfgi(smmu, nested, c);
				mutex_unlock(&smmu->streams_mutex);
			} else {
				batch[tlbi * CMDQ_ENT_DWORDS] = c[0];
				batch[tlbi * CMDQ_ENT_DWORDS + 1] = c[1];
				tlbi++;
			}
		}
		if (!ret && tlbi)
			ret = arm_smmu_cmdq_issue_cmdlist(smmu, batch, tlbi, true);
		if (!ret)
			done += chunk;
	}
	*entry_num = done;
	return ret;
}

/* ------------------------------------------------------------ hw_info */

void *arm_smmu_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct iommu_hw_info_arm_smmuv3 *info;

	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
		return ERR_PTR(-EOPNOTSUPP);
	if (!master)
		return ERR_PTR(-ENODEV);
	info = kzalloc(dev->k, sizeof(*info));
	if (!info)
		return ERR_PTR(-ENOMEM);
	/* IDR0..IDR5 are consecutive words (Arm IHI0070 6.3.1-6.3.6). */
	for (unsigned int i = 0; i < 6; i++)
		info->idr[i] = arm_smmu_readl(master->smmu, ARM_SMMU_IDR0 + 4 * i);
	info->iidr = arm_smmu_readl(master->smmu, ARM_SMMU_IIDR);
	info->aidr = arm_smmu_readl(master->smmu, ARM_SMMU_AIDR);
	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	return info;
}

/* ------------------------------------------------------------ vIOMMU */

struct arm_vsmmu {
	struct iommufd_viommu core;	/* first: iommufd kfrees it */
	struct arm_smmu_device *smmu;
	struct arm_smmu_domain *s2_parent;
	u16 vmid;			/* the parent's */
};

static inline struct arm_vsmmu *to_vsmmu(struct iommufd_viommu *v)
{
	return container_of(v, struct arm_vsmmu, core);
}

static struct iommu_domain *
arm_vsmmu_alloc_domain_nested(struct iommufd_viommu *viommu, u32 flags,
			      const struct iommu_user_data *user_data)
{
	struct arm_vsmmu *vsmmu = to_vsmmu(viommu);
	struct arm_smmu_nested_domain *nd;

	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	nd = arm_smmu_nested_domain_create(vsmmu->smmu->k, vsmmu->s2_parent,
					   user_data);
	if (IS_ERR(nd))
		return ERR_CAST(nd);
	nd->vsmmu = viommu;
	return &nd->domain;
}

/* The guest's vSID as the physical StreamID of its vDEVICE, or -EIO. */
static int arm_vsmmu_vsid_to_sid(struct arm_vsmmu *vsmmu, u32 vsid, u32 *sid)
{
	struct device *dev = iommufd_viommu_find_dev(&vsmmu->core, vsid);
	struct arm_smmu_master *master;

	if (!dev || !(master = dev_iommu_priv_get(dev)) || !master->num_streams)
		return -EIO;
	*sid = master->streams[0]->sid;
	return 0;
}

/* The guest's command at the physical SMMU: 0, or -EIO for a bad one. */
static int arm_vsmmu_convert_user_cmd(struct arm_vsmmu *vsmmu, u64 *c)
{
	u8 op;
	u32 sid;
	int ret = arm_smmu_convert_user_cmd(vsmmu->smmu, vsmmu->vmid, c);

	if (ret)
		return ret;
	op = FIELD_GET(CMDQ_0_OP, c[0]);
	if (op != CMDQ_OP_CFGI_CD && op != CMDQ_OP_CFGI_CD_ALL)
		return 0;
	ret = arm_vsmmu_vsid_to_sid(vsmmu, FIELD_GET(CMDQ_CFGI_0_SID, c[0]), &sid);
	if (ret)
		return ret;
	c[0] = (c[0] & ~CMDQ_CFGI_0_SID) | FIELD_PREP(CMDQ_CFGI_0_SID, sid);
	return 0;
}

/* kcalloc's limit (KMALLOC_MAX_SIZE: order 10 of 4K pages) on the copy. */
#define ARM_VSMMU_MAX_CMDS	((4u << 20) / sizeof(struct iommu_viommu_arm_smmuv3_invalidate))

/*
 * Linux's arm_vsmmu_cache_invalidate, step for step: the whole array is
 * copied first (an empty one, another type, a bad entry size fail before
 * anything runs); then each command is checked and rewritten (TLBIs at
 * the parent's VMID, CFGI_CD(_ALL) at the StreamID of the vDEVICE named
 * by the guest's vSID) and they go to the command queue in batches of
 * CMDQ_BATCH_ENTRIES - 1.  A bad command stops the array with -EIO and
 * the batch it was in is not issued, though entry_num counts the commands
 * of that batch before it, as the kernel's cur - cmds does.  A failed
 * allocation leaves entry_num as it came (iommufd then reports it back),
 * which is also the kernel's.
 */
static int arm_vsmmu_cache_invalidate(struct iommufd_viommu *viommu,
				      struct iommu_user_data_array *array)
{
	struct arm_vsmmu *vsmmu = to_vsmmu(viommu);
	struct iommu_viommu_arm_smmuv3_invalidate *cmds;
	u32 n = array->entry_num, cur = 0, last = 0;
	int ret;

	/* Linux returns before "out:", so entry_num stays the caller's. */
	if (n > ARM_VSMMU_MAX_CMDS)
		return -ENOMEM;
	cmds = kzalloc(vsmmu->smmu->k, (n ? n : 1) * sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	ret = iommu_copy_struct_from_full_user_array(cmds, sizeof(*cmds), array,
			IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
	while (!ret && cur != n) {
		u64 batch[(CMDQ_BATCH_ENTRIES - 1) * CMDQ_ENT_DWORDS];

		ret = arm_vsmmu_convert_user_cmd(vsmmu, (u64 *)cmds[cur].cmd);
		if (ret)
			break;
		cur++;
		if (cur != n && cur - last != CMDQ_BATCH_ENTRIES - 1)
			continue;
		for (u32 i = last; i < cur; i++) {
			batch[(i - last) * CMDQ_ENT_DWORDS] = cmds[i].cmd[0];
			batch[(i - last) * CMDQ_ENT_DWORDS + 1] = cmds[i].cmd[1];
		}
		ret = arm_smmu_cmdq_issue_cmdlist(vsmmu->smmu, batch, cur - last, true);
		if (ret) {
			cur--;
			break;
		}
		last = cur;
	}
	array->entry_num = cur;
	kfree(cmds);
	return ret;
}

static void arm_vsmmu_destroy(struct iommufd_viommu *viommu)
{
	struct arm_vsmmu *vsmmu = to_vsmmu(viommu);

	mutex_lock(&vsmmu->smmu->streams_mutex);
	vsmmu->s2_parent->nested_users--;
	mutex_unlock(&vsmmu->smmu->streams_mutex);
}

static const struct iommufd_viommu_ops arm_vsmmu_ops = {
	.destroy = arm_vsmmu_destroy,
	.alloc_domain_nested = arm_vsmmu_alloc_domain_nested,
	.cache_invalidate = arm_vsmmu_cache_invalidate,
};

struct iommufd_viommu *arm_vsmmu_alloc(struct device *dev,
				       struct iommu_domain *parent,
				       struct iommufd_ctx *ictx,
				       unsigned int viommu_type,
				       const struct iommu_user_data *user_data)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_domain *pd;
	struct arm_vsmmu *vsmmu;

	(void)ictx;
	(void)user_data;	/* no blob for this type (mainline arm_vsmmu_init) */
	if (viommu_type != IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
		return ERR_PTR(-EOPNOTSUPP);
	if (!master)
		return ERR_PTR(-ENODEV);
	if (!(master->smmu->features & ARM_SMMU_FEAT_NESTING))
		return ERR_PTR(-EOPNOTSUPP);
	pd = arm_smmu_nest_parent(master, parent);
	if (IS_ERR(pd))
		return ERR_CAST(pd);
	vsmmu = kzalloc(dev->k, sizeof(*vsmmu));
	if (!vsmmu)
		return ERR_PTR(-ENOMEM);
	vsmmu->smmu = master->smmu;
	vsmmu->s2_parent = pd;
	vsmmu->vmid = pd->vmid;
	vsmmu->core.ops = &arm_vsmmu_ops;
	/* The parent outlives its vIOMMUs (its free WARNs otherwise). */
	mutex_lock(&pd->smmu->streams_mutex);
	pd->nested_users++;
	mutex_unlock(&pd->smmu->streams_mutex);
	return &vsmmu->core;
}

/* ------------------------------------------------------------ events */

/*
 * The event types arm_smmu_handle_event hands on at all: bad
 * configuration and the four translation faults.  The rest (fetch and
 * walk aborts, conflicts, ...) are the host's to log.
 */
static bool arm_smmu_event_forwardable(u8 id)
{
	switch (id) {
	case EVT_ID_BAD_STE:
	case EVT_ID_STREAM_DISABLED:
	case EVT_ID_BAD_SUBSTREAMID:
	case EVT_ID_BAD_CD:
	case EVT_ID_TRANSLATION:
	case EVT_ID_ADDR_SIZE:
	case EVT_ID_ACCESS:
	case EVT_ID_PERMISSION:
		return true;
	default:
		return false;
	}
}

/*
 * Linux's arm_vmaster_report_event: a forwardable stage-1 event (S2
 * clear, not a stall) of a master attached to a vIOMMU's nested domain
 * belongs to the guest: the record goes to the vEVENTQ with the vSID in
 * the SID field.  Runs under evtq_lock; streams_lock keeps the master's
 * vIOMMU stable.
 */
bool arm_smmu_report_vevent(struct arm_smmu_device *smmu, const u64 *raw,
			    const struct arm_smmu_event *evt)
{
	struct iommu_vevent_arm_smmuv3 rec;
	struct arm_smmu_master *master;
	bool sent = false;

	if (!evt->dev || evt->s2 || evt->stall ||
	    !arm_smmu_event_forwardable(evt->id))
		return false;
	master = dev_iommu_priv_get(evt->dev);
	if (!master)
		return false;
	spin_lock(&smmu->streams_lock);
	if (master->vsmmu) {
		for (int i = 0; i < 4; i++)
			rec.evt[i] = raw[i];
		rec.evt[0] = (rec.evt[0] & ~EVTQ_0_SID) |
			     FIELD_PREP(EVTQ_0_SID, master->vsid);
		sent = !iommufd_viommu_report_event(master->vsmmu,
						    IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
						    &rec, sizeof(rec));
	}
	spin_unlock(&smmu->streams_lock);
	return sent;
}
