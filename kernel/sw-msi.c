// SPDX-License-Identifier: MIT
/*
 * iommufd's software MSI: see sw-msi.h.
 *
 * Three records, as iommufd keeps them:
 *  - sw_msi_map (iommufd_sw_msi_map): one per doorbell page and window
 *    start in the context, with a page offset in the window and an id;
 *  - sw_msi_hwpt (the hwpt's present_sw_msi bitmap): per owned domain, the
 *    window of a paging domain and which map ids are mapped in it;
 *  - sw_msi_group (igroup->required_sw_msi): per group, the map ids its
 *    devices were given, i.e. what a new domain must hold before the group
 *    may move to it.
 * ctx->lock covers all three.  Lock order: group mutex, then ctx->lock
 * (iommu_dma_prepare_msi holds the group mutex around sw_msi); attach and
 * replace therefore install under ctx->lock, drop it, then switch.
 */
#include "kernel/sw-msi.h"

#include "kernel/iommu-priv.h"

struct sw_msi_map {
	struct list_head node;
	phys_addr_t msi_addr;		/* page aligned */
	phys_addr_t sw_msi_start;
	unsigned int pgoff;
	unsigned int id;
};

struct sw_msi_hwpt {
	struct sw_msi_ctx *ctx;
	struct iommu_domain *domain;
	phys_addr_t start;		/* paging domains: the window */
	u64 size;
	u64 present;			/* map ids installed here */
};

struct sw_msi_group {
	struct list_head node;
	struct iommu_group *group;
	u64 required;
};

struct sw_msi_ctx {
	struct kernel *k;
	struct mutex lock;
	struct list_head maps;
	struct list_head groups;
	unsigned int next_id;
	unsigned int nr_domains;
};

struct sw_msi_ctx *sw_msi_ctx_create(struct kernel *k)
{
	struct sw_msi_ctx *ctx = kzalloc(k, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->k = k;
	mutex_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->maps);
	INIT_LIST_HEAD(&ctx->groups);
	return ctx;
}

int sw_msi_ctx_destroy(struct sw_msi_ctx *ctx)
{
	struct sw_msi_group *g, *gt;
	struct sw_msi_map *m, *mt;

	if (!ctx)
		return 0;
	if (ctx->nr_domains)
		return -EBUSY;
	list_for_each_entry_safe(m, mt, &ctx->maps, node)
		kfree(m);
	list_for_each_entry_safe(g, gt, &ctx->groups, node)
		kfree(g);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

static inline struct sw_msi_hwpt *to_hwpt(struct iommu_domain *domain)
{
	return domain && domain->sw_msi == iommufd_sw_msi ? domain->iommufd_hwpt : NULL;
}

int sw_msi_domain_init(struct sw_msi_ctx *ctx, struct iommu_domain *domain)
{
	struct sw_msi_hwpt *hw;

	if (!ctx || !domain || domain->sw_msi || domain->iova_cookie ||
	    !(domain->type == IOMMU_DOMAIN_UNMANAGED ||
	      domain->type == IOMMU_DOMAIN_NESTED))
		return -EINVAL;
	hw = kzalloc(ctx->k, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	hw->ctx = ctx;
	hw->domain = domain;
	hw->start = SW_MSI_DEFAULT_START;
	hw->size = SW_MSI_DEFAULT_SIZE;
	mutex_lock(&ctx->lock);
	ctx->nr_domains++;
	mutex_unlock(&ctx->lock);
	domain->iommufd_hwpt = hw;
	domain->sw_msi = iommufd_sw_msi;
	return 0;
}

static unsigned long map_iova(const struct sw_msi_map *m)
{
	return m->sw_msi_start + (u64)m->pgoff * PAGE_SIZE;
}

void sw_msi_domain_release(struct iommu_domain *domain)
{
	struct sw_msi_hwpt *hw = to_hwpt(domain);
	struct sw_msi_ctx *ctx;
	struct sw_msi_map *m;

	if (!hw)
		return;
	ctx = hw->ctx;
	mutex_lock(&ctx->lock);
	list_for_each_entry(m, &ctx->maps, node)
		if (hw->present & BIT_ULL(m->id))
			iommu_unmap(domain, map_iova(m), PAGE_SIZE);
	ctx->nr_domains--;
	mutex_unlock(&ctx->lock);
	domain->sw_msi = NULL;
	domain->iommufd_hwpt = NULL;
	kfree(hw);
}

int sw_msi_set_window(struct iommu_domain *paging, phys_addr_t start, u64 size)
{
	struct sw_msi_hwpt *hw = to_hwpt(paging);
	int ret = 0;

	if (!hw || paging->type != IOMMU_DOMAIN_UNMANAGED || !size ||
	    !IS_ALIGNED(start, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
	    start + size - 1 < start)
		return -EINVAL;
	mutex_lock(&hw->ctx->lock);
	if (hw->present)
		ret = -EBUSY;
	else {
		hw->start = start;
		hw->size = size;
	}
	mutex_unlock(&hw->ctx->lock);
	return ret;
}

int sw_msi_get_window(struct iommu_domain *paging, phys_addr_t *start, u64 *size)
{
	struct sw_msi_hwpt *hw = to_hwpt(paging);

	if (!hw || paging->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	mutex_lock(&hw->ctx->lock);
	*start = hw->start;
	*size = hw->size;
	mutex_unlock(&hw->ctx->lock);
	return 0;
}

/* The paging domain that holds doorbells for domain, or NULL. */
static struct sw_msi_hwpt *mapping_hwpt(struct sw_msi_hwpt *hw)
{
	struct iommu_domain *domain = hw->domain, *target = domain;
	struct sw_msi_hwpt *thw;

	if (domain->type == IOMMU_DOMAIN_NESTED)
		target = domain->ops->get_msi_mapping_domain ?
			 domain->ops->get_msi_mapping_domain(domain) : NULL;
	thw = to_hwpt(target);
	if (!thw || thw->ctx != hw->ctx || target->type != IOMMU_DOMAIN_UNMANAGED)
		return NULL;
	return thw;
}

static struct sw_msi_map *find_map(struct sw_msi_ctx *ctx, phys_addr_t msi_addr,
				   phys_addr_t start, unsigned int *next_pgoff)
{
	struct sw_msi_map *m;
	unsigned int max_pgoff = 0;

	list_for_each_entry(m, &ctx->maps, node) {
		if (m->sw_msi_start != start)
			continue;
		if (m->msi_addr == msi_addr)
			return m;
		max_pgoff = max(max_pgoff, m->pgoff + 1);
	}
	*next_pgoff = max_pgoff;
	return NULL;
}

static struct sw_msi_group *find_group(struct sw_msi_ctx *ctx,
				       struct iommu_group *group, bool create)
{
	struct sw_msi_group *g;

	list_for_each_entry(g, &ctx->groups, node)
		if (g->group == group)
			return g;
	if (!create)
		return NULL;
	g = kzalloc(ctx->k, sizeof(*g));
	if (g) {
		g->group = group;
		list_add_tail(&g->node, &ctx->groups);
	}
	return g;
}

static int sw_msi_install(struct sw_msi_hwpt *thw, struct sw_msi_map *m)
{
	int ret;

	if (thw->present & BIT_ULL(m->id))
		return 0;
	if (m->sw_msi_start != thw->start)
		return -EINVAL;		/* programmed at another window */
	if ((u64)(m->pgoff + 1) * PAGE_SIZE > thw->size)
		return -ENOSPC;
	ret = iommu_map(thw->domain, map_iova(m), m->msi_addr, PAGE_SIZE,
			IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO);
	if (ret)
		return ret;
	thw->present |= BIT_ULL(m->id);
	return 0;
}

int iommufd_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		   phys_addr_t msi_addr)
{
	struct sw_msi_hwpt *hw = to_hwpt(domain), *thw;
	struct device *dev = msi_desc_to_dev(desc);
	struct sw_msi_map *m, *created = NULL;
	struct sw_msi_group *g;
	struct sw_msi_ctx *ctx;
	unsigned int pgoff;
	int ret;

	if (!hw || !dev || !dev->iommu_group)
		return -EINVAL;
	thw = mapping_hwpt(hw);
	if (!thw)
		return -EINVAL;
	ctx = hw->ctx;
	msi_addr = ALIGN_DOWN(msi_addr, PAGE_SIZE);
	mutex_lock(&ctx->lock);
	g = find_group(ctx, dev->iommu_group, true);
	if (!g) {
		ret = -ENOMEM;
		goto out;
	}
	m = find_map(ctx, msi_addr, thw->start, &pgoff);
	if (!m) {
		/* The window is ours (-ENOSPC); the 64-slot table is upstream's
		 * own limit, with its errno (iommufd_sw_msi_get_map). */
		ret = -ENOSPC;
		if ((u64)(pgoff + 1) * PAGE_SIZE > thw->size)
			goto out;
		ret = -EOVERFLOW;
		if (ctx->next_id >= SW_MSI_MAX_PAGES)
			goto out;
		ret = -ENOMEM;
		m = created = kzalloc(ctx->k, sizeof(*m));
		if (!m)
			goto out;
		m->msi_addr = msi_addr;
		m->sw_msi_start = thw->start;
		m->pgoff = pgoff;
		m->id = ctx->next_id;
		list_add_tail(&m->node, &ctx->maps);
	}
	ret = sw_msi_install(thw, m);
	if (ret) {
		if (created) {
			list_del(&created->node);
			kfree(created);
		}
		goto out;
	}
	if (created)
		ctx->next_id++;
	g->required |= BIT_ULL(m->id);
	msi_desc_set_iommu_msi_iova(desc, map_iova(m), PAGE_SHIFT);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

/* Install what group needs into domain's mapping domain (ctx->lock held). */
static int setup_group_msi(struct sw_msi_hwpt *hw, struct iommu_group *group)
{
	struct sw_msi_hwpt *thw;
	struct sw_msi_group *g;
	struct sw_msi_map *m;
	int ret;

	g = find_group(hw->ctx, group, false);
	if (!g || !g->required)
		return 0;
	thw = mapping_hwpt(hw);
	if (!thw)
		return -EINVAL;
	list_for_each_entry(m, &hw->ctx->maps, node) {
		if (!(g->required & BIT_ULL(m->id)))
			continue;
		ret = sw_msi_install(thw, m);
		if (ret)
			return ret;
	}
	return 0;
}

static int group_switch(struct iommu_group *group, struct iommu_domain *domain,
			bool replace)
{
	struct sw_msi_hwpt *hw = to_hwpt(domain);
	int ret;

	if (!hw || !group)
		return -EINVAL;
	mutex_lock(&hw->ctx->lock);
	ret = setup_group_msi(hw, group);
	mutex_unlock(&hw->ctx->lock);
	if (ret)
		return ret;
	ret = replace ? iommu_group_replace_domain(group, domain) :
			iommu_attach_group(domain, group);
	if (ret)
		return ret;
	/*
	 * A doorbell prepared on the old domain while we switched: install it
	 * now.  The group has moved already, so a failure here can only be
	 * reported as the kernel would, with a warning.
	 */
	mutex_lock(&hw->ctx->lock);
	KWARN_ON(hw->ctx->k, setup_group_msi(hw, group));
	mutex_unlock(&hw->ctx->lock);
	return 0;
}

int sw_msi_group_attach(struct iommu_group *group, struct iommu_domain *domain)
{
	return group_switch(group, domain, false);
}

int sw_msi_group_replace(struct iommu_group *group, struct iommu_domain *domain)
{
	return group_switch(group, domain, true);
}
