// SPDX-License-Identifier: MIT
/*
 * Every row of the MSI debate (docs/msi-doorbell.md, `msi-debate`) under
 * every MSI model of kernel/msi-model.h: mainline (the default), rfc-2023
 * (the seed's 2023 sketch) and sw-msi-v2 (the posted SW_MSI_START/SIZE
 * series).  Each row asserts prepare's return, the message address and
 * where the device's write of it lands, as that model's code has it.  Also:
 * a group without domain, SVA and PLATFORM domains (types only: no driver
 * here allocates them, so the test stamps the type on an attached domain),
 * an iommufd domain attached without an attach handle, a driver without
 * SW_MSI region, the 64-page -EOVERFLOW, a map record kept after a failed
 * install, and prepare serialised by the group mutex against a concurrent
 * replace.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-msi.h"
#include "kernel/iommu-priv.h"
#include "kernel/msi-model.h"
#include "kernel/msi-sw-msi-v2.h"
#include "kernel/sw-msi.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define DB		0x08090040ull
#define WIN		SW_MSI_DEFAULT_START
#define VMM_WIN		0x0c000000ull	/* what a VMM asks for (sw-msi-v2) */

enum model { MAINLINE, RFC_2023, SW_MSI_V2, NR_MODELS };
static const char *const names[] = { "mainline", "rfc-2023", "sw-msi-v2" };

struct env {
	enum model model;
	struct phys_mem *mem;
	struct kernel *k;
	struct mock_iommu *m;
	struct irq_domain *its, *msi;
	struct sw_msi_ctx *ctx;
	struct device *dev;
	struct iommu_domain *doms[4];
	unsigned int nr_doms;
	u32 sid;
};

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	*id = fw && fw->num_ids ? fw->ids[0] : 0xffff;
	return 0;
}

static const struct msi_domain_ops msi_ops = { .get_dev_id = get_dev_id };

static void env_init(struct env *e, enum model model)
{
	memset(e, 0, sizeof(*e));
	e->model = model;
	e->mem = phys_mem_create();
	REQUIRE(e->mem && !phys_mem_add_ram(e->mem, RAM_BASE, RAM_SIZE, "ram"));
	e->k = kernel_create(names[model], e->mem, RAM_BASE, RAM_SIZE);
	REQUIRE(e->k && !kernel_set_msi_model(e->k, names[model]));
	CHECK(!strcmp(kernel_msi_model_name(e->k), names[model]));
	e->m = mock_iommu_create(e->k, "smmu");
	e->its = sw_its_create(e->k, "its", DB, 256);
	REQUIRE(e->m && e->its);
	e->msi = msi_create_irq_domain(e->k, "msi", &msi_ops, NULL, e->its);
	REQUIRE(e->msi);
	e->sid = 1;
}

static void env_fini(struct env *e)
{
	CHECK_EQ(irq_domain_remove(e->msi), 0);
	sw_its_destroy(e->its);
	mock_iommu_destroy(e->m);
	CHECK_EQ(atomic_load(&e->k->warnings), 0);
	kernel_destroy(e->k);
	phys_mem_destroy(e->mem);
}

/* A fresh device (on the mock, or on no IOMMU) and a fresh iommufd ctx. */
static struct device *new_dev(struct env *e, bool iommu)
{
	u32 sid = e->sid++;

	e->dev = iommu ? mock_iommu_add_device(e->m, "ep", &sid, 1) :
			 device_create(e->k, "plain");
	REQUIRE(e->dev);
	if (!iommu)
		REQUIRE(!device_add(e->dev));
	e->ctx = sw_msi_ctx_create(e->k);
	REQUIRE(e->ctx);
	return e->dev;
}

static struct iommu_domain *keep(struct env *e, struct iommu_domain *d)
{
	REQUIRE(!IS_ERR_OR_NULL(d) && e->nr_doms < 4);
	e->doms[e->nr_doms++] = d;
	return d;
}

static void end_dev(struct env *e)
{
	msi_domain_free_irqs(e->msi, e->dev);
	if (e->dev->iommu_group && iommu_get_domain_for_dev(e->dev) !=
	    iommu_get_dma_domain(e->dev))
		iommu_device_release_dma_owner(e->dev);
	while (e->nr_doms) {
		struct iommu_domain *d = e->doms[--e->nr_doms];

		sw_msi_domain_release(d);
		iommu_put_dma_cookie(d);
		iommu_domain_free(d);
	}
	device_destroy(e->dev);
	CHECK_EQ(sw_msi_ctx_destroy(e->ctx), 0);
	e->dev = NULL;
}

struct got {
	int rc;
	u64 addr;
	int lands_rc;
	phys_addr_t lands;
};

static struct got prepare(struct env *e)
{
	struct got g = { 0 };

	g.rc = msi_domain_alloc_irqs(e->msi, e->dev, 1);
	if (g.rc)
		return g;
	g.addr = msi_msg_addr(&msi_get_desc(e->msi, e->dev, 0)->msg);
	g.lands_rc = mock_iommu_translate(e->dev, g.addr, &g.lands);
	if (g.lands_rc == -ENODEV) {
		g.lands_rc = 0;
		g.lands = g.addr;
	}
	return g;
}

/*
 * Expect rc; for 0, the address (0: any but the doorbell) and the landing
 * (DB, or 0 for an IOMMU fault).  Failures name the caller's line.
 */
static void expect_row(struct got g, int line, int erc, u64 eaddr, u64 elands)
{
	bool ok = g.rc == erc;

	if (ok && !erc) {
		ok = eaddr ? g.addr == eaddr : g.addr != DB;
		ok &= elands ? !g.lands_rc && g.lands == elands : g.lands_rc == -EFAULT;
	}
	test_checks++;
	if (!ok) {
		test_failures++;
		fprintf(stderr, "%s:%d: got rc %d addr %#llx lands %d/%#llx, want "
			"rc %d addr %#llx lands %#llx\n", __FILE__, line, g.rc,
			(unsigned long long)g.addr, g.lands_rc,
			(unsigned long long)g.lands, erc, (unsigned long long)eaddr,
			(unsigned long long)elands);
	}
}
#define EXPECT(e, g, erc, eaddr, elands) \
	expect_row(g, __LINE__, erc, eaddr, elands)

static void claim(struct env *e)
{
	REQUIRE(!iommu_device_claim_dma_owner(e->dev, e));
}

/* A paging domain: 0 no owner, 1 an MSI cookie, 2 iommufd (attached through it). */
static void unmanaged(struct env *e, int owner)
{
	struct iommu_domain *u;

	claim(e);
	u = keep(e, iommu_paging_domain_alloc(e->dev));
	if (owner == 1)
		REQUIRE(!iommu_get_msi_cookie(u, WIN));
	if (owner == 2) {
		REQUIRE(!sw_msi_domain_init(e->ctx, u, NULL));
		REQUIRE(!sw_msi_group_attach(e->dev->iommu_group, u));
	} else {
		REQUIRE(!iommu_attach_device(u, e->dev));
	}
}

/* A nested domain; how: 0 nobody owns, 1 iommufd, 2 iommufd attached behind its back. */
static struct iommu_domain *nested(struct env *e, int how)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	struct iommu_domain *p, *n;

	claim(e);
	p = keep(e, iommu_paging_domain_alloc_flags(e->dev,
						    IOMMU_HWPT_ALLOC_NEST_PARENT));
	n = keep(e, iommu_domain_alloc_nested(e->dev, p, 0, &data));
	if (how) {
		CHECK_EQ(sw_msi_v2_set_window(e->ctx, e->dev, VMM_WIN, 0x100000),
			 e->model == SW_MSI_V2 ? 0 : -EOPNOTSUPP);
		REQUIRE(!sw_msi_domain_init(e->ctx, p, NULL));
		REQUIRE(!sw_msi_domain_init(e->ctx, n, p));
	}
	if (how == 1)
		REQUIRE(!sw_msi_group_attach(e->dev->iommu_group, n));
	else
		REQUIRE(!iommu_attach_device(n, e->dev));
	return p;
}

static void rows_simple(enum model model)
{
	bool rfc = model == RFC_2023;
	struct env e;

	env_init(&e, model);
	/* No IOMMU: the physical doorbell, in every design. */
	new_dev(&e, false);
	EXPECT(&e, prepare(&e), 0, DB, DB);
	end_dev(&e);

	/* A group whose domain is NULL (as during probe): untranslated. */
	new_dev(&e, true);
	{
		struct iommu_group *grp = e.dev->iommu_group;
		struct iommu_domain *was;

		mutex_lock(&grp->mutex);
		was = grp->domain;
		grp->domain = NULL;
		mutex_unlock(&grp->mutex);
		CHECK_EQ(msi_domain_alloc_irqs(e.msi, e.dev, 1), 0);
		CHECK_EQ(msi_msg_addr(&msi_get_desc(e.msi, e.dev, 0)->msg), DB);
		msi_domain_free_irqs(e.msi, e.dev);
		mutex_lock(&grp->mutex);
		grp->domain = was;
		mutex_unlock(&grp->mutex);
	}
	/* DMA: dma-iommu maps it at an IOVA of its own; the sketch's -EINVAL. */
	EXPECT(&e, prepare(&e), rfc ? -EINVAL : 0, 0, DB);
	msi_domain_free_irqs(e.msi, e.dev);
	/* BLOCKED: nobody may own a doorbell in it. */
	claim(&e);
	EXPECT(&e, prepare(&e), rfc ? -EINVAL : -EOPNOTSUPP, 0, 0);
	end_dev(&e);

	/* IDENTITY: passes through. */
	REQUIRE(!mock_iommu_set_def_domain_type(e.m, e.sid, IOMMU_DOMAIN_IDENTITY));
	new_dev(&e, true);
	EXPECT(&e, prepare(&e), 0, DB, DB);
	end_dev(&e);
	env_fini(&e);
}

static void rows_unmanaged(enum model model)
{
	bool rfc = model == RFC_2023;
	struct env e;

	env_init(&e, model);
	/* An MSI cookie (VFIO type1): doorbells linearly from its base. */
	new_dev(&e, true);
	unmanaged(&e, 1);
	EXPECT(&e, prepare(&e), 0, WIN | (DB & 0xfff), DB);
	CHECK_EQ(e.doms[0]->cookie_type, IOMMU_COOKIE_DMA_MSI);
	end_dev(&e);
	/* No owner: refused, except by the sketch's "// ???" return 0. */
	new_dev(&e, true);
	unmanaged(&e, 0);
	EXPECT(&e, prepare(&e), rfc ? 0 : -EOPNOTSUPP, DB, 0);
	/* SVA and PLATFORM are no owner's either (types stamped, see above). */
	msi_domain_free_irqs(e.msi, e.dev);
	e.doms[0]->type = IOMMU_DOMAIN_SVA;
	EXPECT(&e, prepare(&e), rfc ? -EINVAL : -EOPNOTSUPP, 0, 0);
	e.doms[0]->type = IOMMU_DOMAIN_PLATFORM;
	EXPECT(&e, prepare(&e), rfc ? -EINVAL : -EOPNOTSUPP, 0, 0);
	e.doms[0]->type = IOMMU_DOMAIN_UNMANAGED;
	end_dev(&e);
	/* A plain iommufd paging hwpt: iommufd's window (the 2023 iommufd:
	 * an MSI cookie at the same start). */
	new_dev(&e, true);
	unmanaged(&e, 2);
	EXPECT(&e, prepare(&e), 0, WIN | (DB & 0xfff), DB);
	CHECK_EQ(e.doms[0]->cookie_type,
		 rfc ? IOMMU_COOKIE_DMA_MSI : IOMMU_COOKIE_IOMMUFD);
	CHECK_EQ(iommu_get_msi_cookie(e.doms[0], WIN), -EEXIST);
	end_dev(&e);
	env_fini(&e);
}

static void rows_nested(enum model model)
{
	u64 win = model == SW_MSI_V2 ? VMM_WIN : WIN;
	bool rfc = model == RFC_2023;
	struct iommu_domain *p;
	struct env e;

	env_init(&e, model);
	/* Owned by iommufd: the doorbell is in stage 2, at the window. */
	new_dev(&e, true);
	p = nested(&e, 1);
	EXPECT(&e, prepare(&e), 0, win | (DB & 0xfff), DB);
	CHECK_EQ(iommu_iova_to_phys(p, win), DB & ~0xfffull);
	/* The guest's own write to its vITS page (IPA 0x0c090040) faults. */
	{
		phys_addr_t pa;

		CHECK_EQ(mock_iommu_translate(e.dev, 0x0c090040, &pa), -EFAULT);
	}
	end_dev(&e);

	/* A driver without get_msi_mapping_domain: only the sketch cares. */
	mock_iommu_set_nested_msi_parent(e.m, false);
	new_dev(&e, true);
	nested(&e, 1);
	EXPECT(&e, prepare(&e), rfc ? -EINVAL : 0, win | (DB & 0xfff), DB);
	end_dev(&e);
	mock_iommu_set_nested_msi_parent(e.m, true);

	/* Nobody owns it: no cookie; the sketch asks the driver for the parent,
	 * finds no cookie there and returns 0 with the physical address. */
	new_dev(&e, true);
	nested(&e, 0);
	EXPECT(&e, prepare(&e), rfc ? 0 : -EOPNOTSUPP, DB, 0);
	end_dev(&e);

	/* iommufd's, attached without iommufd (no attach handle): 0, untranslated. */
	new_dev(&e, true);
	p = nested(&e, 2);
	EXPECT(&e, prepare(&e), 0, DB, 0);
	CHECK_EQ(iommu_iova_to_phys(p, win), 0);
	end_dev(&e);

	/* A driver without IOMMU_RESV_SW_MSI: no change to the message (the
	 * VMM's window still counts under sw-msi-v2). */
	mock_iommu_set_sw_msi(e.m, false);
	new_dev(&e, true);
	nested(&e, 1);
	EXPECT(&e, prepare(&e), 0, model == SW_MSI_V2 ? win | (DB & 0xfff) : DB,
	       model == SW_MSI_V2 ? DB : 0);
	end_dev(&e);
	mock_iommu_set_sw_msi(e.m, true);
	env_fini(&e);
}

/* 64 doorbell pages per context (mainline's bitmaps): the 65th -EOVERFLOW. */
static void test_overflow(enum model model)
{
	struct msi_desc desc;
	struct iommu_domain *p;
	struct env e;
	int ret = 0;

	env_init(&e, model);
	new_dev(&e, true);
	p = nested(&e, 1);
	for (unsigned int i = 0; i <= SW_MSI_MAX_PAGES; i++) {
		memset(&desc, 0, sizeof(desc));
		desc.dev = e.dev;
		ret = iommu_dma_prepare_msi(&desc, DB + (u64)i * PAGE_SIZE);
		if (i < SW_MSI_MAX_PAGES)
			CHECK_EQ(ret, 0);
	}
	/* The sketch's MSI cookie allocates linearly, without that limit. */
	CHECK_EQ(ret, model == RFC_2023 ? 0 : -EOVERFLOW);
	if (model != RFC_2023)
		CHECK_EQ(sw_msi_nr_maps(e.ctx), SW_MSI_MAX_PAGES);
	CHECK_EQ(iommu_iova_to_phys(p, (model == SW_MSI_V2 ? VMM_WIN : WIN) +
					 (SW_MSI_MAX_PAGES - 1) * PAGE_SIZE),
		 DB + (SW_MSI_MAX_PAGES - 1) * PAGE_SIZE - 0x40);
	end_dev(&e);
	env_fini(&e);
}

/* mainline keeps the map record when the install fails; the retry reuses it. */
static void test_record_kept(void)
{
	struct iommu_domain *p;
	bool kept = false;
	struct env e;
	int ret;

	env_init(&e, MAINLINE);
	new_dev(&e, true);
	p = nested(&e, 1);
	for (unsigned long n = 1;; n++) {
		kernel_fail_nth(e.k, n);
		ret = msi_domain_alloc_irqs(e.msi, e.dev, 1);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(iommu_iova_to_phys(p, WIN), 0);
		kept |= sw_msi_nr_maps(e.ctx) == 1;
		REQUIRE(n < 64);
	}
	CHECK(kept);	/* some failure came after the record was made */
	CHECK_EQ(sw_msi_nr_maps(e.ctx), 1);
	CHECK_EQ(msi_msg_addr(&msi_get_desc(e.msi, e.dev, 0)->msg), WIN | (DB & 0xfff));
	end_dev(&e);
	env_fini(&e);
}

/*
 * Prepare holds the group mutex against a concurrent replace: one thread
 * allocates vectors while another replaces the group between two nested
 * domains and frees each one it left.  iommufd_sw_msi asserts the mutex
 * (a kernel warning otherwise); without it prepare would also use a domain
 * the replacing thread frees (ASan), and program an IOVA the new domain
 * lacks.
 */
struct race {
	struct env *e;
	atomic_bool stop;
	atomic_int iters;
	int bad;
};

static void *race_prepare(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		if (msi_domain_alloc_irqs(r->e->msi, r->e->dev, 2))
			r->bad++;
		msi_domain_free_irqs(r->e->msi, r->e->dev);
		atomic_fetch_add(&r->iters, 1);
	}
	return NULL;
}

static void test_group_mutex(void)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };
	struct iommu_domain *p, *cur, *next;
	struct race r = { 0 };
	pthread_t t;
	struct env e;

	env_init(&e, MAINLINE);
	new_dev(&e, true);
	p = nested(&e, 1);
	cur = e.doms[1];
	e.nr_doms = 1;		/* the nested ones are ours to free below */
	r.e = &e;
	REQUIRE(!pthread_create(&t, NULL, race_prepare, &r));
	/* Both sides run a while, whichever thread the scheduler favours. */
	for (int i = 0; i < 200 || atomic_load(&r.iters) < 200; i++) {
		next = iommu_domain_alloc_nested(e.dev, p, 0, &data);
		REQUIRE(!IS_ERR(next) && !sw_msi_domain_init(e.ctx, next, p));
		CHECK_EQ(sw_msi_group_replace(e.dev->iommu_group, next), 0);
		sw_msi_domain_release(cur);
		iommu_domain_free(cur);
		cur = next;
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	CHECK_EQ(r.bad, 0);
	CHECK_EQ(atomic_load(&e.k->warnings), 0);
	msi_domain_free_irqs(e.msi, e.dev);
	iommu_device_release_dma_owner(e.dev);
	sw_msi_domain_release(cur);
	iommu_domain_free(cur);
	end_dev(&e);
	env_fini(&e);
}

static void test_select(void)
{
	struct env e;

	env_init(&e, MAINLINE);
	CHECK_EQ(kernel_set_msi_model(e.k, "rfc-2024"), -EINVAL);
	CHECK_EQ(kernel_set_msi_model(e.k, NULL), -EINVAL);
	CHECK(!strcmp(kernel_msi_model_name(e.k), "mainline"));
	/* sw-msi-v2's checks, in the series' order. */
	REQUIRE(!kernel_set_msi_model(e.k, "sw-msi-v2"));
	REQUIRE(!mock_iommu_add_resv_region(e.m, e.sid, 0x0d080000, 0x1000, 0,
					    IOMMU_RESV_RESERVED));
	new_dev(&e, true);
	CHECK_EQ(sw_msi_v2_set_window(e.ctx, e.dev, 0x0d000000, 0x100000),
		 -EADDRINUSE);
	CHECK_EQ(sw_msi_v2_set_window(e.ctx, e.dev, 0x0c090000, 0x100000), -EINVAL);
	CHECK_EQ(sw_msi_v2_set_window(e.ctx, e.dev, 0x0c000000, 0x1000), -EINVAL);
	CHECK_EQ(sw_msi_v2_set_window(e.ctx, e.dev, ~0xfffffull, 0x200000), -EOVERFLOW);
	CHECK_EQ(sw_msi_v2_test(e.dev, 0x0c000000, 0x100000), 0);
	end_dev(&e);
	REQUIRE(!kernel_set_msi_model(e.k, "mainline"));
	new_dev(&e, true);
	CHECK_EQ(sw_msi_v2_set_window(e.ctx, e.dev, 0x0c000000, 0x100000), -EOPNOTSUPP);
	end_dev(&e);
	env_fini(&e);
}

int main(void)
{
	test_select();
	for (int m = 0; m < NR_MODELS; m++) {
		rows_simple(m);
		rows_unmanaged(m);
		rows_nested(m);
		test_overflow(m);
	}
	test_record_kept();
	test_group_mutex();
	return test_done();
}
