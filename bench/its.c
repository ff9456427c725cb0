// SPDX-License-Identifier: MIT
/*
 * ITS model hot paths:
 *   its_doorbell        32-bit GITS_TRANSLATER write over the bus with a
 *                       requester ID -> device table -> ITT -> collection ->
 *                       LPI pending (1024 events round-robin, ns per write)
 *   its_endpoint_msi    the same, issued by an endpoint's MSI capability
 *   its_mapti_batch     MAPTI commands run from the queue, 1024 per
 *                       GITS_CWRITER write (ns per MAPTI)
 *   its_mapti_single    one MAPTI per GITS_CWRITER write, as a driver posting
 *                       single commands does (ns per MAPTI)
 */
#include "bench/bench.h"
#include "hw/endpoint.h"
#include "tests/its-helpers.h"

#define NR_EVENTS	1024

struct ctx {
	struct tmach m;
	struct endpoint *ep;
	u64 cmd_off;
};

static void doorbell(void *p, uint64_t i)
{
	struct ctx *c = p;

	phys_write_val(c->m.mem, ITS_BASE + GITS_TRANSLATER, 4, i % NR_EVENTS,
		       MEM_ATTRS_RID(1));
}

static void endpoint_msi(void *p, uint64_t i)
{
	struct ctx *c = p;

	(void)i;
	endpoint_msi_fire(c->ep, 0);
}

/* The whole queue holds MAPTIs; each call runs the next 1024 of them. */
static void mapti_batch(void *p, uint64_t i)
{
	struct ctx *c = p;

	(void)i;
	c->cmd_off = (c->cmd_off + NR_EVENTS * GITS_CMD_SIZE) % CMDQ_SIZE;
	its_wr64(&c->m, GITS_CWRITER, c->cmd_off);
}

static void mapti_single(void *p, uint64_t i)
{
	struct ctx *c = p;

	cmd_mapti(&c->m, 2, i % NR_EVENTS, 8192 + i % NR_EVENTS, 0);
}

static struct bench_result scale(struct bench_result r, double by)
{
	r.median /= by;
	r.p10 /= by;
	r.p90 /= by;
	r.ops = (uint64_t)(r.ops * by);
	return r;
}

int main(void)
{
	static struct ctx c;
	u64 cmd[4];

	tmach_init(&c.m, NULL);
	cmd_mapc(&c.m, 0, 0, true);
	cmd_mapd(&c.m, 1, ITT_PA, 10, true);
	cmd_mapd(&c.m, 2, ITT_PA + 0x10000, 10, true);
	for (u32 ev = 0; ev < NR_EVENTS; ev++) {
		cmd_mapti(&c.m, 1, ev, 8192 + ev, 0);
		lpi_conf(&c.m, 8192 + ev, 0xa0, true);
	}
	REQUIRE(stats(&c.m).cmd_errors == 0);

	bench_print("its_doorbell", "ns/write", bench_measure(doorbell, &c, 100000));
	REQUIRE(its_lpi_count_pending(c.m.its, 0) == NR_EVENTS);

	c.ep = endpoint_create(c.m.mem, 1, 1);
	REQUIRE(c.ep);
	endpoint_msi_configure(c.ep, ITS_BASE + GITS_TRANSLATER, 7);
	endpoint_msi_enable(c.ep, true);
	bench_print("its_endpoint_msi", "ns/msi", bench_measure(endpoint_msi, &c, 100000));
	endpoint_destroy(c.ep);

	/* Fill the queue with MAPTIs for device 2, then run it 1024 at a time. */
	for (u64 off = 0; off < CMDQ_SIZE; off += GITS_CMD_SIZE) {
		u32 ev = (u32)(off / GITS_CMD_SIZE % NR_EVENTS);

		cmd[0] = GITS_CMD_MAPTI | DEVID(2);
		cmd[1] = ev | (u64)(8192 + ev) << 32;
		cmd[2] = 0;
		cmd[3] = 0;
		REQUIRE(phys_write(c.m.mem, CMDQ_PA + off, cmd, sizeof(cmd)) == 0);
	}
	c.cmd_off = c.m.cwriter;
	bench_print("its_mapti_batch", "ns/mapti",
		    scale(bench_measure(mapti_batch, &c, 20), NR_EVENTS));
	c.m.cwriter = c.cmd_off;
	bench_print("its_mapti_single", "ns/mapti", bench_measure(mapti_single, &c, 10000));
	REQUIRE(stats(&c.m).cmd_errors == 0);
	tmach_fini(&c.m);
	return 0;
}
