// SPDX-License-Identifier: MIT
/*
 * Device MSI domains over a parent interrupt-controller domain: see msi.h.
 *
 * A vector is one allocation holding its descriptor and its irq_data at
 * both levels, so freeing a vector is one kfree and a descriptor leads to
 * its irq_data without a lookup.  Allocation follows kernel/irq/msi.c's
 * order: DeviceID, parent msi_prepare, then per vector the parent's alloc
 * (where an ITS behind an IOMMU maps its doorbell), and only once every
 * vector exists are the messages composed and written to the device.
 */
#include "kernel/msi.h"

#include <stdio.h>
#include <string.h>

struct msi_vec {
	struct msi_desc desc;
	struct irq_data top;
	struct irq_data parent;
};

/* A device's vectors in one device MSI domain. */
struct msi_dev {
	struct list_head node;
	struct device *dev;
	struct msi_alloc_info info;
	struct list_head descs;
	unsigned int nvec;
};

static struct irq_domain *domain_alloc(struct kernel *k, const char *name)
{
	struct irq_domain *d = kzalloc(k, sizeof(*d));

	if (!d)
		return NULL;
	d->k = k;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "irq");
	mutex_init(&d->lock);
	INIT_LIST_HEAD(&d->devices);
	d->next_irq = 1;
	return d;
}

struct irq_domain *irq_domain_create(struct kernel *k, const char *name,
				     const struct irq_domain_ops *ops,
				     void *host_data)
{
	struct irq_domain *d;

	if (!ops || !ops->compose_msi_msg)
		return NULL;
	d = domain_alloc(k, name);
	if (d) {
		d->ops = ops;
		d->host_data = host_data;
	}
	return d;
}

struct irq_domain *msi_create_irq_domain(struct kernel *k, const char *name,
					 const struct msi_domain_ops *ops,
					 void *data, struct irq_domain *parent)
{
	struct irq_domain *d;

	if (!ops || !ops->get_dev_id || !parent || !parent->ops)
		return NULL;
	d = domain_alloc(k, name);
	if (d) {
		d->msi_ops = ops;
		d->host_data = data;
		d->parent = parent;
	}
	return d;
}

int irq_domain_remove(struct irq_domain *d)
{
	if (!d)
		return 0;
	mutex_lock(&d->lock);
	if (!list_empty(&d->devices)) {
		mutex_unlock(&d->lock);
		return -EBUSY;
	}
	mutex_unlock(&d->lock);
	mutex_destroy(&d->lock);
	kfree(d);
	return 0;
}

static struct msi_dev *find_msi_dev(struct irq_domain *d, struct device *dev)
{
	struct msi_dev *md;

	list_for_each_entry(md, &d->devices, node)
		if (md->dev == dev)
			return md;
	return NULL;
}

static inline struct msi_vec *to_vec(struct msi_desc *desc)
{
	return container_of(desc, struct msi_vec, desc);
}

struct irq_data *msi_desc_parent_data(struct msi_desc *desc)
{
	return desc ? &to_vec(desc)->parent : NULL;
}

static void compose_and_write(struct irq_domain *d, struct msi_vec *v)
{
	struct irq_domain *parent = v->parent.domain;
	struct msi_msg msg = { 0 };

	parent->ops->compose_msi_msg(&v->parent, &msg);
	v->desc.msg = msg;
	if (d->msi_ops->write_msg)
		d->msi_ops->write_msg(&v->desc, &msg, d->host_data);
}

void msi_domain_recompose(struct msi_desc *desc)
{
	struct msi_vec *v = to_vec(desc);

	compose_and_write(v->top.domain, v);
}

/* Undo one vector: parent first, as Linux frees a hierarchy bottom-up. */
static void vec_free(struct irq_domain *d, struct msi_vec *v, bool allocated)
{
	if (allocated && d->parent->ops->free)
		d->parent->ops->free(d->parent, &v->parent);
	list_del(&v->desc.list);
	kfree(v);
}

static void msi_dev_release(struct irq_domain *d, struct msi_dev *md,
			    bool prepared)
{
	struct msi_desc *desc, *tmp;

	list_for_each_entry_safe(desc, tmp, &md->descs, list)
		vec_free(d, to_vec(desc), true);
	if (prepared && d->parent->ops->msi_teardown)
		d->parent->ops->msi_teardown(d->parent, &md->info);
	list_del(&md->node);
	kfree(md);
}

static int vec_alloc(struct irq_domain *d, struct msi_dev *md,
		     struct device *dev, unsigned int index)
{
	struct irq_domain *parent = d->parent;
	struct msi_vec *v = kzalloc(d->k, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	v->desc.dev = dev;
	v->desc.msi_index = index;
	v->desc.irq = d->next_irq;
	v->top = (struct irq_data){
		.irq = v->desc.irq, .hwirq = index, .domain = d,
		.parent_data = &v->parent, .msi_desc = &v->desc,
	};
	v->parent = (struct irq_data){
		.irq = v->desc.irq, .domain = parent, .msi_desc = &v->desc,
	};
	list_add_tail(&v->desc.list, &md->descs);
	md->info.desc = &v->desc;
	if (parent->ops->alloc) {
		ret = parent->ops->alloc(parent, &v->parent, &md->info);
		if (ret) {
			vec_free(d, v, false);
			return ret;
		}
	}
	d->next_irq++;
	md->nvec++;
	return 0;
}

int msi_domain_alloc_irqs(struct irq_domain *d, struct device *dev,
			  unsigned int nvec)
{
	struct irq_domain *parent;
	struct msi_desc *desc;
	struct msi_dev *md;
	bool prepared = false;
	int ret;

	if (!d || !d->msi_ops || !dev || !nvec || nvec > MSI_MAX_VECTORS)
		return -EINVAL;
	parent = d->parent;
	mutex_lock(&d->lock);
	if (find_msi_dev(d, dev)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	md = kzalloc(d->k, sizeof(*md));
	if (!md) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	md->dev = dev;
	md->info.nvec = nvec;
	INIT_LIST_HEAD(&md->descs);
	list_add_tail(&md->node, &d->devices);

	ret = d->msi_ops->get_dev_id(dev, d->host_data, &md->info.dev_id);
	if (ret)
		goto out_release;
	if (parent->ops->msi_prepare) {
		ret = parent->ops->msi_prepare(parent, dev, &md->info);
		if (ret)
			goto out_release;
	}
	prepared = true;
	for (unsigned int i = 0; i < nvec; i++) {
		ret = vec_alloc(d, md, dev, i);
		if (ret)
			goto out_release;
	}
	list_for_each_entry(desc, &md->descs, list)
		compose_and_write(d, to_vec(desc));
	mutex_unlock(&d->lock);
	return 0;

out_release:
	msi_dev_release(d, md, prepared);
out_unlock:
	mutex_unlock(&d->lock);
	return ret;
}

void msi_domain_free_irqs(struct irq_domain *d, struct device *dev)
{
	struct msi_dev *md;

	if (!d || !d->msi_ops)
		return;
	mutex_lock(&d->lock);
	md = find_msi_dev(d, dev);
	if (md)
		msi_dev_release(d, md, true);
	mutex_unlock(&d->lock);
}

struct msi_desc *msi_get_desc(struct irq_domain *d, struct device *dev,
			      unsigned int index)
{
	struct msi_desc *desc, *found = NULL;
	struct msi_dev *md;

	mutex_lock(&d->lock);
	md = find_msi_dev(d, dev);
	if (md) {
		list_for_each_entry(desc, &md->descs, list) {
			if (desc->msi_index == index) {
				found = desc;
				break;
			}
		}
	}
	mutex_unlock(&d->lock);
	return found;
}

unsigned int msi_dev_nvec(struct irq_domain *d, struct device *dev)
{
	struct msi_dev *md;
	unsigned int n;

	mutex_lock(&d->lock);
	md = find_msi_dev(d, dev);
	n = md ? md->nvec : 0;
	mutex_unlock(&d->lock);
	return n;
}
