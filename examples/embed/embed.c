// SPDX-License-Identifier: MIT
/*
 * Someone else's emulator with iommusim's SMMUv3 model in it: a model for
 * embedders, built only against the installed library (docs/embedding.md):
 *
 *   make install PREFIX=$P; export PKG_CONFIG_PATH=$P/lib/pkgconfig
 *   cc -std=c11 $(pkg-config --cflags iommusim) embed.c $(pkg-config --libs iommusim)
 *   cc -std=c11 -I$P/include embed.c -L$P/lib -liommusim -pthread -lm
 *
 * The "emulator" owns its guest RAM (a calloc'd buffer) and its MMIO
 * dispatch; the "guest driver" below it speaks only architecture (IHI0070)
 * through that dispatch and that RAM: linear stream table, one stage-1 STE,
 * its CD and a 4K page table, queues, CR0/CR0ACK, CFGI/TLBI + CMD_SYNC.
 * Then a device DMAs through the SMMU and faults, and the driver reads the
 * event the fault recorded.  tests/embed.sh runs it and checks its output.
 *
 * The contract, where this file uses it:
 *  - phys_mem: the model's view of the machine's physical address space.
 *    Guest RAM goes in with phys_mem_add_ram_backed (borrowed: the emulator
 *    keeps owning the buffer and frees it after phys_mem_destroy); the
 *    model's own MSIs land in whatever MMIO window the emulator adds.
 *    Regions are added before the machine runs and never removed.
 *  - smmuv3_create/_destroy, smmuv3_mmio_ops for the 128K register window,
 *    smmuv3_translate for each device access (there is no invalidation
 *    callback: translate every access; a TLB hit is cheap).
 *  - Threads: register accesses and translations may come from any thread.
 *    Wired-interrupt callbacks run in the thread whose access raised them,
 *    with no model lock held.  MSIs are written with the lock held: their
 *    handler only records (touching the SMMU from there fails).
 *  - The model never frees, maps or resizes the embedder's memory, never
 *    starts a thread or timer, never prints, never exits on guest input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommusim/hw/smmuv3/smmuv3.h>

/* ---- The emulator: its memory map, RAM, MMIO dispatch, interrupts. ---- */

#define RAM_BASE	0x80000000u
#define RAM_SIZE	(4u << 20)
#define SMMU_BASE	0x09050000u
#define DOORBELL	0x08090040u	/* its interrupt controller's MSI doorbell */

struct emu {
	unsigned char *ram;	/* guest RAM: the emulator's, borrowed by bus */
	struct phys_mem *bus;	/* what the SMMU sees: RAM + the doorbell */
	struct smmuv3 *smmu;
	unsigned int msis, sync_irqs, gerror_irqs;
	uint32_t msi_data, msi_rid;
	char coherency[384];	/* the coherency checker's last report */
};

/* The coherency checker's reports come under the SMMU's lock: copy them. */
static void coherency_report(void *opaque, const struct smmuv3_coherency_report *r)
{
	struct emu *e = opaque;

	snprintf(e->coherency, sizeof(e->coherency), "%s", r->text);
}

/* Whatever receives an MSI runs under the SMMU's lock: record, no more. */
static int doorbell_write(void *opaque, uint64_t off, unsigned int size,
			  uint64_t val, struct mem_attrs attrs)
{
	struct emu *e = opaque;

	if (off != (DOORBELL & 0xfff) || size != 4)
		return -EFAULT;	/* not decoded: the SMMU sees an abort */
	e->msis++;
	e->msi_data = (uint32_t)val;
	e->msi_rid = attrs.requester_id;
	return 0;
}

static int doorbell_read(void *opaque, uint64_t off, unsigned int size,
			 uint64_t *val, struct mem_attrs attrs)
{
	(void)opaque, (void)off, (void)size, (void)attrs;
	*val = 0;		/* write-only: reads as zero */
	return 0;
}

static const struct mmio_ops doorbell_ops = {
	.read = doorbell_read, .write = doorbell_write,
};

/* Wired lines: no model lock held, registers may be accessed from here. */
static void sync_irq(void *opaque) { ((struct emu *)opaque)->sync_irqs++; }
static void gerror_irq(void *opaque) { ((struct emu *)opaque)->gerror_irqs++; }

static const struct smmuv3_irq_ops irq_ops = {
	.cmdq_sync = sync_irq, .gerror = gerror_irq,
};

/* The CPU's MMIO path: the SMMU window goes to the model, offset-relative. */
static uint64_t mmio_read(struct emu *e, uint64_t pa, unsigned int size)
{
	uint64_t v = 0;

	if (pa - SMMU_BASE < SMMUV3_MMIO_SIZE)
		smmuv3_mmio_ops.read(e->smmu, pa - SMMU_BASE, size, &v,
				     MEM_ATTRS_NONE);
	return v;
}

static void mmio_write(struct emu *e, uint64_t pa, unsigned int size,
		       uint64_t v)
{
	if (pa - SMMU_BASE < SMMUV3_MMIO_SIZE)
		smmuv3_mmio_ops.write(e->smmu, pa - SMMU_BASE, size, v,
				      MEM_ATTRS_NONE);
}

/* The CPU's RAM path: plain stores into the emulator's buffer. */
static void ram_write64(struct emu *e, uint64_t pa, uint64_t v)
{
	memcpy(e->ram + (pa - RAM_BASE), &v, 8);	/* little-endian host */
}

/* A device's DMA: translate, then access the emulator's own RAM. */
static int device_dma_write(struct emu *e, uint32_t sid, uint64_t iova,
			    const void *buf, size_t len, uint64_t *pa)
{
	struct smmuv3_result res;
	int ev = smmuv3_translate(e->smmu, sid, SMMUV3_NO_SSID, iova,
				  SMMUV3_WRITE, &res);

	if (ev)
		return ev;	/* the device sees an abort; maybe an event */
	if (res.addr < RAM_BASE || res.addr - RAM_BASE > RAM_SIZE - len)
		return -1;	/* a real emulator would route MMIO here */
	memcpy(e->ram + (res.addr - RAM_BASE), buf, len);
	*pa = res.addr;
	return 0;
}

/* ---- The guest driver: architecture only, through MMIO and RAM. ---- */

/* Register addresses (IHI0070 6.3); EVENTQ_PROD/CONS are in page 1. */
enum {
	R_IDR0 = SMMU_BASE + 0x00, R_CR0 = SMMU_BASE + 0x20,
	R_CR0ACK = SMMU_BASE + 0x24, R_IRQ_CTRL = SMMU_BASE + 0x50,
	R_IRQ_CTRLACK = SMMU_BASE + 0x54, R_GERROR = SMMU_BASE + 0x60,
	R_STRTAB_BASE = SMMU_BASE + 0x80, R_STRTAB_BASE_CFG = SMMU_BASE + 0x88,
	R_CMDQ_BASE = SMMU_BASE + 0x90, R_CMDQ_PROD = SMMU_BASE + 0x98,
	R_CMDQ_CONS = SMMU_BASE + 0x9c, R_EVENTQ_BASE = SMMU_BASE + 0xa0,
	R_EVENTQ_IRQ_CFG0 = SMMU_BASE + 0xb0,
	R_EVENTQ_IRQ_CFG1 = SMMU_BASE + 0xb8,
	R_EVENTQ_PROD = SMMU_BASE + 0x100a8, R_EVENTQ_CONS = SMMU_BASE + 0x100ac,
};

#define STRTAB	(RAM_BASE + 0x00000)	/* 256 STEs, 16K */
#define CMDQ	(RAM_BASE + 0x04000)	/* 32 commands */
#define EVTQ	(RAM_BASE + 0x05000)	/* 32 events */
#define CD	(RAM_BASE + 0x06000)
#define PGD	(RAM_BASE + 0x10000)	/* 4 levels, one 4K table each */
#define BUF	(RAM_BASE + 0x20000)	/* the page the device writes */
#define SID	0x10
#define ASID	1
#define IOVA	0x10000000ull

struct drv {
	struct emu *e;
	uint32_t cmdq_prod;
};

static void cmd(struct drv *d, uint64_t c0, uint64_t c1)
{
	uint64_t slot = CMDQ + (d->cmdq_prod & 31) * 16;

	ram_write64(d->e, slot, c0);
	ram_write64(d->e, slot + 8, c1);
	d->cmdq_prod = (d->cmdq_prod + 1) & 63;		/* index + wrap */
}

/* CMD_SYNC (CS=SIG_IRQ), publish PROD, wait for CONS to pass the SYNC. */
static int cmd_sync(struct drv *d)
{
	cmd(d, 0x46 | 1u << 12, 0);
	mmio_write(d->e, R_CMDQ_PROD, 4, d->cmdq_prod);
	for (int spin = 0; spin < 1000; spin++)
		if (mmio_read(d->e, R_CMDQ_CONS, 4) == d->cmdq_prod)
			return 0;
	return -1;	/* CMDQ_CONS.ERR set, or a stuck queue */
}

static int set_cr0(struct drv *d, uint32_t val)
{
	mmio_write(d->e, R_CR0, 4, val);
	for (int spin = 0; spin < 1000; spin++)
		if (mmio_read(d->e, R_CR0ACK, 4) == val)
			return 0;
	return -1;
}

static int drv_probe(struct drv *d)
{
	uint64_t idr0 = mmio_read(d->e, R_IDR0, 4);

	if (!(idr0 & 2))				/* IDR0.S1P */
		return -1;
	mmio_write(d->e, R_STRTAB_BASE, 8, STRTAB);
	mmio_write(d->e, R_STRTAB_BASE_CFG, 4, 8);	/* linear, 2^8 */
	mmio_write(d->e, R_CMDQ_BASE, 8, CMDQ | 5);	/* 2^5 */
	mmio_write(d->e, R_EVENTQ_BASE, 8, EVTQ | 5);
	mmio_write(d->e, R_EVENTQ_IRQ_CFG0, 8, DOORBELL);
	mmio_write(d->e, R_EVENTQ_IRQ_CFG1, 4, 42);	/* data */
	mmio_write(d->e, R_IRQ_CTRL, 4, 1 | 4);	/* GERROR, EVTQ */
	if (mmio_read(d->e, R_IRQ_CTRLACK, 4) != 5)
		return -1;
	if (set_cr0(d, 8 | 4))					/* CMDQEN, EVTQEN */
		return -1;
	cmd(d, 0x04, 31);		/* CFGI_ALL */
	cmd(d, 0x30, 0);		/* TLBI_NSNH_ALL */
	if (cmd_sync(d))
		return -1;
	return set_cr0(d, 8 | 4 | 1);				/* + SMMUEN */
}

/* Stage 1 for SID: STE -> CD (4K granule, 48-bit VA, ASID) -> table. */
static int drv_attach(struct drv *d)
{
	uint64_t ste = STRTAB + SID * 64;

	/* T0SZ 16, TG0 4K, EPD1, V, IPS 48-bit, AA64, R(ecord faults), ASID */
	ram_write64(d->e, CD, 16 | 1ull << 30 | 1ull << 31 |
		    5ull << 32 | 1ull << 41 | 1ull << 45 | (uint64_t)ASID << 48);
	ram_write64(d->e, CD + 8, PGD);			/* TTB0 */
	for (int l = 0; l < 3; l++)			/* L0..L2 tables */
		ram_write64(d->e, PGD + l * 0x1000 +
			    ((IOVA >> (39 - 9 * l)) & 511) * 8,
			    (PGD + (l + 1) * 0x1000) | 3);
	ram_write64(d->e, ste, 1 | 5 << 1 | CD);	/* V, S1 translate */
	cmd(d, 0x03 | (uint64_t)SID << 32, 1);		/* CFGI_STE, leaf */
	return cmd_sync(d);
}

/* The L3 entry for IOVA: a page, AF, EL0 read/write; or nothing. */
static void drv_map(struct drv *d, uint64_t pa)
{
	ram_write64(d->e, PGD + 0x3000 + ((IOVA >> 12) & 511) * 8,
		    pa ? pa | 1 << 10 | 1 << 6 | 3 : 0);
}

static int drv_tlbi(struct drv *d)
{
	cmd(d, 0x12 | (uint64_t)ASID << 48, IOVA | 1);	/* TLBI_NH_VA, leaf */
	return cmd_sync(d);
}

/* One event record off the queue: type, SID, input address. */
static int drv_pop_event(struct drv *d, uint64_t rec[4])
{
	uint64_t prod = mmio_read(d->e, R_EVENTQ_PROD, 4);
	uint64_t cons = mmio_read(d->e, R_EVENTQ_CONS, 4);

	if ((prod & 63) == (cons & 63))
		return -1;
	memcpy(rec, d->e->ram + (EVTQ - RAM_BASE) + (cons & 31) * 32, 32);
	mmio_write(d->e, R_EVENTQ_CONS, 4, (cons + 1) & 63);
	return 0;
}

/* ---- The machine's life. ---- */

int main(void)
{
	static const char msg[] = "hello from the device";
	struct smmuv3_config cfg;
	struct emu e = { 0 };
	struct drv d = { &e, 0 };
	uint64_t pa = 0, rec[4];
	int ret = 1;

	e.ram = calloc(1, RAM_SIZE);
	e.bus = phys_mem_create();
	if (!e.ram || !e.bus ||
	    phys_mem_add_ram_backed(e.bus, RAM_BASE, RAM_SIZE, e.ram, "ram") ||
	    phys_mem_add_mmio(e.bus, DOORBELL & ~0xfffu, 0x1000, &doorbell_ops,
			      &e, "doorbell"))
		goto out;
	smmuv3_config_default(&cfg);	/* then trim what your part lacks */
	cfg.sid_bits = 8;
	e.smmu = smmuv3_create(&cfg, e.bus, &irq_ops, &e, 0xfff0);
	/* A debugging aid: say which invalidation a driver forgot. */
	if (!e.smmu || smmuv3_set_coherency(e.smmu, SMMUV3_COHERENCY_REPORT,
					    coherency_report, &e) ||
	    drv_probe(&d) || drv_attach(&d))
		goto out;
	printf("embed: enabled, CR0ACK=%#llx, %u sync irqs\n",
	       (unsigned long long)mmio_read(&e, R_CR0ACK, 4),
	       e.sync_irqs);

	drv_map(&d, BUF);		/* a new entry: no TLBI needed */
	if (device_dma_write(&e, SID, IOVA + 0x40, msg, sizeof(msg), &pa) ||
	    strcmp((char *)e.ram + (BUF - RAM_BASE) + 0x40, msg))
		goto out;
	printf("embed: dma sid=%#x iova=%#llx -> pa=%#llx: \"%s\"\n", SID,
	       IOVA + 0x40, (unsigned long long)pa, msg);

	/* Unmapped but not invalidated: the TLB still holds it, as hardware's. */
	drv_map(&d, 0);
	if (device_dma_write(&e, SID, IOVA + 0x40, msg, sizeof(msg), &pa))
		goto out;
	printf("embed: stale TLB entry until TLBI: pa=%#llx\n",
	       (unsigned long long)pa);
	if (!strstr(e.coherency, "missing "))
		goto out;
	printf("embed: coherency checker: %s\n", strstr(e.coherency, "missing "));
	if (drv_tlbi(&d))
		goto out;
	if (device_dma_write(&e, SID, IOVA + 0x40, msg, sizeof(msg), &pa) !=
	    0x10 || drv_pop_event(&d, rec))		/* F_TRANSLATION */
		goto out;
	printf("embed: fault: event %#llx sid=%#llx iova=%#llx %s, "
	       "msi data=%u rid=%#x\n", (unsigned long long)(rec[0] & 0xff),
	       (unsigned long long)(rec[0] >> 32), (unsigned long long)rec[2],
	       rec[1] >> 35 & 1 ? "read" : "write", e.msi_data, e.msi_rid);
	ret = e.msis == 1 && e.gerror_irqs == 0 &&
	      !mmio_read(&e, R_GERROR, 4) ? 0 : 1;
out:
	printf("embed: %s\n", ret ? "FAILED" : "ok");
	smmuv3_destroy(e.smmu);		/* first the model, */
	phys_mem_destroy(e.bus);	/* then its view of memory, */
	free(e.ram);			/* then the RAM it borrowed */
	return ret;
}
