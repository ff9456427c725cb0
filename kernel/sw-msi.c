// SPDX-License-Identifier: MIT
/*
 * iommufd's software MSI: see sw-msi.h.
 *
 * Three records, as iommufd keeps them:
 *  - sw_msi_map (iommufd_sw_msi_map): one per doorbell page and window
 *    start in the context, with a page offset in the window and an id;
 *    once made it stays, even when installing it failed (mainline);
 *  - sw_msi_hwpt (the hwpt, its present_sw_msi bitmap): per owned domain,
 *    its paging parent and which map ids are mapped in it;
 *  - sw_msi_group (the iommufd_group): the group's window start, the
 *    domain it is attached to through iommufd (mainline's attach handle)
 *    and its required_sw_msi bitmap: what a new domain must hold before
 *    the group may move to it.
 * ctx->lock (mainline's sw_msi_lock) covers all three.  Lock order: group
 * mutex, then ctx->lock (prepare holds the group mutex around
 * iommufd_sw_msi); attach and replace therefore install under ctx->lock,
 * drop it, then switch.
 */
#include "kernel/sw-msi.h"

#include "kernel/dma-iommu.h"
#include "kernel/iommu-priv.h"
#include "kernel/msi-model.h"

/*
 * lockdep_assert_held() (exact: held by this thread, in the LOCKDEP
 * builds), plus a check every build makes, as far as a pthread mutex
 * tells: held by someone, else a kernel warning the tests count.
 */
static inline bool mutex_held(struct mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return true;
	pthread_mutex_unlock(&l->m);
	return false;
}
#define sw_msi_assert_held(k, l)	({ lockdep_assert_held(l); KWARN_ON(k, !mutex_held(l)); })

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
	struct sw_msi_hwpt *paging;	/* itself, or a nested one's parent */
	u64 present;			/* map ids installed here */
};

struct sw_msi_group {
	struct list_head node;
	struct iommu_group *group;
	phys_addr_t start;		/* PHYS_ADDR_MAX: no SW_MSI region */
	bool start_set;			/* sw-msi-v2: chosen by the VMM */
	struct iommu_domain *handle;	/* attached through us to this */
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
	return domain ? domain->iommufd_hwpt : NULL;
}

int sw_msi_domain_init(struct sw_msi_ctx *ctx, struct iommu_domain *domain,
		       struct iommu_domain *parent)
{
	struct sw_msi_hwpt *hw, *phw = to_hwpt(parent);

	if (!ctx || !domain || domain->cookie_type != IOMMU_COOKIE_NONE ||
	    domain->iommufd_hwpt)
		return -EINVAL;
	if (domain->type == IOMMU_DOMAIN_NESTED) {
		if (!phw || phw->ctx != ctx || phw->paging != phw)
			return -EINVAL;
	} else if (domain->type != IOMMU_DOMAIN_UNMANAGED || parent) {
		return -EINVAL;
	}
	hw = kzalloc(ctx->k, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	hw->ctx = ctx;
	hw->domain = domain;
	hw->paging = phw ? phw : hw;
	mutex_lock(&ctx->lock);
	ctx->nr_domains++;
	mutex_unlock(&ctx->lock);
	domain->iommufd_hwpt = hw;
	domain->cookie_type = ctx->k->msi_model->iommufd_cookie;
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
	/* rfc-2023's iommufd gave its paging domain an MSI cookie. */
	iommu_put_dma_cookie(domain);
	domain->cookie_type = IOMMU_COOKIE_NONE;
	domain->iommufd_hwpt = NULL;
	kfree(hw);
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
		g->start = PHYS_ADDR_MAX;
		list_add_tail(&g->node, &ctx->groups);
	}
	return g;
}

/* mainline iommufd_sw_msi_get_map: the record for (msi_addr, start). */
static struct sw_msi_map *get_map(struct sw_msi_ctx *ctx, phys_addr_t msi_addr,
				  phys_addr_t start)
{
	unsigned int max_pgoff = 0;
	struct sw_msi_map *m;

	sw_msi_assert_held(ctx->k, &ctx->lock);
	list_for_each_entry(m, &ctx->maps, node) {
		if (m->sw_msi_start != start)
			continue;
		max_pgoff = max(max_pgoff, m->pgoff + 1);
		if (m->msi_addr == msi_addr)
			return m;
	}
	if (ctx->next_id >= SW_MSI_MAX_PAGES)
		return ERR_PTR(-EOVERFLOW);
	m = kzalloc(ctx->k, sizeof(*m));
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->sw_msi_start = start;
	m->msi_addr = msi_addr;
	m->pgoff = max_pgoff;
	m->id = ctx->next_id++;
	list_add_tail(&m->node, &ctx->maps);
	return m;
}

/* mainline iommufd_sw_msi_install. */
static int sw_msi_install(struct sw_msi_hwpt *paging, struct sw_msi_map *m)
{
	int ret;

	sw_msi_assert_held(paging->ctx->k, &paging->ctx->lock);
	if (paging->present & BIT_ULL(m->id))
		return 0;
	ret = iommu_map(paging->domain, map_iova(m), m->msi_addr, PAGE_SIZE,
			IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO);
	if (ret)
		return ret;
	paging->present |= BIT_ULL(m->id);
	return 0;
}

int iommufd_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		   phys_addr_t msi_addr)
{
	struct sw_msi_hwpt *hw = to_hwpt(domain);
	struct device *dev = msi_desc_to_dev(desc);
	struct iommu_group *group = dev->iommu_group;
	struct sw_msi_ctx *ctx = hw->ctx;
	struct sw_msi_group *g;
	struct sw_msi_map *m;
	int ret = 0;

	sw_msi_assert_held(ctx->k, &group->mutex);
	mutex_lock(&ctx->lock);
	/* No attach handle: iommufd did not attach the group, nothing to do. */
	g = find_group(ctx, group, false);
	if (!g || g->handle != group->domain)
		goto out;
	/* No IOMMU_RESV_SW_MSI means no change to the msi_msg. */
	if (g->start == PHYS_ADDR_MAX)
		goto out;
	m = get_map(ctx, ALIGN_DOWN(msi_addr, PAGE_SIZE), g->start);
	if (IS_ERR(m)) {
		ret = PTR_ERR(m);
		goto out;
	}
	ret = sw_msi_install(hw->paging, m);
	if (ret)
		goto out;
	g->required |= BIT_ULL(m->id);
	msi_desc_set_iommu_msi_iova(desc, map_iova(m), PAGE_SHIFT);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

int iommufd_group_setup_msi(struct sw_msi_ctx *ctx, struct iommu_domain *paging,
			    phys_addr_t start, u64 required)
{
	struct sw_msi_map *m;
	int ret;

	sw_msi_assert_held(ctx->k, &ctx->lock);
	if (start == PHYS_ADDR_MAX)
		return 0;
	list_for_each_entry(m, &ctx->maps, node) {
		if (m->sw_msi_start != start || !(required & BIT_ULL(m->id)))
			continue;
		ret = sw_msi_install(to_hwpt(paging), m);
		if (ret)
			return ret;
	}
	return 0;
}

/* The start of the group's IOMMU_RESV_SW_MSI region, or PHYS_ADDR_MAX. */
static int group_sw_msi_start(struct iommu_group *group, phys_addr_t *start)
{
	struct list_head regions = LIST_HEAD_INIT(regions);
	struct iommu_resv_region *r;
	int ret;

	*start = PHYS_ADDR_MAX;
	ret = iommu_get_group_resv_regions(group, &regions);
	if (!ret)
		list_for_each_entry(r, &regions, list)
			if (r->type == IOMMU_RESV_SW_MSI)
				*start = r->start;
	iommu_put_group_resv_regions(&regions);	/* what a failure left too */
	return ret;
}

static int setup_msi(struct sw_msi_hwpt *hw, struct sw_msi_group *g)
{
	return hw->ctx->k->msi_model->iommufd_setup_msi(hw->ctx, hw->paging->domain,
							g->start, g->required);
}

static int group_switch(struct iommu_group *group, struct iommu_domain *domain,
			bool replace)
{
	struct sw_msi_hwpt *hw = to_hwpt(domain);
	phys_addr_t start;
	struct sw_msi_group *g;
	int ret;

	if (!hw || !group)
		return -EINVAL;
	ret = group_sw_msi_start(group, &start);
	if (ret)
		return ret;
	mutex_lock(&hw->ctx->lock);
	g = find_group(hw->ctx, group, true);
	ret = g ? 0 : -ENOMEM;
	/* As igroup->sw_msi_start: written when a region is found, kept else. */
	if (g && !g->start_set && start != PHYS_ADDR_MAX)
		g->start = start;
	if (g)
		ret = setup_msi(hw, g);
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
	g->handle = domain;
	KWARN_ON(hw->ctx->k, setup_msi(hw, g));
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

int sw_msi_group_set_start(struct sw_msi_ctx *ctx, struct iommu_group *group,
			   phys_addr_t start)
{
	struct sw_msi_group *g;
	int ret = 0;

	mutex_lock(&group->mutex);	/* group->domain stays put */
	mutex_lock(&ctx->lock);
	g = find_group(ctx, group, true);
	if (!g) {
		ret = -ENOMEM;
	} else if (g->handle && g->handle == group->domain) {
		ret = -EBUSY;
	} else {
		g->start_set = start != PHYS_ADDR_MAX;
		g->start = start;
	}
	mutex_unlock(&ctx->lock);
	mutex_unlock(&group->mutex);
	return ret;
}

void sw_msi_group_forget(struct sw_msi_ctx *ctx, struct iommu_group *group)
{
	struct sw_msi_group *g;

	mutex_lock(&ctx->lock);
	g = find_group(ctx, group, false);
	if (g) {
		list_del(&g->node);
		kfree(g);
	}
	mutex_unlock(&ctx->lock);
}

bool sw_msi_group_attached(struct sw_msi_ctx *ctx, struct iommu_group *group)
{
	struct sw_msi_group *g;
	bool ret;

	mutex_lock(&group->mutex);
	mutex_lock(&ctx->lock);
	g = find_group(ctx, group, false);
	ret = g && g->handle && g->handle == group->domain;
	mutex_unlock(&ctx->lock);
	mutex_unlock(&group->mutex);
	return ret;
}

int sw_msi_group_window(struct sw_msi_ctx *ctx, struct iommu_group *group,
			phys_addr_t *start)
{
	struct sw_msi_group *g;

	mutex_lock(&ctx->lock);
	g = find_group(ctx, group, false);
	if (g)
		*start = g->start;
	mutex_unlock(&ctx->lock);
	return g ? 0 : -ENOENT;
}

unsigned int sw_msi_nr_maps(struct sw_msi_ctx *ctx)
{
	unsigned int n;

	mutex_lock(&ctx->lock);
	n = ctx->next_id;
	mutex_unlock(&ctx->lock);
	return n;
}
