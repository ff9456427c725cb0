/*
 * The board: builds the physical address space, creates the SMMU, the ITS
 * and the endpoints, and wires them (see machine.h for the layout).
 *
 * Wiring is all there is to it, so the only state beyond the devices is
 * what the interrupt side reports: the ITS's lpi_pending callback (called
 * with the ITS lock held, so it only counts, with atomics, as the ITS
 * asks) and the SMMU's wired lines, forwarded to whatever handler a kernel
 * connected.  Windows are checked for overlap by phys_mem itself.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hw/its/its-regs.h"
#include "hw/machine.h"
#include "lib/bits.h"
#include "lib/lock.h"

_Static_assert(ENDPOINT_MMIO_SIZE <= MACHINE_EP_BAR_STRIDE, "BAR fits its slot");

#define MACHINE_LPI_RING	64

/* An endpoint's port into the SMMU when its StreamID is not its RID. */
struct machine_ep_port {
	struct smmuv3 *smmu;
	u32 sid;
	bool alias;
};

struct machine {
	struct machine_config cfg;
	struct phys_mem *mem;
	bool owns_mem;
	struct smmuv3 *smmu;
	struct its *its;
	/* Plugged endpoints; slots fill once, before concurrent use. */
	struct endpoint *_Atomic ep[MACHINE_MAX_ENDPOINTS];
	struct machine_ep_port port[MACHINE_MAX_ENDPOINTS];

	/*
	 * SMMU wired interrupts: the connected handler (ops + opaque, read
	 * and swapped together under irq_lock) and how many edges are being
	 * handled, so a disconnect can wait for them (synchronize_irq).
	 */
	spinlock_t irq_lock;
	const struct smmuv3_irq_ops *irq_ops;
	void *irq_opaque;
	atomic_uint irq_inflight;
	atomic_ullong smmu_irqs[4];

	atomic_ullong lpis;
	atomic_uint last_target;
	atomic_uint last_lpi;

	/*
	 * The connected CPU interface (machine_set_lpi_handler): LPIs the
	 * ITS let it take, queued under lpi_lock and handed to the handler
	 * after the write that raised them.  With the ring full an LPI pends
	 * instead, and the next drain acknowledges everything pending.
	 */
	spinlock_t lpi_lock;
	machine_lpi_fn lpi_fn;
	void *lpi_opaque;
	atomic_bool lpi_connected;
	atomic_uint lpi_queued;		/* entries or an overflow to take */
	atomic_uint lpi_inflight;
	bool lpi_overflow;
	unsigned int lpi_head, lpi_count;
	struct { unsigned int target; u32 intid; } lpi_ring[MACHINE_LPI_RING];
};

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_base = MACHINE_RAM_BASE;
	cfg->ram_size = 256ULL << 20;
	cfg->has_smmu = true;
	cfg->smmu_base = MACHINE_SMMU_BASE;
	smmuv3_config_default(&cfg->smmu);
	cfg->smmu_msi_devid = 0xfff0;
	cfg->its_base = MACHINE_ITS_BASE;
	cfg->gicr_base = MACHINE_GICR_BASE;
	its_config_default(&cfg->its);
	cfg->ep_bar_base = MACHINE_EP_BAR_BASE;
}

/* The ITS's lpi_pending callback: the ITS lock is held, only record. */
static void machine_lpi_cb(void *opaque, unsigned int target, u32 intid)
{
	struct machine *m = opaque;

	atomic_store_explicit(&m->last_target, target, memory_order_relaxed);
	atomic_store_explicit(&m->last_lpi, intid, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lpis, 1, memory_order_release);
	/* Pending with a CPU interface connected: its ring was full. */
	if (atomic_load_explicit(&m->lpi_connected, memory_order_acquire)) {
		spin_lock(&m->lpi_lock);
		m->lpi_overflow = true;
		atomic_store_explicit(&m->lpi_queued, 1, memory_order_release);
		spin_unlock(&m->lpi_lock);
	}
}

/*
 * The ITS's lpi_take callback: a connected CPU takes the LPI at once (it
 * never pends, so a second MSI is a second delivery); the handler runs
 * after the write.  ITS lock held: only record.
 */
static bool machine_lpi_take(void *opaque, unsigned int target, u32 intid)
{
	struct machine *m = opaque;
	bool taken = false;

	if (!atomic_load_explicit(&m->lpi_connected, memory_order_acquire))
		return false;
	spin_lock(&m->lpi_lock);
	if (m->lpi_fn && m->lpi_count < MACHINE_LPI_RING) {
		unsigned int slot = (m->lpi_head + m->lpi_count++) % MACHINE_LPI_RING;

		m->lpi_ring[slot].target = target;
		m->lpi_ring[slot].intid = intid;
		atomic_store_explicit(&m->lpi_queued, 1, memory_order_release);
		taken = true;
	}
	spin_unlock(&m->lpi_lock);
	if (taken) {
		atomic_store_explicit(&m->last_target, target, memory_order_relaxed);
		atomic_store_explicit(&m->last_lpi, intid, memory_order_relaxed);
		atomic_fetch_add_explicit(&m->lpis, 1, memory_order_release);
	}
	return taken;
}

/* After a write to the interrupt side: run the handler for what it took. */
static void machine_take_lpis(struct machine *m)
{
	while (atomic_load_explicit(&m->lpi_queued, memory_order_acquire)) {
		machine_lpi_fn fn;
		void *opaque;
		unsigned int target = 0;
		u32 intid = 0;
		bool scan = false;

		spin_lock(&m->lpi_lock);
		if (m->lpi_count) {
			target = m->lpi_ring[m->lpi_head].target;
			intid = m->lpi_ring[m->lpi_head].intid;
			m->lpi_head = (m->lpi_head + 1) % MACHINE_LPI_RING;
			m->lpi_count--;
		} else if (m->lpi_overflow) {
			m->lpi_overflow = false;
			scan = true;
		}
		if (!m->lpi_count && !m->lpi_overflow)
			atomic_store_explicit(&m->lpi_queued, 0, memory_order_relaxed);
		fn = m->lpi_fn;
		opaque = m->lpi_opaque;
		if (fn && (scan || intid))
			atomic_fetch_add(&m->lpi_inflight, 1);
		spin_unlock(&m->lpi_lock);
		if (!fn || (!scan && !intid))
			continue;
		if (scan) {
			/* The ring was full: acknowledge whatever pended meanwhile. */
			for (unsigned int t = 0; t < m->cfg.its.nr_targets; t++)
				while ((intid = its_lpi_ack(m->its, t)) != GIC_INTID_SPURIOUS)
					fn(opaque, t, intid);
		} else {
			fn(opaque, target, intid);
		}
		atomic_fetch_sub_explicit(&m->lpi_inflight, 1, memory_order_release);
	}
}

void machine_set_lpi_handler(struct machine *m, machine_lpi_fn fn, void *opaque)
{
	spin_lock(&m->lpi_lock);
	m->lpi_fn = fn;
	m->lpi_opaque = opaque;
	atomic_store_explicit(&m->lpi_connected, fn != NULL, memory_order_release);
	if (!fn) {
		m->lpi_count = 0;
		m->lpi_overflow = false;
		atomic_store(&m->lpi_queued, 0);
	}
	spin_unlock(&m->lpi_lock);
	while (atomic_load_explicit(&m->lpi_inflight, memory_order_acquire))
		cpu_relax();
}

/* The ITS's windows, so that a write is followed by the LPIs it pended. */
static int machine_its_read(void *opaque, u64 off, unsigned int size, u64 *val,
			    struct mem_attrs attrs)
{
	return its_mmio_ops.read(((struct machine *)opaque)->its, off, size, val, attrs);
}

static int machine_its_write(void *opaque, u64 off, unsigned int size, u64 val,
			     struct mem_attrs attrs)
{
	struct machine *m = opaque;
	int ret = its_mmio_ops.write(m->its, off, size, val, attrs);

	machine_take_lpis(m);
	return ret;
}

static int machine_gicr_read(void *opaque, u64 off, unsigned int size, u64 *val,
			     struct mem_attrs attrs)
{
	return its_gicr_mmio_ops.read(((struct machine *)opaque)->its, off, size,
				      val, attrs);
}

static int machine_gicr_write(void *opaque, u64 off, unsigned int size, u64 val,
			      struct mem_attrs attrs)
{
	struct machine *m = opaque;
	int ret = its_gicr_mmio_ops.write(m->its, off, size, val, attrs);

	machine_take_lpis(m);
	return ret;
}

static const struct mmio_ops machine_its_ops = {
	.read = machine_its_read,
	.write = machine_its_write,
};

static const struct mmio_ops machine_gicr_ops = {
	.read = machine_gicr_read,
	.write = machine_gicr_write,
};

/* Each SMMU line: count the edge, then call the connected handler. */
static void machine_smmu_line(struct machine *m, unsigned int line)
{
	const struct smmuv3_irq_ops *ops;
	void (*fn)(void *) = NULL;
	void *opaque;

	atomic_fetch_add(&m->smmu_irqs[line], 1);
	spin_lock(&m->irq_lock);
	ops = m->irq_ops;
	opaque = m->irq_opaque;
	if (ops)
		atomic_fetch_add(&m->irq_inflight, 1);
	spin_unlock(&m->irq_lock);
	if (!ops)
		return;
	switch (line) {
	case 0: fn = ops->eventq; break;
	case 1: fn = ops->gerror; break;
	case 2: fn = ops->cmdq_sync; break;
	case 3: fn = ops->sev; break;
	}
	if (fn)
		fn(opaque);
	atomic_fetch_sub_explicit(&m->irq_inflight, 1, memory_order_release);
}

static void machine_irq_eventq(void *m) { machine_smmu_line(m, 0); }
static void machine_irq_gerror(void *m) { machine_smmu_line(m, 1); }
static void machine_irq_cmdq_sync(void *m) { machine_smmu_line(m, 2); }
static void machine_irq_sev(void *m) { machine_smmu_line(m, 3); }

static const struct smmuv3_irq_ops machine_smmu_irq_ops = {
	.eventq = machine_irq_eventq,
	.gerror = machine_irq_gerror,
	.cmdq_sync = machine_irq_cmdq_sync,
	.sev = machine_irq_sev,
};

void machine_set_smmu_irq(struct machine *m, const struct smmuv3_irq_ops *ops,
			  void *opaque)
{
	spin_lock(&m->irq_lock);
	m->irq_ops = ops;
	m->irq_opaque = opaque;
	spin_unlock(&m->irq_lock);
	/* Handlers of the old connection finish before we return. */
	while (atomic_load_explicit(&m->irq_inflight, memory_order_acquire))
		cpu_relax();
}

int machine_find_endpoint(const struct machine *m, u32 rid)
{
	for (unsigned int i = 0; i < m->cfg.nr_endpoints; i++)
		if (m->cfg.ep[i].rid == rid)
			return (int)i;
	return -ENOENT;
}

phys_addr_t machine_endpoint_bar(const struct machine *m, unsigned int i)
{
	return m->cfg.ep_bar_base + (phys_addr_t)i * MACHINE_EP_BAR_STRIDE;
}

/*
 * The endpoints' BARs share one window (phys_mem has few regions), like a
 * PCIe host bridge's MMIO aperture: slot i decodes to endpoint i, an empty
 * slot to nothing (an external abort, as an unclaimed access).
 */
static struct endpoint *machine_bar_decode(struct machine *m, u64 *off)
{
	u64 slot = *off / MACHINE_EP_BAR_STRIDE;

	if (slot >= MACHINE_MAX_ENDPOINTS)
		return NULL;
	*off %= MACHINE_EP_BAR_STRIDE;
	return atomic_load_explicit(&m->ep[slot], memory_order_acquire);
}

static int machine_bar_read(void *opaque, u64 off, unsigned int size, u64 *val,
			    struct mem_attrs attrs)
{
	struct endpoint *ep = machine_bar_decode(opaque, &off);

	if (!ep)
		return -EFAULT;
	return endpoint_mmio_ops.read(ep, off, size, val, attrs);
}

static int machine_bar_write(void *opaque, u64 off, unsigned int size, u64 val,
			     struct mem_attrs attrs)
{
	struct endpoint *ep = machine_bar_decode(opaque, &off);

	if (!ep)
		return -EFAULT;
	return endpoint_mmio_ops.write(ep, off, size, val, attrs);
}

static const struct mmio_ops machine_bar_ops = {
	.read = machine_bar_read,
	.write = machine_bar_write,
};

u32 machine_endpoint_sid(const struct machine *m, unsigned int i)
{
	return m->port[i].alias ? m->port[i].sid : m->cfg.ep[i].rid;
}

/* The root complex's ID mapping: the SMMU sees the port's StreamID. */
static int machine_port_translate(void *opaque, u32 requester_id,
				  dma_addr_t addr, size_t size, bool is_write,
				  phys_addr_t *pa)
{
	struct machine_ep_port *port = opaque;
	struct smmuv3_result res;

	(void)requester_id;
	(void)size;
	if (smmuv3_translate(port->smmu, port->sid, SMMUV3_NO_SSID, addr,
			     is_write ? SMMUV3_WRITE : SMMUV3_READ, &res))
		return -EFAULT;
	*pa = res.addr;
	return 0;
}

static const struct dma_translator_ops machine_port_ops = {
	.translate = machine_port_translate,
};

void machine_endpoint_translator(struct machine *m, unsigned int i,
				 struct dma_translator *t)
{
	const struct machine_ep_config *c = &m->cfg.ep[i];

	if (!c->behind_smmu) {
		t->ops = NULL;
		t->opaque = NULL;
	} else if (m->port[i].alias) {
		t->ops = &machine_port_ops;
		t->opaque = &m->port[i];
	} else {
		smmuv3_dma_translator(m->smmu, t);
	}
}

/* Creates endpoint slot i from c (already stored in cfg.ep[i]). */
static int machine_plug_endpoint(struct machine *m, unsigned int i)
{
	const struct machine_ep_config *c = &m->cfg.ep[i];
	struct endpoint *ep;

	if (c->behind_smmu && !m->smmu)
		return -EINVAL;
	for (unsigned int j = 0; j < i; j++)
		if (m->cfg.ep[j].rid == c->rid)
			return -EINVAL;
	ep = endpoint_create(m->mem, c->rid, c->nr_vectors);
	if (!ep)
		return -EINVAL;
	if (c->behind_smmu) {
		struct dma_translator t;

		machine_endpoint_translator(m, i, &t);
		endpoint_set_translator(ep, &t);
	}
	atomic_store_explicit(&m->ep[i], ep, memory_order_release);
	return 0;
}

int machine_set_endpoint_sid(struct machine *m, unsigned int i, u32 sid)
{
	struct dma_translator t;

	if (i >= m->cfg.nr_endpoints || !m->cfg.ep[i].behind_smmu)
		return -EINVAL;
	m->port[i] = (struct machine_ep_port){ m->smmu, sid, true };
	machine_endpoint_translator(m, i, &t);
	endpoint_set_translator(m->ep[i], &t);
	return 0;
}

int machine_add_endpoint(struct machine *m, const struct machine_ep_config *c)
{
	unsigned int i = m->cfg.nr_endpoints;
	int ret;

	if (i >= MACHINE_MAX_ENDPOINTS)
		return -ENOSPC;
	m->cfg.ep[i] = *c;
	ret = machine_plug_endpoint(m, i);
	if (ret) {
		memset(&m->cfg.ep[i], 0, sizeof(m->cfg.ep[i]));
		return ret;
	}
	m->cfg.nr_endpoints = i + 1;
	return (int)i;
}

static struct machine *machine_build(struct phys_mem *mem,
				     const struct machine_config *cfg)
{
	struct machine *m;
	unsigned int nr_ep = cfg->nr_endpoints;

	if (nr_ep > MACHINE_MAX_ENDPOINTS || !cfg->ram_size)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->cfg.nr_endpoints = 0;
	spin_lock_init(&m->irq_lock);
	spin_lock_init(&m->lpi_lock);
	m->cfg.its.lpi_pending = machine_lpi_cb;
	m->cfg.its.lpi_take = machine_lpi_take;
	m->cfg.its.cb_opaque = m;

	m->owns_mem = !mem;
	m->mem = mem ? mem : phys_mem_create();
	if (!m->mem)
		goto err;
	if (phys_mem_add_ram(m->mem, cfg->ram_base, cfg->ram_size, "ram"))
		goto err;

	m->its = its_create(&m->cfg.its, m->mem);
	if (!m->its)
		goto err;
	if (phys_mem_add_mmio(m->mem, cfg->its_base, GITS_MMIO_SIZE,
			      &machine_its_ops, m, "its") ||
	    phys_mem_add_mmio(m->mem, cfg->gicr_base, its_gicr_mmio_size(m->its),
			      &machine_gicr_ops, m, "gicr"))
		goto err;

	if (cfg->has_smmu) {
		m->smmu = smmuv3_create(&cfg->smmu, m->mem, &machine_smmu_irq_ops,
					m, cfg->smmu_msi_devid);
		if (!m->smmu)
			goto err;
		if (phys_mem_add_mmio(m->mem, cfg->smmu_base, SMMUV3_MMIO_SIZE,
				      &smmuv3_mmio_ops, m->smmu, "smmuv3"))
			goto err;
	}

	if (phys_mem_add_mmio(m->mem, cfg->ep_bar_base,
			      MACHINE_MAX_ENDPOINTS * MACHINE_EP_BAR_STRIDE,
			      &machine_bar_ops, m, "endpoint-bars"))
		goto err;
	for (unsigned int i = 0; i < nr_ep; i++)
		if (machine_add_endpoint(m, &cfg->ep[i]) < 0)
			goto err;
	return m;
err:
	machine_destroy(m);
	return NULL;
}

struct machine *machine_create(const struct machine_config *cfg)
{
	return machine_build(NULL, cfg);
}

struct machine *machine_create_on(struct phys_mem *mem,
				  const struct machine_config *cfg)
{
	return mem ? machine_build(mem, cfg) : NULL;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	for (unsigned int i = 0; i < MACHINE_MAX_ENDPOINTS; i++)
		endpoint_destroy(m->ep[i]);
	/* The address space goes first: nothing can reach a device after. */
	if (m->owns_mem)
		phys_mem_destroy(m->mem);
	smmuv3_destroy(m->smmu);
	its_destroy(m->its);
	free(m);
}

const struct machine_config *machine_get_config(const struct machine *m)
{
	return &m->cfg;
}

struct phys_mem *machine_mem(struct machine *m)
{
	return m->mem;
}

struct smmuv3 *machine_smmu(struct machine *m)
{
	return m->smmu;
}

struct its *machine_its(struct machine *m)
{
	return m->its;
}

unsigned int machine_nr_endpoints(const struct machine *m)
{
	return m->cfg.nr_endpoints;
}

struct endpoint *machine_endpoint(struct machine *m, unsigned int i)
{
	return i < m->cfg.nr_endpoints ? m->ep[i] : NULL;
}

void machine_get_stats(struct machine *m, struct machine_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lpis = atomic_load_explicit(&m->lpis, memory_order_acquire);
	st->last_target = atomic_load(&m->last_target);
	st->last_lpi = atomic_load(&m->last_lpi);
	for (unsigned int i = 0; i < ARRAY_SIZE(st->smmu_irqs); i++)
		st->smmu_irqs[i] = atomic_load(&m->smmu_irqs[i]);
}

bool machine_lpi_pending(struct machine *m, unsigned int target, u32 intid)
{
	return its_lpi_is_pending(m->its, target, intid);
}

u32 machine_lpi_ack(struct machine *m, unsigned int target)
{
	return its_lpi_ack(m->its, target);
}
