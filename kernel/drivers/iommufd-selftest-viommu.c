// SPDX-License-Identifier: MIT
/*
 * The selftest mock driver's vIOMMU (mainline drivers/iommu/iommufd/
 * selftest.c, read at commit 20896914da8a: mock_viommu_alloc,
 * mock_viommu_alloc_domain_nested, mock_viommu_cache_invalidate,
 * mock_viommu_init, mock_domain_nop_attach, mock_hw_queue_init_phys):
 * IOMMU_VIOMMU_TYPE_SELFTEST over a mock nest parent, with the in_data ->
 * out_data loopback of its blob; nested domains made through it;
 * invalidations that clear entries of the pretend cache of the device a
 * virtual ID names; the device's vIOMMU and virtual ID, which
 * IOMMU_TEST_OP_TRIGGER_VEVENT reports and IOMMU_TEST_OP_DEV_CHECK_CACHE
 * reads; and IOMMU_HW_QUEUE_TYPE_SELFTEST queues, each after the one
 * before.
 */
#include <string.h>

#include "kernel/drivers/iommufd-selftest-priv.h"

struct selftest_hw_queue;

struct selftest_viommu {
	struct iommufd_viommu core;	/* first: iommufd kfrees it */
	struct mock_domain *s2_parent;
	struct kernel *k;
	struct selftest_hw_queue *hw_queue[IOMMU_TEST_HW_QUEUE_MAX];
};

/* mainline's mock_hw_queue: a queue slot, chained to the one before. */
struct selftest_hw_queue {
	struct iommufd_hw_queue core;	/* first: iommufd kfrees it */
	struct selftest_viommu *sv;
	struct selftest_hw_queue *prev;
	u16 index;
};

static struct selftest_viommu *to_sv(struct iommufd_viommu *viommu)
{
	return container_of(viommu, struct selftest_viommu, core);
}

static struct iommu_domain *
viommu_alloc_domain_nested(struct iommufd_viommu *viommu, u32 flags,
			   const struct iommu_user_data *user_data)
{
	struct selftest_viommu *sv = to_sv(viommu);
	struct iommu_domain *d;

	if (flags & ~IOMMU_HWPT_ALLOC_PASID)
		return ERR_PTR(-EOPNOTSUPP);
	d = selftest_nested_create(sv->k, sv->s2_parent, user_data);
	if (!IS_ERR(d))
		container_of(d, struct mock_nested, domain)->viommu = viommu;
	return d;
}

/* One command: clear cache entry cache_id (or all) of the device vdev_id names. */
static int viommu_invalidate_one(struct iommufd_viommu *viommu,
				 const struct iommu_viommu_invalidate_selftest *inv)
{
	struct device *dev;
	struct mock_dev *mdev;

	if (inv->flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
		return -EOPNOTSUPP;
	if (inv->cache_id > MOCK_DEV_CACHE_ID_MAX)
		return -EINVAL;
	dev = iommufd_viommu_find_dev(viommu, inv->vdev_id);
	if (!dev || !selftest_is_mock_dev(dev))
		return -EINVAL;
	mdev = to_mdev(dev);
	if (inv->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
		memset(mdev->cache, 0, sizeof(mdev->cache));
	else
		mdev->cache[inv->cache_id] = 0;
	return 0;
}

static int viommu_cache_invalidate(struct iommufd_viommu *viommu,
				   struct iommu_user_data_array *array)
{
	struct iommu_viommu_invalidate_selftest *cmds;
	u32 done = 0;
	int rc;

	/* An empty array checks the type. */
	if (!array->entry_num &&
	    array->type == IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
		return 0;
	cmds = kzalloc(to_sv(viommu)->k, (size_t)array->entry_num * sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	rc = iommu_copy_struct_from_full_user_array(cmds, sizeof(*cmds), array,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST);
	while (!rc && done < array->entry_num) {
		rc = viommu_invalidate_one(viommu, &cmds[done]);
		if (!rc)
			done++;
	}
	array->entry_num = done;
	kfree(cmds);
	return rc;
}

static size_t viommu_get_hw_queue_size(struct iommufd_viommu *viommu,
				       unsigned int queue_type)
{
	(void)viommu;
	return queue_type == IOMMU_HW_QUEUE_TYPE_SELFTEST ?
	       sizeof(struct selftest_hw_queue) : 0;
}

static void hw_queue_destroy(struct iommufd_hw_queue *hw_queue)
{
	struct selftest_hw_queue *q = (struct selftest_hw_queue *)hw_queue;

	q->sv->hw_queue[q->index] = NULL;
	if (q->prev)
		iommufd_hw_queue_undepend(&q->core, &q->prev->core);
}

/*
 * mock_hw_queue_init_phys: slots 0..IOMMU_TEST_HW_QUEUE_MAX - 1, each
 * after the one before (-EIO) and once (-EEXIST); the physical address
 * must be what the nesting parent maps the queue's IOVA to (-EFAULT: the
 * core converted it wrong).
 */
static int viommu_hw_queue_init_phys(struct iommufd_hw_queue *hw_queue, u32 index,
				     phys_addr_t base_addr_pa)
{
	struct selftest_hw_queue *q = (struct selftest_hw_queue *)hw_queue;
	struct selftest_viommu *sv = to_sv(hw_queue->viommu);
	struct selftest_hw_queue *prev = NULL;
	phys_addr_t pa;
	int rc;

	if (index >= IOMMU_TEST_HW_QUEUE_MAX)
		return -EINVAL;
	if (sv->hw_queue[index])
		return -EEXIST;
	if (index) {
		prev = sv->hw_queue[index - 1];
		if (!prev)
			return -EIO;
	}
	if (selftest_domain_lookup(&sv->s2_parent->domain, hw_queue->base_addr, &pa) ||
	    pa != base_addr_pa)
		return -EFAULT;
	if (prev) {
		rc = iommufd_hw_queue_depend(&q->core, &prev->core);
		if (rc)
			return rc;
	}
	q->prev = prev;
	q->sv = sv;
	q->index = (u16)index;
	sv->hw_queue[index] = q;
	hw_queue->destroy = hw_queue_destroy;
	return 0;
}

static const struct iommufd_viommu_ops selftest_viommu_ops = {
	.alloc_domain_nested = viommu_alloc_domain_nested,
	.cache_invalidate = viommu_cache_invalidate,
	.get_hw_queue_size = viommu_get_hw_queue_size,
	.hw_queue_init_phys = viommu_hw_queue_init_phys,
};

struct iommufd_viommu *selftest_viommu_alloc(struct device *dev,
					     struct iommu_domain *parent,
					     struct iommufd_ctx *ictx,
					     unsigned int viommu_type,
					     const struct iommu_user_data *user_data)
{
	struct iommu_viommu_selftest data;
	struct selftest_viommu *sv;
	int rc;

	if (viommu_type != IOMMU_VIOMMU_TYPE_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	if (!selftest_is_paging_domain(parent))
		return ERR_PTR(-EINVAL);
	/* mock_viommu_init: the blob's in_data comes back as out_data. */
	if (user_data) {
		rc = iommu_copy_struct_from_user(&data, sizeof(data),
						 sizeof(struct iommu_viommu_selftest),
						 user_data, IOMMU_VIOMMU_TYPE_SELFTEST);
		if (rc)
			return ERR_PTR(rc);
		data.out_data = data.in_data;
		rc = iommu_copy_struct_to_user(ictx, user_data, &data, sizeof(data),
					       sizeof(struct iommu_viommu_selftest),
					       IOMMU_VIOMMU_TYPE_SELFTEST);
		if (rc)
			return ERR_PTR(rc);
	}
	sv = kzalloc(dev->k, sizeof(*sv));
	if (!sv)
		return ERR_PTR(-ENOMEM);
	sv->s2_parent = to_md(parent);
	sv->k = dev->k;
	sv->core.ops = &selftest_viommu_ops;
	return &sv->core;
}

int selftest_viommu_attach(struct mock_dev *mdev, struct iommu_domain *domain)
{
	struct iommufd_viommu *viommu = NULL;
	unsigned long vdev_id = 0;

	if (domain->ops == &selftest_nested_ops)
		viommu = container_of(domain, struct mock_nested, domain)->viommu;
	if (viommu) {
		int rc = iommufd_viommu_get_vdev_id(viommu, mdev->dev, &vdev_id);

		if (rc)
			return rc;
	}
	mdev->viommu = viommu;
	mdev->vdev_id = vdev_id;
	return 0;
}

int selftest_dev_check_cache(struct device *dev, unsigned int id, u32 val)
{
	if (!selftest_is_mock_dev(dev))
		return -EINVAL;
	if (id > MOCK_DEV_CACHE_ID_MAX || to_mdev(dev)->cache[id] != val)
		return -EINVAL;
	return 0;
}

/* iommufd_test_trigger_vevent(): -ENOENT unless behind a vIOMMU with an ID. */
int selftest_dev_trigger_vevent(struct device *dev)
{
	struct iommu_viommu_event_selftest ev = { 0 };
	struct mock_dev *mdev;

	if (!selftest_is_mock_dev(dev))
		return -ENOENT;
	mdev = to_mdev(dev);
	if (!mdev->viommu || !mdev->vdev_id)
		return -ENOENT;
	ev.virt_id = (u32)mdev->vdev_id;
	return iommufd_viommu_report_event(mdev->viommu,
					   IOMMU_VEVENTQ_TYPE_SELFTEST, &ev,
					   sizeof(ev));
}
