/*
 * The machine's CPU interface for LPIs (machine_set_lpi_handler): what the
 * LD_PRELOAD shim hangs a VFIO eventfd on.
 *
 * Connected, each LPI an MSI raises is taken at once - it never pends -
 * and handed to the handler once the MSI write has completed, in the
 * writer's thread, with nothing locked: the handler may fire another MSI
 * itself.  Two MSIs are two deliveries; disconnected, LPIs stay pending
 * for machine_lpi_pending as before.  Concurrent writers' MSIs are each
 * delivered exactly once.
 */
#include <pthread.h>

#include "tests/e2e.h"

static const struct platform_config smmu_pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };

struct seen {
	struct machine *m;
	atomic_uint calls;
	u32 last;
	unsigned int last_target;
	bool was_pending;
	struct ep_device *refire;	/* fire vector 0 of it from the handler */
};

static void handler(void *opaque, unsigned int target, u32 intid)
{
	struct seen *s = opaque;

	s->last = intid;
	s->last_target = target;
	s->was_pending = machine_lpi_pending(s->m, target, intid);
	if (atomic_fetch_add(&s->calls, 1) == 0 && s->refire)
		CHECK_EQ(ep_trigger_msi(s->refire, 0), 0);
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

	/* The handler may touch the machine: an MSI from inside it. */
	s.refire = b;
	atomic_store(&s.calls, 0);
	CHECK_EQ(ep_trigger_msi(a, 1), 0);
	CHECK_EQ(atomic_load(&s.calls), 2);
	CHECK_EQ(s.last, lpi_b0);

	/* Disconnected: pending again, for whoever polls. */
	machine_set_lpi_handler(t.m, NULL, NULL);
	atomic_store(&s.calls, 0);
	CHECK_EQ(ep_trigger_msi(a, 2), 0);
	CHECK_EQ(atomic_load(&s.calls), 0);
	CHECK(machine_lpi_pending(t.m, s.last_target, lpi));
	e2e_shutdown(&t);
}

#define FIRES	2000

struct firer {
	struct ep_device *epd;
	unsigned int vec;
};

static void *fire(void *p)
{
	struct firer *f = p;

	for (int i = 0; i < FIRES; i++)
		if (ep_trigger_msi(f->epd, f->vec))
			abort();
	return NULL;
}

static void count(void *opaque, unsigned int target, u32 intid)
{
	(void)target;
	(void)intid;
	atomic_fetch_add((atomic_uint *)opaque, 1);
}

/* Two threads' MSIs: every one delivered, none twice. */
static void test_threads(void)
{
	atomic_uint calls = 0;
	struct firer f[2];
	pthread_t th[2];
	struct e2e t;

	e2e_boot(&t, &smmu_pc);
	f[0] = (struct firer){ e2e_add(&t, EP_A), 3 };
	f[1] = (struct firer){ e2e_add(&t, EP_B), 5 };
	REQUIRE(ep_request_msi(f[0].epd, 4) == 0);
	REQUIRE(ep_request_msi(f[1].epd, 8) == 0);
	machine_set_lpi_handler(t.m, count, &calls);
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, fire, &f[i]) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(atomic_load(&calls), 2 * FIRES);
	machine_set_lpi_handler(t.m, NULL, NULL);
	e2e_shutdown(&t);
}

int main(void)
{
	test_delivery();
	test_threads();
	return test_done();
}
