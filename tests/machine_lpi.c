// SPDX-License-Identifier: MIT
/*
 * The machine's CPU interface for LPIs (machine_set_lpi_handler): what the
 * LD_PRELOAD shim hangs a VFIO eventfd on.
 *
 * Connected, each LPI an MSI raises is taken at once - it never pends -
 * and handed to the handler once the MSI write has completed, in the
 * writer's thread, with nothing locked: the handler may fire another MSI
 * itself, which is delivered after the handler returns (never inside it,
 * as a GIC holds it until the priority drop).  Two MSIs are two deliveries; disconnected, LPIs stay pending
 * for machine_lpi_pending as before.  Concurrent writers' MSIs are each
 * delivered exactly once, in the writer's own thread, before its write
 * returns - the promise the shim's "eventfd signalled before pwrite
 * returns" rests on.
 */
#include <pthread.h>

#include "hw/its/its-regs.h"
#include "tests/e2e.h"
#include "tests/its-helpers.h"

static const struct platform_config smmu_pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };

struct seen {
	struct machine *m;
	atomic_uint calls;
	u32 last;
	unsigned int last_target;
	bool was_pending;
	struct ep_device *refire;	/* fire vector 0 of it from the handler */
	unsigned int refires;		/* that many times, one per call */
	unsigned int depth, max_depth;	/* handler calls running */
};

static void handler(void *opaque, unsigned int target, u32 intid)
{
	struct seen *s = opaque;

	if (++s->depth > s->max_depth)
		s->max_depth = s->depth;
	s->last = intid;
	s->last_target = target;
	s->was_pending = machine_lpi_pending(s->m, target, intid);
	if (atomic_fetch_add(&s->calls, 1) < s->refires && s->refire)
		CHECK_EQ(ep_trigger_msi(s->refire, 0), 0);
	s->depth--;
}

static void test_delivery(void)
{
	struct seen s = { 0 };
	struct ep_device *a, *b;
	unsigned int cpu;
	u32 lpi, lpi_b0;
	struct e2e t;

	e2e_boot(&t, &smmu_pc);
	a = e2e_add(&t, EP_A);
	b = e2e_add(&t, EP_B);
	REQUIRE(ep_request_msi(a, 4) == 0);
	REQUIRE(ep_request_msi(b, 1) == 0);
	REQUIRE(ep_msi_lpi(a, 2, &lpi, &cpu) == 0);
	REQUIRE(ep_msi_lpi(b, 0, &lpi_b0, &cpu) == 0);
	s.m = t.m;
	machine_set_lpi_handler(t.m, handler, &s);

	CHECK_EQ(ep_trigger_msi(a, 2), 0);
	CHECK_EQ(atomic_load(&s.calls), 1);
	CHECK_EQ(s.last, lpi);
	CHECK(!s.was_pending);			/* taken before the handler */
	CHECK(!machine_lpi_pending(t.m, s.last_target, lpi));
	CHECK_EQ(ep_trigger_msi(a, 2), 0);
	CHECK_EQ(atomic_load(&s.calls), 2);

	/*
	 * The handler may touch the machine: an MSI from inside it is
	 * delivered once the handler has returned, before the first write
	 * returns.
	 */
	s.refire = b;
	s.refires = 1;
	atomic_store(&s.calls, 0);
	CHECK_EQ(ep_trigger_msi(a, 1), 0);
	CHECK_EQ(atomic_load(&s.calls), 2);
	CHECK_EQ(s.last, lpi_b0);
	CHECK_EQ(s.max_depth, 1);
	CHECK(!machine_lpi_pending(t.m, s.last_target, lpi_b0));

	/* An MSI from every call: a loop, not a stack 100,000 calls deep. */
	s.refires = 100000;
	atomic_store(&s.calls, 0);
	CHECK_EQ(ep_trigger_msi(a, 1), 0);
	CHECK_EQ(atomic_load(&s.calls), 100001);
	CHECK_EQ(s.max_depth, 1);
	CHECK(!machine_lpi_pending(t.m, s.last_target, lpi_b0));
	s.refires = 0;

	/* Disconnected: pending again, for whoever polls. */
	machine_set_lpi_handler(t.m, NULL, NULL);
	atomic_store(&s.calls, 0);
	CHECK_EQ(ep_trigger_msi(a, 2), 0);
	CHECK_EQ(atomic_load(&s.calls), 0);
	CHECK(machine_lpi_pending(t.m, s.last_target, lpi));
	e2e_shutdown(&t);
}

#define FIRES	100000
#define NR_FIRERS	3

struct firer {
	struct ep_device *epd;
	unsigned int vec;
	u32 lpi;
	pthread_barrier_t *start;
	pthread_t thread;		/* the writer */
	atomic_uint got;		/* deliveries of lpi */
	atomic_uint elsewhere;		/* deliveries in another thread */
	atomic_uint early;		/* writes that returned before theirs */
};

struct firers {
	struct firer *f;
	atomic_uint calls;
};

static void *fire(void *p)
{
	struct firer *f = p;

	f->thread = pthread_self();
	pthread_barrier_wait(f->start);
	for (unsigned int i = 0; i < FIRES; i++) {
		if (ep_trigger_msi(f->epd, f->vec))
			abort();
		if (atomic_load(&f->got) < i + 1)
			atomic_fetch_add(&f->early, 1);
	}
	return NULL;
}

static void count(void *opaque, unsigned int target, u32 intid)
{
	struct firers *fs = opaque;

	(void)target;
	atomic_fetch_add(&fs->calls, 1);
	for (int i = 0; i < NR_FIRERS; i++) {
		if (fs->f[i].lpi != intid)
			continue;
		if (!pthread_equal(pthread_self(), fs->f[i].thread))
			atomic_fetch_add(&fs->f[i].elsewhere, 1);
		atomic_fetch_add(&fs->f[i].got, 1);
	}
}

/*
 * Three threads' MSIs on two CPUs: every one delivered, none twice, each
 * in its writer's thread before the write returns to it - whatever the
 * other threads' writes do meanwhile.
 */
static void test_threads(void)
{
	struct firer f[NR_FIRERS] = { 0 };
	struct firers fs = { .f = f };
	pthread_barrier_t start;
	static const unsigned int ep[NR_FIRERS] = { EP_A, EP_B, EP_C };
	static const unsigned int vec[NR_FIRERS] = { 3, 5, 1 }, nvec[NR_FIRERS] = { 4, 8, 2 };
	pthread_t th[NR_FIRERS];
	unsigned int cpu;
	struct e2e t;

	e2e_boot(&t, &smmu_pc);
	/* One thread per endpoint: an endpoint refuses a trigger while busy. */
	for (int i = 0; i < NR_FIRERS; i++) {
		f[i].epd = e2e_add(&t, ep[i]);
		f[i].vec = vec[i];
		f[i].start = &start;
		REQUIRE(ep_request_msi(f[i].epd, nvec[i]) == 0);
		REQUIRE(ep_msi_lpi(f[i].epd, f[i].vec, &f[i].lpi, &cpu) == 0);
	}
	machine_set_lpi_handler(t.m, count, &fs);
	pthread_barrier_init(&start, NULL, NR_FIRERS);
	for (int i = 0; i < NR_FIRERS; i++)
		REQUIRE(pthread_create(&th[i], NULL, fire, &f[i]) == 0);
	for (int i = 0; i < NR_FIRERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	CHECK_EQ(atomic_load(&fs.calls), NR_FIRERS * FIRES);
	for (int i = 0; i < NR_FIRERS; i++) {
		CHECK_EQ(atomic_load(&f[i].got), FIRES);
		CHECK_EQ(atomic_load(&f[i].elsewhere), 0);
		CHECK_EQ(atomic_load(&f[i].early), 0);
	}
	machine_set_lpi_handler(t.m, NULL, NULL);
	e2e_shutdown(&t);
}

#define NR_BURST	40		/* more than one write's batch holds */

struct burst {
	unsigned int seen[NR_BURST];
	unsigned int stray;
};

static void burst_handler(void *opaque, unsigned int target, u32 intid)
{
	struct burst *b = opaque;

	(void)target;
	if (intid >= LPI_INTID_BASE && intid < LPI_INTID_BASE + NR_BURST)
		b->seen[intid - LPI_INTID_BASE]++;
	else
		b->stray++;
}

/*
 * One GITS_CWRITER write that runs NR_BURST INT commands: more LPIs than
 * a write's batch holds.  The rest pend and the writer acknowledges them:
 * every one is delivered once, before the write returns, none left
 * pending.  The ITS is programmed by hand through the board's windows.
 */
static void test_burst(void)
{
	struct machine_config mc;
	struct burst b = { 0 };
	struct tmach tm = { 0 };
	struct machine *m;
	u64 cmd[4] = { 0 };

	machine_config_default(&mc);
	m = machine_create(&mc);
	REQUIRE(m);
	tm.mem = machine_mem(m);
	tm.its = machine_its(m);
	tmach_enable(&tm, mc.its.nr_targets);
	cmd_mapd(&tm, 1, ITT_PA, 8, true);
	cmd_mapc(&tm, 0, 0, true);
	for (u32 ev = 0; ev < NR_BURST; ev++) {
		lpi_conf(&tm, LPI_INTID_BASE + ev, 0xa0, true);
		cmd_mapti(&tm, 1, ev, LPI_INTID_BASE + ev, 0);
	}
	machine_set_lpi_handler(m, burst_handler, &b);
	for (u32 ev = 0; ev < NR_BURST; ev++) {
		cmd[0] = GITS_CMD_INT | DEVID(1);
		cmd[1] = ev;
		REQUIRE(phys_write(tm.mem, CMDQ_PA + tm.cwriter, cmd, sizeof(cmd)) == 0);
		tm.cwriter = (tm.cwriter + GITS_CMD_SIZE) % CMDQ_SIZE;
	}
	its_wr64(&tm, GITS_CWRITER, tm.cwriter);
	CHECK_EQ(its_rd64(&tm, GITS_CREADR), tm.cwriter);
	for (u32 ev = 0; ev < NR_BURST; ev++)
		CHECK_EQ(b.seen[ev], 1);
	CHECK_EQ(b.stray, 0);
	CHECK_EQ(machine_lpi_ack(m, 0), GIC_INTID_SPURIOUS);
	machine_set_lpi_handler(m, NULL, NULL);
	machine_destroy(m);
}

int main(void)
{
	test_delivery();
	test_threads();
	test_burst();
	return test_done();
}
