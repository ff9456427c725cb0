// SPDX-License-Identifier: MIT
/*
 * The VMM backend over the kernel API: what iommufd and vfio-pci do for
 * each of the uAPI calls in vmm/backend.h, done by an in-kernel user of the
 * host kernel instance.  It is iommufd's object model in miniature: one
 * table of u32 IDs (bound devices, nest parents, nested HWPTs), an IOAS
 * that is the list of guest-RAM mappings every nest parent carries, a
 * sw_msi context (kernel/sw-msi.h) owning every HWPT so MSI doorbells land
 * in the nest parent at the driver's software-MSI window, and a vEVENTQ fed by the host
 * SMMU driver's fault handler with the vdevice's virtual StreamID put in.
 *
 * vmm/backend-iommufd.c is the same over the host's iommufd; this one
 * stays as the reference the VMM tests run both against (and it works
 * without an iommufd context).
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/iommu.h"
#include "kernel/platform.h"
#include "kernel/sw-msi.h"
#include "hw/its/its-regs.h"
#include "vmm/backend.h"
#include "vmm/guest-ram.h"
#include "vmm/vfio.h"

#define KB_MAX_OBJS	64
#define KB_MAX_MAPS	16
#define KB_EVENTS	64

enum kb_type { KB_FREE, KB_DEV, KB_PARENT, KB_NESTED, KB_VDEV };

struct kb_obj {
	enum kb_type type;
	unsigned int users;		/* devices attached, nested children */
	/* KB_DEV */
	struct ep_device *hep;
	struct iommu_group *group;
	u32 attached;			/* HWPT ID, 0 when none */
	/* KB_PARENT / KB_NESTED */
	struct iommu_domain *domain;
	u32 parent;			/* KB_NESTED */
	u32 dev;			/* KB_VDEV */
};

struct kb_map {
	u64 iova;
	phys_addr_t hpa;
	u64 size;
};

/* What the fault handler needs, under ev_lock; indexed like objs[]. */
struct kb_vdev {
	u32 rid, vsid;
	bool valid;
};

struct kbackend {
	struct vmm_backend be;
	struct platform *host;
	struct kernel *k;
	struct arm_smmu_device *smmu;
	struct sw_msi_ctx *ctx;

	struct mutex lock;		/* everything below but the vEVENTQ */
	struct kb_obj objs[KB_MAX_OBJS];	/* ID = index + 1 */
	struct guest_ram ram[GUEST_RAM_SLOTS];
	struct kb_map maps[KB_MAX_MAPS];
	unsigned int nr_maps;

	struct mutex ev_lock;
	struct kb_vdev vdevs[KB_MAX_OBJS];
	u64 events[KB_EVENTS][4];
	unsigned int ev_head, ev_count;
	u32 ev_lost;			/* since the last read */
};

static struct kbackend *to_kb(struct vmm_backend *be)
{
	return container_of(be, struct kbackend, be);
}

static struct kb_obj *kb_get(struct kbackend *kb, u32 id, enum kb_type type)
{
	if (!id || id > KB_MAX_OBJS || kb->objs[id - 1].type != type)
		return NULL;
	return &kb->objs[id - 1];
}

static u32 kb_new(struct kbackend *kb, enum kb_type type)
{
	for (u32 i = 0; i < KB_MAX_OBJS; i++) {
		if (kb->objs[i].type == KB_FREE) {
			memset(&kb->objs[i], 0, sizeof(kb->objs[i]));
			kb->objs[i].type = type;
			return i + 1;
		}
	}
	return 0;
}

static void *kb_ram_alloc(struct vmm_backend *be, u64 size)
{
	struct kbackend *kb = to_kb(be);
	void *hva;

	mutex_lock(&kb->lock);
	hva = guest_ram_alloc(kb->ram, kb->k, size);
	mutex_unlock(&kb->lock);
	return hva;
}

/* Still in the IOAS: pinned until unmapped (or destroy). */
static bool kb_ram_pinned(struct kbackend *kb, const struct guest_ram *r)
{
	for (unsigned int j = 0; j < kb->nr_maps; j++)
		if (kb->maps[j].hpa >= r->hpa && kb->maps[j].hpa - r->hpa < r->size)
			return true;
	return false;
}

static void kb_ram_free(struct vmm_backend *be, void *hva, u64 size)
{
	struct kbackend *kb = to_kb(be);
	struct guest_ram *r;

	mutex_lock(&kb->lock);
	r = guest_ram_find(kb->ram, hva, size);
	if (r && !kb_ram_pinned(kb, r))
		guest_ram_release(r, kb->k);
	mutex_unlock(&kb->lock);
}

static int kb_map_into(struct iommu_domain *d, const struct kb_map *m)
{
	return iommu_map(d, m->iova, m->hpa, m->size, IOMMU_READ | IOMMU_WRITE);
}

static int kb_ioas_map(struct vmm_backend *be, u64 iova, void *hva, u64 size)
{
	struct kbackend *kb = to_kb(be);
	struct kb_map m = { .iova = iova, .size = size };
	int ret, i;

	if (!size || (iova | size | (uintptr_t)hva) & 0xfff ||
	    iova + size < iova)
		return -EINVAL;
	mutex_lock(&kb->lock);
	ret = guest_ram_hva_to_hpa(kb->ram, hva, size, &m.hpa);
	if (ret)
		goto out;
	ret = -ENOSPC;
	if (kb->nr_maps == KB_MAX_MAPS)
		goto out;
	for (unsigned int j = 0; j < kb->nr_maps; j++) {
		ret = -EEXIST;
		if (iova < kb->maps[j].iova + kb->maps[j].size &&
		    kb->maps[j].iova < iova + size)
			goto out;
	}
	for (i = 0; i < KB_MAX_OBJS; i++) {
		if (kb->objs[i].type != KB_PARENT)
			continue;
		ret = kb_map_into(kb->objs[i].domain, &m);
		if (ret)
			goto unwind;
	}
	kb->maps[kb->nr_maps++] = m;
	ret = 0;
	goto out;
unwind:
	while (--i >= 0)
		if (kb->objs[i].type == KB_PARENT)
			iommu_unmap(kb->objs[i].domain, m.iova, m.size);
out:
	mutex_unlock(&kb->lock);
	return ret;
}

static int kb_ioas_unmap(struct vmm_backend *be, u64 iova, u64 size)
{
	struct kbackend *kb = to_kb(be);
	int ret = -ENOENT;

	mutex_lock(&kb->lock);
	for (unsigned int j = 0; j < kb->nr_maps; j++) {
		if (kb->maps[j].iova != iova || kb->maps[j].size != size)
			continue;
		for (int i = 0; i < KB_MAX_OBJS; i++)
			if (kb->objs[i].type == KB_PARENT)
				iommu_unmap(kb->objs[i].domain, iova, size);
		kb->maps[j] = kb->maps[--kb->nr_maps];
		ret = 0;
		break;
	}
	mutex_unlock(&kb->lock);
	return ret;
}

static void kb_free_domain(struct iommu_domain *d)
{
	sw_msi_domain_release(d);
	iommu_domain_free(d);
}

static int kb_hwpt_alloc_parent(struct vmm_backend *be, u32 dev, u32 *hwpt)
{
	struct kbackend *kb = to_kb(be);
	struct iommu_domain *d;
	struct kb_obj *o;
	u32 id;
	int ret;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	ret = -ENOENT;
	if (!o)
		goto out;
	d = iommu_paging_domain_alloc_flags(&o->hep->dev,
					    IOMMU_HWPT_ALLOC_NEST_PARENT);
	ret = IS_ERR(d) ? (int)PTR_ERR(d) : 0;
	if (ret)
		goto out;
	ret = sw_msi_domain_init(kb->ctx, d, NULL);
	for (unsigned int i = 0; !ret && i < kb->nr_maps; i++)
		ret = kb_map_into(d, &kb->maps[i]);
	id = ret ? 0 : kb_new(kb, KB_PARENT);
	if (!id) {
		kb_free_domain(d);	/* unmaps what it holds */
		ret = ret ? ret : -ENOSPC;
		goto out;
	}
	kb->objs[id - 1].domain = d;
	*hwpt = id;
out:
	mutex_unlock(&kb->lock);
	return ret;
}

static int kb_vdevice_alloc(struct vmm_backend *be, u32 dev, u32 vsid,
			    u32 *vdev)
{
	struct kbackend *kb = to_kb(be);
	struct kb_obj *o;
	u32 id = 0;
	int ret = -ENOENT;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	if (!o)
		goto out;
	ret = 0;
	for (int i = 0; i < KB_MAX_OBJS; i++)
		if (kb->objs[i].type == KB_VDEV &&
		    (kb->objs[i].dev == dev || kb->vdevs[i].vsid == vsid))
			ret = -EEXIST;
	if (!ret) {
		id = kb_new(kb, KB_VDEV);
		ret = id ? 0 : -ENOSPC;
	}
	if (ret)
		goto out;
	kb->objs[id - 1].dev = dev;
	o->users++;
	mutex_lock(&kb->ev_lock);
	kb->vdevs[id - 1] = (struct kb_vdev){ o->hep->rid, vsid, true };
	mutex_unlock(&kb->ev_lock);
	*vdev = id;
out:
	mutex_unlock(&kb->lock);
	return ret;
}

static int kb_hwpt_alloc_nested(struct vmm_backend *be, u32 dev, u32 parent,
				const u64 vste[2], u32 *hwpt)
{
	struct kbackend *kb = to_kb(be);
	struct iommu_hwpt_arm_smmuv3 data = { { vste[0], vste[1] } };
	struct iommu_user_data ud = {
		.type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.uptr = &data,
		.len = sizeof(data),
	};
	struct iommu_domain *d;
	struct kb_obj *o, *p;
	u32 id;
	int ret;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	p = kb_get(kb, parent, KB_PARENT);
	ret = -ENOENT;
	if (!o || !p)
		goto out;
	d = iommu_domain_alloc_nested(&o->hep->dev, p->domain, 0, &ud);
	ret = IS_ERR(d) ? (int)PTR_ERR(d) : 0;
	if (ret)
		goto out;
	ret = sw_msi_domain_init(kb->ctx, d, p->domain);
	id = ret ? 0 : kb_new(kb, KB_NESTED);
	if (!id) {
		kb_free_domain(d);
		ret = ret ? ret : -ENOSPC;
		goto out;
	}
	kb->objs[id - 1].domain = d;
	kb->objs[id - 1].parent = parent;
	p->users++;
	*hwpt = id;
out:
	mutex_unlock(&kb->lock);
	return ret;
}

static struct kb_obj *kb_get_hwpt(struct kbackend *kb, u32 id)
{
	struct kb_obj *h = kb_get(kb, id, KB_NESTED);

	return h ? h : kb_get(kb, id, KB_PARENT);
}

static int kb_attach(struct vmm_backend *be, u32 dev, u32 hwpt)
{
	struct kbackend *kb = to_kb(be);
	struct kb_obj *o, *h;
	int ret = -ENOENT;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	h = kb_get_hwpt(kb, hwpt);
	if (!o || !h)
		goto out;
	ret = 0;
	if (o->attached == hwpt)
		goto out;
	if (o->attached)
		ret = sw_msi_group_replace(o->group, h->domain);
	else
		ret = sw_msi_group_attach(o->group, h->domain);
	if (ret)
		goto out;
	if (o->attached)
		kb->objs[o->attached - 1].users--;
	h->users++;
	o->attached = hwpt;
out:
	mutex_unlock(&kb->lock);
	return ret;
}

static void kb_detach_locked(struct kbackend *kb, struct kb_obj *o)
{
	iommu_detach_group(kb->objs[o->attached - 1].domain, o->group);
	kb->objs[o->attached - 1].users--;
	o->attached = 0;
}

static int kb_detach(struct vmm_backend *be, u32 dev)
{
	struct kbackend *kb = to_kb(be);
	struct kb_obj *o;
	int ret = -ENOENT;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	if (o) {
		ret = o->attached ? 0 : -EINVAL;
		if (!ret)
			kb_detach_locked(kb, o);
	}
	mutex_unlock(&kb->lock);
	return ret;
}

static void kb_destroy_locked(struct kbackend *kb, struct kb_obj *h)
{
	u32 id = (u32)(h - kb->objs) + 1;

	if (h->type == KB_VDEV) {
		kb->objs[h->dev - 1].users--;
		mutex_lock(&kb->ev_lock);
		memset(&kb->vdevs[id - 1], 0, sizeof(kb->vdevs[0]));
		mutex_unlock(&kb->ev_lock);
	} else {
		if (h->type == KB_NESTED)
			kb->objs[h->parent - 1].users--;
		kb_free_domain(h->domain);
	}
	memset(h, 0, sizeof(*h));
}

static int kb_destroy(struct vmm_backend *be, u32 id)
{
	struct kbackend *kb = to_kb(be);
	struct kb_obj *h;
	int ret = -ENOENT;

	mutex_lock(&kb->lock);
	h = kb_get_hwpt(kb, id);
	if (!h)
		h = kb_get(kb, id, KB_VDEV);
	if (h) {
		ret = h->users ? -EBUSY : 0;
		if (!ret)
			kb_destroy_locked(kb, h);
	}
	mutex_unlock(&kb->lock);
	return ret;
}

static int kb_invalidate(struct vmm_backend *be, u32 hwpt, const u64 (*cmds)[2],
			 u32 *n)
{
	struct kbackend *kb = to_kb(be);
	struct kb_obj *h;
	int ret = -ENOENT;

	_Static_assert(sizeof(struct iommu_viommu_arm_smmuv3_invalidate) ==
		       2 * sizeof(u64), "the uAPI's command layout");
	mutex_lock(&kb->lock);
	h = kb_get(kb, hwpt, KB_NESTED);
	if (h)
		ret = arm_smmu_nested_cache_invalidate(h->domain,
			(const struct iommu_viommu_arm_smmuv3_invalidate *)cmds, n);
	else
		*n = 0;
	mutex_unlock(&kb->lock);
	return ret;
}

/* The host driver's fault handler: a vdevice's events go to the vEVENTQ. */
static void kb_fault(void *opaque, const struct arm_smmu_event *evt)
{
	struct kbackend *kb = opaque;

	mutex_lock(&kb->ev_lock);
	for (int i = 0; i < KB_MAX_OBJS; i++) {
		u64 *rec;

		if (!kb->vdevs[i].valid || kb->vdevs[i].rid != evt->sid)
			continue;
		if (kb->ev_count == KB_EVENTS) {
			kb->ev_lost++;
			break;
		}
		rec = kb->events[(kb->ev_head + kb->ev_count++) % KB_EVENTS];
		memcpy(rec, evt->raw, sizeof(evt->raw));
		rec[0] = (rec[0] & 0xffffffffULL) | ((u64)kb->vdevs[i].vsid << 32);
		break;
	}
	mutex_unlock(&kb->ev_lock);
}

static int kb_read_event(struct vmm_backend *be, u64 rec[4], u32 *lost)
{
	struct kbackend *kb = to_kb(be);
	int ret = -EAGAIN;

	mutex_lock(&kb->ev_lock);
	*lost = kb->ev_lost;
	kb->ev_lost = 0;
	if (kb->ev_count) {
		memcpy(rec, kb->events[kb->ev_head], 4 * sizeof(u64));
		kb->ev_head = (kb->ev_head + 1) % KB_EVENTS;
		kb->ev_count--;
		ret = 0;
	}
	mutex_unlock(&kb->ev_lock);
	return ret;
}

/* The host endpoint behind device ID dev, for the VFIO ops (vmm/vfio.c). */
static struct ep_device *kb_hep(struct vmm_backend *be, u32 dev)
{
	struct kbackend *kb = to_kb(be);
	struct ep_device *hep;
	struct kb_obj *o;

	mutex_lock(&kb->lock);
	o = kb_get(kb, dev, KB_DEV);
	hep = o ? o->hep : NULL;
	mutex_unlock(&kb->lock);
	return hep;
}

static const struct vmm_backend_ops kbackend_ops = VMM_BACKEND_OPS(kb);

struct vmm_backend *vmm_kbackend_create(struct platform *host)
{
	struct kernel *k = platform_kernel(host);
	struct kbackend *kb = kzalloc(k, sizeof(*kb));

	if (!kb)
		return NULL;
	kb->ctx = sw_msi_ctx_create(k);
	if (!kb->ctx) {
		kfree(kb);
		return NULL;
	}
	kb->be.ops = &kbackend_ops;
	kb->be.hep = kb_hep;
	kb->be.host = host;
	kb->host = host;
	kb->k = k;
	kb->smmu = platform_smmu(host);
	mutex_init(&kb->lock);
	mutex_init(&kb->ev_lock);
	if (kb->smmu)
		arm_smmu_set_fault_handler(kb->smmu, kb_fault, kb);
	return &kb->be;
}

int vmm_kbackend_bind(struct vmm_backend *be, struct ep_device *hep, u32 *dev)
{
	struct kbackend *kb = to_kb(be);
	struct iommu_group *group = iommu_group_get(&hep->dev);
	u32 id;
	int ret;

	if (!group)
		return -ENODEV;
	mutex_lock(&kb->lock);
	for (int i = 0; i < KB_MAX_OBJS; i++) {
		if (kb->objs[i].type == KB_DEV && kb->objs[i].hep == hep) {
			ret = -EBUSY;
			goto err;
		}
	}
	ret = iommu_group_claim_dma_owner(group, kb);
	if (ret)
		goto err;
	id = kb_new(kb, KB_DEV);
	if (!id) {
		iommu_group_release_dma_owner(group);
		ret = -ENOSPC;
		goto err;
	}
	kb->objs[id - 1].hep = hep;
	kb->objs[id - 1].group = group;
	*dev = id;
	mutex_unlock(&kb->lock);
	return 0;
err:
	mutex_unlock(&kb->lock);
	iommu_group_put(group);
	return ret == -EPERM ? -EBUSY : ret;
}

void vmm_kbackend_destroy(struct vmm_backend *be)
{
	struct kbackend *kb = to_kb(be);

	if (kb->smmu)
		arm_smmu_set_fault_handler(kb->smmu, NULL, NULL);
	mutex_lock(&kb->lock);
	for (int i = 0; i < KB_MAX_OBJS; i++) {
		struct kb_obj *o = &kb->objs[i];

		if (o->type != KB_DEV)
			continue;
		ep_free_msi(o->hep);
		if (o->attached)
			kb_detach_locked(kb, o);
	}
	/* vdevices, nested HWPTs, parents: each before what it holds. */
	for (int pass = 0; pass < 3; pass++) {
		enum kb_type t = pass == 0 ? KB_VDEV : pass == 1 ? KB_NESTED : KB_PARENT;

		for (int i = 0; i < KB_MAX_OBJS; i++)
			if (kb->objs[i].type == t)
				kb_destroy_locked(kb, &kb->objs[i]);
	}
	for (int i = 0; i < KB_MAX_OBJS; i++) {
		struct kb_obj *o = &kb->objs[i];

		if (o->type != KB_DEV)
			continue;
		iommu_group_release_dma_owner(o->group);
		iommu_group_put(o->group);
		memset(o, 0, sizeof(*o));
	}
	guest_ram_release_all(kb->ram, kb->k);
	mutex_unlock(&kb->lock);
	KWARN_ON(kb->k, sw_msi_ctx_destroy(kb->ctx));
	mutex_destroy(&kb->ev_lock);
	mutex_destroy(&kb->lock);
	kfree(kb);
}
