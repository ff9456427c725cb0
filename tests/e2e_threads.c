// SPDX-License-Identifier: MIT
/*
 * The machine under concurrency: one thread per endpoint, each driving its
 * own device behind the SMMU (real driver and model) as a network driver
 * would, all at once: map a buffer, have the endpoint copy into it through
 * its BAR, check the bytes landed, unmap (TLBI), raise an MSI and see its
 * LPI pend.  Every thread's data must stay its own; run under TSan too.
 */
#include <pthread.h>

#include "tests/e2e.h"

#define ROUNDS	200

struct worker {
	struct e2e *t;
	struct ep_device *epd;
	phys_addr_t src, dst;
	unsigned int errors;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	u8 *src = phys_to_virt(w->t->k, w->src, 4096);
	u8 *dst = phys_to_virt(w->t->k, w->dst, 4096);

	for (unsigned int i = 0; i < ROUNDS; i++) {
		dma_addr_t s, d;
		unsigned int cpu;
		u32 lpi;

		memset(src, (int)(w->epd->rid + i), 4096);
		s = ep_dma_map(w->epd, w->src, 4096, DMA_TO_DEVICE);
		d = ep_dma_map(w->epd, w->dst, 4096, DMA_FROM_DEVICE);
		if (s == DMA_MAPPING_ERROR || d == DMA_MAPPING_ERROR) {
			w->errors++;
			break;
		}
		if (ep_start_dma(w->epd, d, s, 4096) || memcmp(src, dst, 4096))
			w->errors++;
		ep_dma_unmap(w->epd, s, 4096, DMA_TO_DEVICE);
		ep_dma_unmap(w->epd, d, 4096, DMA_FROM_DEVICE);
		/* Unmapped means gone: the strict domain invalidated. */
		if (ep_start_dma(w->epd, d, s, 64) != -EFAULT)
			w->errors++;
		if (ep_msi_lpi(w->epd, i % w->epd->nvec, &lpi, &cpu) ||
		    ep_trigger_msi(w->epd, i % w->epd->nvec) ||
		    !machine_lpi_pending(w->t->m, cpu, lpi))
			w->errors++;
	}
	return NULL;
}

int main(void)
{
	static const unsigned int eps[] = { EP_A, EP_B, EP_C };
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct worker w[ARRAY_SIZE(eps)];
	pthread_t th[ARRAY_SIZE(eps)];
	struct arm_smmu_event evt;
	unsigned int faults = 0;
	struct e2e t;

	e2e_boot(&t, &pc);
	for (unsigned int i = 0; i < ARRAY_SIZE(eps); i++) {
		w[i] = (struct worker){ .t = &t, .epd = e2e_add(&t, eps[i]) };
		w[i].src = e2e_buf(&t, 4096, 0);
		w[i].dst = e2e_buf(&t, 4096, 0);
		REQUIRE(!ep_request_msi(w[i].epd, 2));
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(eps); i++)
		REQUIRE(!pthread_create(&th[i], NULL, worker_fn, &w[i]));
	for (unsigned int i = 0; i < ARRAY_SIZE(eps); i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(w[i].errors, 0);
	}
	/* Each round's deliberate fault was decoded, for the right device. */
	while (!platform_pop_event(t.p, &evt)) {
		bool known = false;

		for (unsigned int i = 0; i < ARRAY_SIZE(eps); i++)
			known |= evt.dev == &w[i].epd->dev && evt.sid == w[i].epd->rid;
		CHECK(known);
		CHECK_EQ(evt.id, 0x10);		/* F_TRANSLATION */
		faults++;
	}
	CHECK(faults > 0);
	e2e_shutdown(&t);
	return test_done();
}
