// SPDX-License-Identifier: MIT
/*
 * Changing a live stream's configuration, and the command queue's error
 * path:
 *  - replacing a device's domain while another thread keeps translating a
 *    mapped address never exposes a fault: stage 1 <-> stage 1 (the CD
 *    double buffer turns it into a one-qword STE change) and stage 1 <->
 *    identity are hitless updates;
 *  - an illegal command stops the queue (CMDQ_CONS.ERR = CERROR_ILL); the
 *    driver skips it as Linux does, whether GERROR reaches it as an
 *    interrupt or it finds the queue stopped while polling;
 *  - an event queue overflow is acknowledged and events flow again.
 */
#include <pthread.h>

#include "tests/arm-smmu-v3-machine.h"
#include "tests/coherency-expect.h"

#define SID	5
#define IOVA	0x100000ULL
#define PA0	0x48000000ULL

struct dma_thread {
	struct testbed *m;
	atomic_bool stop;
	atomic_ulong ok, tries;
	unsigned long faults, wrong;
};

static void *dma_loop(void *arg)
{
	struct dma_thread *t = arg;

	while (!atomic_load(&t->stop)) {
		u64 pa = 0;
		int ret = m_dma(t->m, SID, IOVA + 0x40, false, &pa);

		atomic_fetch_add(&t->tries, 1);
		if (ret)
			t->faults++;
		else if (pa != PA0 + 0x40 && pa != IOVA + 0x40)
			t->wrong++;
		else
			atomic_fetch_add(&t->ok, 1);
	}
	return NULL;
}

static void test_hitless_replace(void)
{
	struct arm_smmu_stats st0, st1;
	struct iommu_domain *u1, *u2, *ident;
	struct dma_thread t = { 0 };
	struct coh_expect coh;
	struct iommu_group *grp;
	struct testbed m;
	struct device *dev;
	pthread_t th;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "dev", SID);
	grp = iommu_group_get(dev);
	ident = dev_iommu_ops(dev)->identity_domain;
	u1 = iommu_paging_domain_alloc(dev);
	u2 = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(u1) && !IS_ERR(u2));
	CHECK(arm_smmu_domain_tag(u1) != arm_smmu_domain_tag(u2));
	CHECK_EQ(iommu_map(u1, IOVA, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(iommu_map(u2, IOVA, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(iommu_map(iommu_get_domain_for_dev(dev), IOVA, PA0, 0x1000,
			   IOMMU_READ), 0);
	CHECK_EQ(iommu_group_claim_dma_owner(grp, &m), 0);
	CHECK_EQ(iommu_group_replace_domain(grp, u1), 0);

	/*
	 * The device translates while the driver rewrites its STE: between
	 * a word's store and the CFGI that follows it, a translation may
	 * legally use the cached old STE, and the coherency checker, which
	 * compares at use, cannot tell that window from a missing CFGI
	 * (docs/smmuv3.md, "what it cannot see").  Reports are counted here,
	 * not fatal; what this test asserts is that no DMA ever faults.
	 */
	coh_expect_begin(m.hw, &coh);
	t.m = &m;
	REQUIRE(pthread_create(&th, NULL, dma_loop, &t) == 0);
	arm_smmu_get_stats(m.smmu, &st0);
	/* Start replacing once the device is translating, and keep going
	 * until it has translated through many replacements. */
	while (!atomic_load(&t.tries))
		cpu_relax();
	for (int i = 0; i < 400 || (atomic_load(&t.tries) < 20000 && i < 20000); i++) {
		CHECK_EQ(iommu_group_replace_domain(grp, u2), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, u1), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, ident), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, u2), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, u1), 0);
	}
	arm_smmu_get_stats(m.smmu, &st1);
	atomic_store(&t.stop, true);
	pthread_join(th, NULL);

	CHECK_EQ(t.faults, 0);
	CHECK_EQ(t.wrong, 0);
	CHECK(atomic_load(&t.ok) > 0);
	CHECK_EQ(st1.ste_breaking, st0.ste_breaking);	/* no V=0 step */
	CHECK_EQ(m_drain_events(&m), 0);

	/* Stage 1 -> stage 2 changes two qwords: a breaking update. */
	{
		struct iommu_domain *s2 = iommu_paging_domain_alloc_flags(
			dev, IOMMU_HWPT_ALLOC_NEST_PARENT);

		REQUIRE(!IS_ERR(s2));
		CHECK_EQ(iommu_map(s2, IOVA, PA0, 0x1000, IOMMU_READ), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, s2), 0);
		arm_smmu_get_stats(m.smmu, &st0);
		CHECK_EQ(st0.ste_breaking, st1.ste_breaking + 1);
		CHECK_EQ(m_dma(&m, SID, IOVA, false, NULL), 0);
		CHECK_EQ(iommu_group_replace_domain(grp, u1), 0);
		iommu_domain_free(s2);
	}

	iommu_group_release_dma_owner(grp);
	CHECK_EQ(m_dma(&m, SID, IOVA, false, NULL), 0);	/* default domain */
	iommu_domain_free(u1);
	iommu_domain_free(u2);
	CHECK_EQ(iommu_unmap(iommu_get_domain_for_dev(dev), IOVA, 0x1000), 0x1000);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

static void test_cmdq_error(bool unwired)
{
	struct arm_smmu_stats st;
	struct iommu_domain *dom;
	struct testbed m;
	struct device *dev;
	u64 bad[2] = { 0xff, 0 };			/* no such opcode */
	u64 ssec[2] = { 0x3 | BIT_ULL(10), 0 };	/* CFGI_STE, SSec=1 */

	testbed_create(&m, NULL);
	testbed_wire_irqs(&m, !unwired);
	dev = m_add_sid(&m, "dev", SID);
	dom = iommu_get_domain_for_dev(dev);

	CHECK_EQ(arm_smmu_issue_raw_cmd(m.smmu, bad), 0);
	arm_smmu_get_stats(m.smmu, &st);
	CHECK_EQ(st.cmdq_errors, 1);
	CHECK_EQ(st.cmdq_skipped, 1);
	CHECK_EQ(st.last_cmdq_err, 1);		/* CERROR_ILL */
	CHECK_EQ(st.last_bad_cmd[0], 0xff);
	/* The driver said so in the host's log, in Linux's words. */
	CHECK(kernel_log_contains(m.k, "skipping command in error state: 0x00000000000000ff"));
	CHECK_EQ(testbed_irqs(&m, 1), 1);	/* GERROR */
	/* Acknowledged: GERROR and GERRORN agree, the queue is drained. */
	CHECK_EQ(m_readl(&m, 0x60) ^ m_readl(&m, 0x64), 0);
	CHECK_EQ(m_readl(&m, 0x98) & 0xfffff, m_readl(&m, 0x9c) & 0xfffff);

	CHECK_EQ(arm_smmu_issue_raw_cmd(m.smmu, ssec), 0);
	arm_smmu_get_stats(m.smmu, &st);
	CHECK_EQ(st.cmdq_skipped, 2);

	/* The queue still works: unmap's TLBI takes effect. */
	CHECK_EQ(iommu_map(dom, IOVA, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, SID, IOVA, false, NULL), 0);
	CHECK_EQ(iommu_unmap(dom, IOVA, 0x1000), 0x1000);
	CHECK_EQ(m_dma(&m, SID, IOVA, false, NULL), 0x10);
	if (unwired)
		arm_smmu_evtq_irq(m.smmu);
	CHECK_EQ(m_drain_events(&m), 1);

	device_destroy(dev);
	testbed_destroy(&m);
}

static void test_evtq_overflow(void)
{
	struct arm_smmu_stats st;
	struct arm_smmu_event evt;
	struct testbed m;
	struct device *dev;
	unsigned int n = 0;

	testbed_create(&m, NULL);
	testbed_wire_irqs(&m, false);	/* nobody drains while the queue fills */
	dev = m_add_sid(&m, "dev", SID);
	for (int i = 0; i < 300; i++)
		CHECK_EQ(m_dma(&m, SID, 0x1000000 + (u64)i * 0x1000, false, NULL), 0x10);
	arm_smmu_evtq_irq(m.smmu);
	arm_smmu_get_stats(m.smmu, &st);
	CHECK_EQ(st.evtq_overflows, 1);
	CHECK(st.events >= 64);
	CHECK_EQ(st.events_dropped, st.events - 64);
	while (!m_pop(&m, &evt)) {
		CHECK_EQ(evt.id, 0x10);
		CHECK_EQ(evt.sid, SID);
		n++;
	}
	CHECK_EQ(n, 64);
	/* Acknowledged: the next fault is recorded and consumed again. */
	testbed_wire_irqs(&m, true);
	CHECK_EQ(m_dma(&m, SID, 0x7000, true, NULL), 0x10);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.iova, 0x7000);
	CHECK(!evt.read);
	arm_smmu_get_stats(m.smmu, &st);
	CHECK_EQ(st.evtq_overflows, 1);

	device_destroy(dev);
	testbed_destroy(&m);
}

/* A fault handler sees each event once, in order. */
struct seen {
	unsigned int n;
	u64 last_iova;
};

static void on_fault(void *opaque, const struct arm_smmu_event *evt)
{
	struct seen *s = opaque;

	s->n++;
	s->last_iova = evt->iova;
}

static void test_fault_handler(void)
{
	struct seen s = { 0, 0 };
	struct testbed m;
	struct device *dev;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "dev", SID);
	arm_smmu_set_fault_handler(m.smmu, on_fault, &s);
	CHECK_EQ(m_dma(&m, SID, 0x3000, false, NULL), 0x10);
	CHECK_EQ(m_dma(&m, SID, 0x4000, false, NULL), 0x10);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.last_iova, 0x4000);
	arm_smmu_set_fault_handler(m.smmu, NULL, NULL);
	CHECK_EQ(m_dma(&m, SID, 0x5000, false, NULL), 0x10);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(m_drain_events(&m), 3);
	device_destroy(dev);
	testbed_destroy(&m);
}

/* Two devices map, DMA and unmap at once: commands from both interleave. */
struct mapper {
	struct testbed *m;
	struct iommu_domain *dom;
	u32 sid;
	unsigned long bad;
};

static void *map_loop(void *arg)
{
	struct mapper *w = arg;

	for (int i = 0; i < 300; i++) {
		u64 iova = 0x200000 + (u64)(i & 63) * 0x1000, pa = 0;

		if (iommu_map(w->dom, iova, PA0 + (u64)w->sid * 0x100000, 0x1000,
			      IOMMU_READ))
			w->bad++;
		if (m_dma(w->m, w->sid, iova, false, &pa) ||
		    pa != PA0 + (u64)w->sid * 0x100000)
			w->bad++;
		if (iommu_unmap(w->dom, iova, 0x1000) != 0x1000)
			w->bad++;
		/* Unmapped and invalidated: this DMA must fault. */
		if (m_dma(w->m, w->sid, iova, false, NULL) != 0x10)
			w->bad++;
	}
	return NULL;
}

static void test_concurrent_unmap(void)
{
	struct mapper w[2];
	pthread_t th[2];
	struct device *dev[2];
	struct testbed m;

	testbed_create(&m, NULL);
	for (int i = 0; i < 2; i++) {
		dev[i] = m_add_sid(&m, i ? "b" : "a", 0x40 + (u32)i);
		w[i] = (struct mapper){ &m, iommu_get_domain_for_dev(dev[i]),
					0x40 + (u32)i, 0 };
	}
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, map_loop, &w[i]) == 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(w[i].bad, 0);
	}
	m_drain_events(&m);
	for (int i = 0; i < 2; i++)
		device_destroy(dev[i]);
	testbed_destroy(&m);
}

int main(void)
{
	test_hitless_replace();
	test_concurrent_unmap();
	test_cmdq_error(false);
	test_cmdq_error(true);
	test_evtq_overflow();
	test_fault_handler();
	return test_done();
}
