// SPDX-License-Identifier: MIT
/*
 * Scenario commands of the MSI doorbell story (docs/msi-doorbell.md): an
 * ITS, vectors for a device, the message compose wrote, and where the
 * device's write of that message lands.  `msi-table` prints every case a
 * scenario ran, which is how the default scenario shows the seed's question
 * answered for each kind of domain.
 */
#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/msi.h"
#include "kernel/platform.h"
#include "kernel/msi-sw-msi-v2.h"
#include "kernel/sw-msi.h"
#include "tools/iommusim/world-priv.h"

/* The DeviceID the ITS sees: the device's first StreamID / requester ID. */
static int world_get_dev_id(struct device *dev, void *data, u32 *dev_id)
{
	struct world *w = data;

	for (int i = 0; i < w->nr_objs; i++)
		if (w->objs[i].kind == OBJ_DEVICE && w->objs[i].dev == dev) {
			*dev_id = w->objs[i].devid;
			return 0;
		}
	return -ENODEV;
}

static const struct msi_domain_ops world_msi_ops = {
	.get_dev_id = world_get_dev_id,
};

void world_msi_teardown(struct world *w)
{
	for (int i = w->nr_objs - 1; i >= 0; i--) {
		struct world_obj *its = &w->objs[i];

		if (its->kind != OBJ_ITS)
			continue;
		for (int j = 0; j < w->nr_objs; j++) {
			struct world_obj *dev = &w->objs[j];

			if (dev->kind != OBJ_DEVICE)
				continue;
			if (dev->ep)
				ep_free_msi(dev->ep);
			else
				msi_domain_free_irqs(its->its.msi, dev->dev);
		}
		if (its->platform)	/* the board's: platform_shutdown() removes it */
			continue;
		irq_domain_remove(its->its.msi);
		sw_its_destroy(its->its.parent);
	}
}

/* its NAME base=ADDR [kernel=K] [events=N]: an ITS frame at base. */
int cmd_its(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "base", "kernel", "events", NULL };
	struct world *w = scenario_world(s);
	struct world_obj *o;
	struct kernel *k;
	u64 base, events = 256;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "base", true, &base) ||
	    scn_u64(s, l, "events", false, &events) || !(k = world_arg_kernel(s, l)))
		return -1;
	if (base & 0xffff)
		return scn_error(s, l, "its: base= must be 64K aligned");
	if (!events || events > 65536)
		return scn_error(s, l, "its: events= must be 1..65536");
	o = world_new_obj(s, l, OBJ_ITS);
	if (!o)
		return -1;
	o->k = k;
	o->its.doorbell = base + GITS_TRANSLATER;
	o->its.parent = sw_its_create(k, o->name, o->its.doorbell, (unsigned int)events);
	if (o->its.parent)
		o->its.msi = msi_create_irq_domain(k, o->name, &world_msi_ops, w,
						   o->its.parent);
	if (!o->its.msi) {
		sw_its_destroy(o->its.parent);
		r->rc = -ENOMEM;
		return 0;
	}
	world_commit_obj(w);
	scn_set_hex(r, "doorbell", o->its.doorbell);
	fprintf(w->out, "its %s: GITS_TRANSLATER at 0x%llx\n", o->name,
		(unsigned long long)o->its.doorbell);
	return 0;
}

/* claim DEV: the group leaves the DMA API (iommu_device_claim_dma_owner). */
int cmd_claim(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world_obj *dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE);

	if (!dev)
		return -1;
	r->rc = iommu_device_claim_dma_owner(dev->dev, scenario_world(s));
	if (!r->rc)
		dev->claimed = true;
	scn_set(r, "domain", "%s", domain_type_name(iommu_get_domain_for_dev(dev->dev)));
	fprintf(scenario_out(s), "claim %s: %s, now on %s\n", dev->name,
		r->rc ? "refused" : "ok",
		domain_type_name(iommu_get_domain_for_dev(dev->dev)));
	return 0;
}

/* Where the device's write of addr lands: 0 and *pa, or the fault. */
static int write_lands(struct device *dev, u64 addr, u64 *pa)
{
	phys_addr_t out = 0;
	int ret = mock_iommu_translate(dev, addr, &out);

	if (ret == -ENODEV) {	/* no IOMMU: the bus sees the address itself */
		*pa = addr;
		return 0;
	}
	*pa = out;
	return ret;
}

static void set_message(struct scn_result *r, struct world_obj *dev,
			struct msi_desc *desc, u64 *addr, int *lands_rc, u64 *lands)
{
	*addr = msi_msg_addr(&desc->msg);
	*lands_rc = dev->ep ? 0 : write_lands(dev->dev, *addr, lands);
	scn_set_hex(r, "addr", *addr);
	scn_set(r, "data", "%u", desc->msg.data);
	if (dev->ep)
		return;		/* the board fires it for real: see cmd_msi */
	if (*lands_rc)
		scn_set(r, "lands", "fault");
	else
		scn_set_hex(r, "lands", *lands);
}

static int its_and_dev(struct scenario *s, const struct scn_line *l,
		       const char *const *keys, struct world_obj **dev,
		       struct world_obj **its)
{
	if (scn_check_keys(s, l, keys) ||
	    !(*dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)) ||
	    !(*its = world_arg_obj(s, l, "its", 0, OBJ_ITS)))
		return -1;
	/*
	 * The board's ITS belongs to the board's kernel: its MSI domain knows
	 * board endpoints only (their RID is the DeviceID), as a machine's
	 * ITS driver never sees another kernel's devices.
	 */
	if (!(*dev)->ep && (*its)->platform)
		return scn_error(s, l, "%s: %s is not a board endpoint, and %s serves only those",
				 l->cmd, (*dev)->name, (*its)->name);
	return 0;
}

/*
 * msi DEV its=I vectors=N [case=LABEL]: msi_domain_alloc_irqs(); the ITS's
 * alloc calls iommu_dma_prepare_msi() for each vector.  Reports vector 0's
 * message and where its write lands, and records a row for msi-table.
 */
int cmd_msi(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "its", "vectors", "case", NULL };
	struct world *w = scenario_world(s);
	struct world_obj *dev, *its;
	struct msi_row row = { 0 };
	u64 nvec = 1;

	if (its_and_dev(s, l, keys, &dev, &its) ||
	    scn_u64(s, l, "vectors", false, &nvec))
		return -1;
	if (nvec > MSI_MAX_VECTORS)
		nvec = MSI_MAX_VECTORS + 1;	/* let the kernel refuse it */
	if (dev->ep && !its->platform)
		return scn_error(s, l, "msi: %s is a board endpoint: use its=its", dev->name);
	if (dev->ep)
		r->rc = nvec > 32 ? -EINVAL : ep_request_msi(dev->ep, (unsigned int)nvec);
	else
		r->rc = msi_domain_alloc_irqs(its->its.msi, dev->dev, (unsigned int)nvec);
	snprintf(row.label, sizeof(row.label), "%s",
		 scn_key(l, "case") ? scn_key(l, "case") : dev->name);
	snprintf(row.dev, sizeof(row.dev), "%s", dev->name);
	row.domain = domain_type_name(iommu_get_domain_for_dev(dev->dev));
	row.rc = r->rc;
	row.doorbell = its->its.doorbell;
	if (!r->rc) {
		struct msi_desc *desc = msi_get_desc(its->its.msi, dev->dev, 0);

		set_message(r, dev, desc, &row.addr, &row.lands_rc, &row.lands);
		row.data = desc->msg.data;
		if (dev->ep) {
			row.lands_rc = board_fire_msi(w, dev, &row);
			if (row.lands_rc)
				scn_set(r, "lands", "fault");
			else
				scn_set(r, "lpi", "%u", row.lpi);
		}
		if (row.fired)
			fprintf(w->out, "msi %s: %llu vector(s) via %s on %s: address 0x%llx data %u; the device wrote it: %s%u\n",
				dev->name, (unsigned long long)nvec, its->name, row.domain,
				(unsigned long long)row.addr, row.data,
				row.lpi_pending ? "LPI pending " : "no LPI, fault ",
				row.lpi_pending ? row.lpi : 0);
		else
			fprintf(w->out, "msi %s: %llu vector(s) via %s on %s: address 0x%llx data %u, write lands %s0x%llx\n",
				dev->name, (unsigned long long)nvec, its->name, row.domain,
				(unsigned long long)row.addr, row.data,
				row.lands_rc ? "nowhere (fault) " : "at ",
				(unsigned long long)row.lands);
	} else {
		fprintf(w->out, "msi %s: %llu vector(s) via %s on %s: -%s\n", dev->name,
			(unsigned long long)nvec, its->name, row.domain,
			scn_errno_name(-r->rc) ? scn_errno_name(-r->rc) : "?");
	}
	if (w->nr_rows < WORLD_MAX_ROWS)
		w->rows[w->nr_rows++] = row;
	return 0;
}

/* compose DEV its=I index=N: vector N's message and where it lands. */
int cmd_compose(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "its", "index", NULL };
	struct world_obj *dev, *its;
	struct msi_desc *desc;
	u64 index = 0, addr, lands;
	int lands_rc;

	if (its_and_dev(s, l, keys, &dev, &its) ||
	    scn_u64(s, l, "index", false, &index))
		return -1;
	desc = index < MSI_MAX_VECTORS ?
	       msi_get_desc(its->its.msi, dev->dev, (unsigned int)index) : NULL;
	if (!desc) {
		r->rc = -ENOENT;
		return 0;
	}
	set_message(r, dev, desc, &addr, &lands_rc, &lands);
	return 0;
}

/* msi-free DEV its=I: msi_domain_free_irqs(). */
int cmd_msi_free(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "its", NULL };
	struct world_obj *dev, *its;

	(void)r;
	if (its_and_dev(s, l, keys, &dev, &its))
		return -1;
	msi_domain_free_irqs(its->its.msi, dev->dev);
	return 0;
}

/* msi-cookie DOMAIN base=IOVA: iommu_get_msi_cookie(), as VFIO type1 does. */
int cmd_msi_cookie(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "base", NULL };
	struct world_obj *dom;
	u64 base;

	if (scn_check_keys(s, l, keys) ||
	    !(dom = world_arg_obj(s, l, NULL, 0, OBJ_DOMAIN)) ||
	    scn_u64(s, l, "base", true, &base))
		return -1;
	r->rc = iommu_get_msi_cookie(dom->domain, base);
	return 0;
}

/* The kernel's iommufd-like sw_msi context, made on first use. */
static struct sw_msi_ctx *kernel_sw_msi(struct world *w, struct kernel *k)
{
	struct world_obj *ko = world_kernel_obj(w, k);

	if (!ko->sw_msi)
		ko->sw_msi = sw_msi_ctx_create(k);
	return ko->sw_msi;
}

/*
 * iommufd-own DOMAIN [parent=P]: iommufd's sw_msi takes the domain as a
 * hwpt (one context per kernel); a nested one names its paging parent, as
 * IOMMU_HWPT_ALLOC does, and iommufd puts its doorbells there.
 */
int cmd_iommufd_own(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "parent", NULL };
	struct world_obj *dom, *parent = NULL;
	struct sw_msi_ctx *ctx;

	if (scn_check_keys(s, l, keys) ||
	    !(dom = world_arg_obj(s, l, NULL, 0, OBJ_DOMAIN)))
		return -1;
	if (scn_key(l, "parent") &&
	    !(parent = world_arg_obj(s, l, "parent", 0, OBJ_DOMAIN)))
		return -1;
	ctx = kernel_sw_msi(scenario_world(s), dom->k);
	if (!ctx) {
		r->rc = -ENOMEM;
		return 0;
	}
	r->rc = sw_msi_domain_init(ctx, dom->domain, parent ? parent->domain : NULL);
	if (!r->rc)
		dom->iommufd_owned = true;
	return 0;
}

/*
 * sw-msi-option DEV start=IOVA size=S: IOMMU_OPTION_SW_MSI_START / _SIZE
 * of the posted, unmerged series (v2): only under msi=sw-msi-v2, before
 * the device attaches; size a multiple of 1 MiB, 0 for the driver's window.
 */
int cmd_sw_msi_option(struct scenario *s, const struct scn_line *l,
		      struct scn_result *r)
{
	static const char *const keys[] = { "start", "size", NULL };
	struct world_obj *dev;
	struct sw_msi_ctx *ctx;
	u64 start, size;

	if (scn_check_keys(s, l, keys) ||
	    !(dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)) ||
	    scn_u64(s, l, "start", true, &start) || scn_u64(s, l, "size", true, &size))
		return -1;
	ctx = kernel_sw_msi(scenario_world(s), dev->k);
	r->rc = ctx ? sw_msi_v2_set_window(ctx, dev->dev, start, size) : -ENOMEM;
	return 0;
}

/* msi-table: every msi case since the last table, one line each. */
int cmd_msi_table(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world *w = scenario_world(s);
	FILE *out = w->out;

	(void)l;
	(void)r;
	fprintf(out, "\n%-30s %-10s %-12s %-16s %-5s %s\n", "case", "domain",
		"prepare", "msg address", "data", "the device's write lands");
	for (int i = 0; i < w->nr_rows; i++) {
		const struct msi_row *row = &w->rows[i];
		char rc[24], addr[24], lands[48], data[12];

		if (row->rc)
			snprintf(rc, sizeof(rc), "-%s", scn_errno_name(-row->rc) ?
				 scn_errno_name(-row->rc) : "?");
		else
			snprintf(rc, sizeof(rc), "0");
		snprintf(data, sizeof(data), row->rc ? "-" : "%u", row->data);
		if (row->rc) {
			snprintf(addr, sizeof(addr), "-");
			snprintf(lands, sizeof(lands), "(no vector)");
		} else {
			snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)row->addr);
			if (row->fired)
				snprintf(lands, sizeof(lands), row->lpi_pending ?
					 "ITS: LPI %u pending" : "fault, no LPI", row->lpi);
			else if (row->lands_rc)
				snprintf(lands, sizeof(lands), "fault");
			else if (row->lands == row->doorbell)
				snprintf(lands, sizeof(lands), "ITS doorbell 0x%llx",
					 (unsigned long long)row->lands);
			else
				snprintf(lands, sizeof(lands), "0x%llx (not the doorbell!)",
					 (unsigned long long)row->lands);
		}
		fprintf(out, "%-30s %-10s %-12s %-16s %-5s %s\n", row->label,
			row->domain, rc, addr, data, lands);
	}
	fprintf(out, "(why each row is so, with the mainline code it follows: docs/msi-doorbell.md)\n\n");
	w->nr_rows = 0;		/* the next table starts afresh */
	return 0;
}
