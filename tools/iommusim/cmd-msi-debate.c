// SPDX-License-Identifier: MIT
/*
 * msi-debate: the seed thread's question as one table.  The same cases -
 * a device on each kind of domain - run under every MSI model of
 * kernel/msi-model.h (mainline, the 2023 sketch, the posted SW_MSI_START
 * series), each in a kernel instance of its own over the mock IOMMU and a
 * software ITS whose doorbell is at PA 0x08090040.  For every case and
 * model the table gives prepare's return, the message address compose
 * wrote, and where the device's write of it lands: the ITS doorbell, RAM,
 * or a fault the IOMMU records.  Nested cases add the guest's side: the
 * guest believes its vITS doorbell is at IPA 0x0c090040 (not the PA), its
 * stage 1 is off (the mock's S1_BYPASS, as a guest that maps it 1:1), and
 * a VMM asks for the window with IOMMU_OPTION_SW_MSI_START where the model
 * has it (a second nested case has the vITS doorbell page 1 MiB aligned,
 * as the series would need).  Nothing is scripted: each cell is what the
 * model's code did.
 */
#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/msi-model.h"
#include "kernel/msi-sw-msi-v2.h"
#include "kernel/sw-msi.h"
#include "tools/iommusim/world-priv.h"

#define DEB_RAM_BASE	0x40000000ULL
#define DEB_RAM_SIZE	(64ULL << 20)
#define DEB_DOORBELL	0x08090040ULL		/* ITS at 0x08080000 */
#define DEB_GUEST_DB	0x0c090040ULL		/* the guest's vITS doorbell IPA */
#define DEB_VMM_WINDOW	0x0c000000ULL		/* 1 MiB aligned, holds the vITS */
/* A VMM that laid its vITS out for the series: doorbell page 1 MiB aligned. */
#define DEB_GUEST_DB_AL	0x0c100040ULL
#define DEB_VMM_WIN_AL	0x0c100000ULL
#define DEB_MAX_DOMS	8

struct deb_env {
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m, *m_noop;	/* m_noop: nested without the op */
	struct irq_domain *its, *msi;
	struct sw_msi_ctx *ctx;
	struct device *dev;
	struct iommu_domain *doms[DEB_MAX_DOMS];
	unsigned int nr_doms;
	bool claimed;
};

struct deb_cell {
	int rc;
	u64 addr;
	int lands_rc;
	u64 lands;
	bool guest;		/* nested: the guest's own write was tried */
	u64 guest_ipa;
	int guest_rc;
	u64 guest_lands;
};

static int deb_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	*id = fw && fw->num_ids ? fw->ids[0] : 0xffff;
	return 0;
}

static const struct msi_domain_ops deb_msi_ops = { .get_dev_id = deb_dev_id };

static int deb_env_init(struct deb_env *e, const char *model)
{
	memset(e, 0, sizeof(*e));
	e->mem = phys_mem_create();
	if (!e->mem || phys_mem_add_ram(e->mem, DEB_RAM_BASE, DEB_RAM_SIZE, "ram"))
		return -ENOMEM;
	e->k = kernel_create(model, e->mem, DEB_RAM_BASE, DEB_RAM_SIZE);
	if (!e->k || kernel_set_msi_model(e->k, model))
		return -ENOMEM;
	e->m = mock_iommu_create(e->k, "smmu");
	e->m_noop = mock_iommu_create(e->k, "smmu-noop");
	e->its = sw_its_create(e->k, "its", DEB_DOORBELL, 64);
	if (!e->m || !e->m_noop || !e->its)
		return -ENOMEM;
	mock_iommu_set_nested_msi_parent(e->m_noop, false);
	e->msi = msi_create_irq_domain(e->k, "msi", &deb_msi_ops, NULL, e->its);
	return e->msi ? 0 : -ENOMEM;
}

static void deb_env_fini(struct deb_env *e)
{
	if (e->msi)
		irq_domain_remove(e->msi);
	if (e->its)
		sw_its_destroy(e->its);
	if (e->m_noop)
		mock_iommu_destroy(e->m_noop);
	if (e->m)
		mock_iommu_destroy(e->m);
	if (e->k)
		kernel_destroy(e->k);
	if (e->mem)
		phys_mem_destroy(e->mem);
}

/* Undo one case: vectors, the group's domain, its owner, the device. */
static void deb_case_fini(struct deb_env *e)
{
	if (e->dev)
		msi_domain_free_irqs(e->msi, e->dev);
	if (e->claimed)
		iommu_device_release_dma_owner(e->dev);	/* back to its default */
	while (e->nr_doms) {	/* the nested one first */
		struct iommu_domain *d = e->doms[--e->nr_doms];

		sw_msi_domain_release(d);
		iommu_put_dma_cookie(d);
		iommu_domain_free(d);
	}
	if (e->dev)
		device_destroy(e->dev);
	e->dev = NULL;
	e->claimed = false;
	sw_msi_ctx_destroy(e->ctx);	/* an iommufd context per case */
	e->ctx = NULL;
}

static struct iommu_domain *deb_keep(struct deb_env *e, struct iommu_domain *d)
{
	if (IS_ERR_OR_NULL(d) || e->nr_doms == DEB_MAX_DOMS)
		return NULL;
	e->doms[e->nr_doms++] = d;
	return d;
}

static int deb_add(struct deb_env *e, struct mock_iommu *m, u32 sid)
{
	e->dev = m ? mock_iommu_add_device(m, "ep", &sid, 1) :
		     device_create(e->k, "plain");
	if (e->dev && !m && device_add(e->dev)) {
		device_destroy(e->dev);
		e->dev = NULL;
	}
	return e->dev ? 0 : -ENOMEM;
}

static int deb_claim(struct deb_env *e)
{
	int ret = iommu_device_claim_dma_owner(e->dev, e);

	e->claimed = !ret;
	return ret;
}

/* A paging domain, optionally owned by iommufd and attached through it. */
static int deb_unmanaged(struct deb_env *e, int owner)
{
	struct iommu_domain *u;
	int ret = deb_claim(e);

	if (ret)
		return ret;
	u = deb_keep(e, iommu_paging_domain_alloc(e->dev));
	if (!u)
		return -ENOMEM;
	if (owner == 1)
		ret = iommu_get_msi_cookie(u, SW_MSI_DEFAULT_START);
	if (owner == 2)
		ret = sw_msi_domain_init(e->ctx, u, NULL);
	if (ret)
		return ret;
	return owner == 2 ? sw_msi_group_attach(e->dev->iommu_group, u) :
			    iommu_attach_device(u, e->dev);
}

/* A nested domain over a stage-2 parent; owned: through iommufd. */
static int deb_nested(struct deb_env *e, bool owned, u64 window)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	struct iommu_domain *p, *n;
	int ret = deb_claim(e);

	if (ret)
		return ret;
	p = deb_keep(e, iommu_paging_domain_alloc_flags(e->dev,
						IOMMU_HWPT_ALLOC_NEST_PARENT));
	n = p ? deb_keep(e, iommu_domain_alloc_nested(e->dev, p, 0, &data)) : NULL;
	if (!n)
		return -ENOMEM;
	if (!owned)
		return iommu_attach_device(n, e->dev);
	/* The VMM asks for its window; only sw-msi-v2 has the option. */
	sw_msi_v2_set_window(e->ctx, e->dev, window, 0x100000);
	ret = sw_msi_domain_init(e->ctx, p, NULL);
	if (!ret)
		ret = sw_msi_domain_init(e->ctx, n, p);
	return ret ? ret : sw_msi_group_attach(e->dev->iommu_group, n);
}

enum deb_case {
	DEB_NO_IOMMU, DEB_IDENTITY, DEB_BLOCKED, DEB_DMA, DEB_UM_COOKIE,
	DEB_UM_NONE, DEB_UM_IOMMUFD, DEB_NESTED, DEB_NESTED_ALIGNED,
	DEB_NESTED_NOOP, DEB_NESTED_NOOWNER, DEB_NR,
};

static const char *const deb_names[DEB_NR] = {
	"no IOMMU", "IDENTITY", "BLOCKED", "DMA", "UNMANAGED+msi-cookie (VFIO)",
	"UNMANAGED, no cookie", "UNMANAGED, iommufd hwpt", "NESTED, iommufd",
	"NESTED, vITS page 1M-aligned", "NESTED, iommufd, no driver op",
	"NESTED, no owner",
};

static int deb_setup(struct deb_env *e, enum deb_case c)
{
	u32 sid = 0x10 + c;
	int ret;

	ret = deb_add(e, c == DEB_NO_IOMMU ? NULL :
			 c == DEB_NESTED_NOOP ? e->m_noop : e->m, sid);
	if (ret)
		return ret;
	switch (c) {
	case DEB_IDENTITY:
		return iommu_get_domain_for_dev(e->dev)->type ==
		       IOMMU_DOMAIN_IDENTITY ? 0 : -EINVAL;
	case DEB_BLOCKED:
		return deb_claim(e);
	case DEB_UM_COOKIE:
		return deb_unmanaged(e, 1);
	case DEB_UM_NONE:
		return deb_unmanaged(e, 0);
	case DEB_UM_IOMMUFD:
		return deb_unmanaged(e, 2);
	case DEB_NESTED:
	case DEB_NESTED_NOOP:
		return deb_nested(e, true, DEB_VMM_WINDOW);
	case DEB_NESTED_ALIGNED:
		return deb_nested(e, true, DEB_VMM_WIN_AL);
	case DEB_NESTED_NOOWNER:
		return deb_nested(e, false, 0);
	default:
		return 0;
	}
}

static void deb_write(struct device *dev, u64 addr, int *rc, u64 *pa)
{
	phys_addr_t out = 0;

	*rc = mock_iommu_translate(dev, addr, &out);
	if (*rc == -ENODEV) {		/* no IOMMU: the bus sees the address */
		*rc = 0;
		out = addr;
	}
	*pa = out;
}

static void deb_run(struct deb_env *e, enum deb_case c, struct deb_cell *cell)
{
	memset(cell, 0, sizeof(*cell));
	e->ctx = sw_msi_ctx_create(e->k);
	if (!e->ctx) {
		cell->rc = -ENOMEM;
		return;
	}
	if (c == DEB_IDENTITY)
		mock_iommu_set_def_domain_type(e->m, 0x10 + c, IOMMU_DOMAIN_IDENTITY);
	cell->rc = deb_setup(e, c);
	if (!cell->rc)
		cell->rc = msi_domain_alloc_irqs(e->msi, e->dev, 1);
	if (!cell->rc) {
		cell->addr = msi_msg_addr(&msi_get_desc(e->msi, e->dev, 0)->msg);
		deb_write(e->dev, cell->addr, &cell->lands_rc, &cell->lands);
		if (c >= DEB_NESTED && c != DEB_NESTED_NOOWNER) {
			cell->guest = true;
			cell->guest_ipa = c == DEB_NESTED_ALIGNED ? DEB_GUEST_DB_AL :
								  DEB_GUEST_DB;
			deb_write(e->dev, cell->guest_ipa, &cell->guest_rc,
				  &cell->guest_lands);
		}
	}
	deb_case_fini(e);
}

static void deb_where(char *buf, size_t len, struct deb_env *e, int rc, u64 pa,
		      bool nested)
{
	if (rc)
		snprintf(buf, len, "IOMMU fault%s (%s)", nested ? " at stage 2" : "",
			 scn_errno_name(-rc) ? scn_errno_name(-rc) : "?");
	else if (pa == DEB_DOORBELL)
		snprintf(buf, len, "ITS doorbell 0x%llx", (unsigned long long)pa);
	else if (phys_ram_ptr(e->mem, pa, 4))
		snprintf(buf, len, "RAM 0x%llx (stray write!)", (unsigned long long)pa);
	else
		snprintf(buf, len, "0x%llx (nothing there)", (unsigned long long)pa);
}

static void deb_print(FILE *out, struct deb_env *e, const char *model,
		      const char *label, const struct deb_cell *cell, bool nested)
{
	char rc[16], addr[24], lands[48], where[48], guest[72] = "";

	snprintf(rc, sizeof(rc), cell->rc ? "-%s" : "0",
		 cell->rc && scn_errno_name(-cell->rc) ? scn_errno_name(-cell->rc) : "?");
	if (cell->rc) {
		snprintf(addr, sizeof(addr), "-");
		snprintf(lands, sizeof(lands), "(no vector)");
	} else {
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)cell->addr);
		deb_where(lands, sizeof(lands), e, cell->lands_rc, cell->lands, nested);
	}
	if (cell->guest) {
		deb_where(where, sizeof(where), e, cell->guest_rc,
			  cell->guest_lands, true);
		snprintf(guest, sizeof(guest), "0x%llx: %s",
			 (unsigned long long)cell->guest_ipa, where);
	}
	if (cell->guest)
		fprintf(out, "%-30s %-10s %-12s %-14s %-32s %s\n", label, model, rc,
			addr, lands, guest);
	else
		fprintf(out, "%-30s %-10s %-12s %-14s %s\n", label, model, rc, addr,
			lands);
}

/* msi-debate: every case under every model, side by side. */
int cmd_msi_debate(struct scenario *s, const struct scn_line *l,
		   struct scn_result *r)
{
	struct deb_cell cells[DEB_NR][3];
	struct deb_env envs[3];
	FILE *out = scenario_out(s);
	int ret = 0;

	(void)l;
	memset(envs, 0, sizeof(envs));
	for (int m = 0; m < 3 && !ret; m++) {
		ret = deb_env_init(&envs[m], msi_model_names[m]);
		for (int c = 0; c < DEB_NR && !ret; c++)
			deb_run(&envs[m], c, &cells[c][m]);
	}
	fprintf(out, "\n%-30s %-10s %-12s %-14s %-32s %s\n", "case", "model",
		"prepare", "msg address", "the device's write lands",
		"the guest's write to its vITS doorbell IPA");
	for (int c = 0; c < DEB_NR && !ret; c++)
		for (int m = 0; m < 3; m++)
			deb_print(out, &envs[m], msi_model_names[m],
				  m ? "" : deb_names[c], &cells[c][m],
				  c >= DEB_NESTED);
	fprintf(out, "(doorbell PA 0x%llx.  Nested: guest stage 1 off (as a guest that "
		"maps the window 1:1, an RMR); the VMM asks for the window at the 1 MiB\n"
		" aligned base of its vITS region with IOMMU_OPTION_SW_MSI_START, which only "
		"sw-msi-v2 grants; docs/msi-doorbell.md says where each model comes from)\n\n",
		(unsigned long long)DEB_DOORBELL);
	for (int m = 0; m < 3; m++)
		deb_env_fini(&envs[m]);
	r->rc = ret;
	return 0;
}
