// SPDX-License-Identifier: MIT
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

/*
 * The LPIs one write to the interrupt side made the CPU interface take,
 * on the writer's stack: the writer hands them to the handler once its
 * write is done.  More than fit pend, and that writer acknowledges them.
 */
#define MACHINE_LPI_BATCH	16

struct machine_lpi_batch {
	pthread_t writer;
	unsigned int n;
	struct { unsigned int target; u32 intid; } lpi[MACHINE_LPI_BATCH];
};

/*
 * A thread running the LPI handler, on that thread's stack, listed in
 * machine.lpi_frames while it runs.  An LPI the thread raises meanwhile (a
 * write the handler makes, or an MSI that write sets off) is not taken: it
 * pends, as a GIC keeps an interrupt of no higher priority pending until
 * the running handler's priority drop, and the frame's owner acknowledges
 * it once the handler has returned.  So the handler is never entered again
 * from inside itself, and a handler that raises an LPI on every call loops
 * instead of growing the stack.
 */
struct machine_lpi_frame {
	pthread_t thread;
	struct machine_lpi_frame *next;
};

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
	 * The connected CPU interface (machine_set_lpi_handler).  Writes to
	 * the ITS and GICR windows go one at a time under irq_write_lock
	 * (the ITS serialises them on its own lock anyway, and touches only
	 * RAM while it runs one, so no write re-enters the windows), each
	 * with its batch published in lpi_batch, so the lpi_take callback -
	 * which runs inside that write - knows whose LPI it takes: the writer
	 * delivers exactly its own, in its thread, before its write returns.
	 * An LPI that does not fit pends (lpi_overflow), and that writer
	 * acknowledges it after its batch, as it does an LPI its own handler
	 * call raised (lpi_frames).  fn/opaque change under lpi_lock;
	 * lpi_inflight counts handler calls running, which
	 * machine_set_lpi_handler waits out.
	 */
	struct mutex irq_write_lock;
	struct machine_lpi_batch *_Atomic lpi_batch;
	spinlock_t lpi_lock;
	machine_lpi_fn lpi_fn;
	void *lpi_opaque;
	struct machine_lpi_frame *lpi_frames;	/* under lpi_lock */
	atomic_bool lpi_connected;
	atomic_bool lpi_overflow;
	atomic_uint lpi_inflight;
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
	/* Pending with a CPU interface connected: its batch was full. */
	if (atomic_load_explicit(&m->lpi_connected, memory_order_acquire))
		atomic_store_explicit(&m->lpi_overflow, true, memory_order_release);
}

/* Whether this thread is running the handler (struct machine_lpi_frame). */
static bool lpi_frame_of_self(const struct machine *m)
{
	lockdep_assert_held(&m->lpi_lock);
	for (const struct machine_lpi_frame *f = m->lpi_frames; f; f = f->next)
		if (pthread_equal(f->thread, pthread_self()))
			return true;
	return false;
}

static bool lpi_in_handler(struct machine *m)
{
	bool in;

	/* Ours would have been counted before this thread got here. */
	if (!atomic_load_explicit(&m->lpi_inflight, memory_order_acquire))
		return false;
	spin_lock(&m->lpi_lock);
	in = lpi_frame_of_self(m);
	spin_unlock(&m->lpi_lock);
	return in;
}

/*
 * The ITS's lpi_take callback, inside a write to its windows: a connected
 * CPU takes the LPI at once (it never pends, so a second MSI is a second
 * delivery) into the batch of the write that raised it.  An access that
 * did not come through the windows has no batch: its LPI pends.  ITS lock
 * held: only record.
 */
static bool machine_lpi_take(void *opaque, unsigned int target, u32 intid)
{
	struct machine *m = opaque;
	struct machine_lpi_batch *b;

	if (!atomic_load_explicit(&m->lpi_connected, memory_order_acquire) ||
	    lpi_in_handler(m))
		return false;
	b = atomic_load_explicit(&m->lpi_batch, memory_order_acquire);
	if (!b || !pthread_equal(b->writer, pthread_self()) ||
	    b->n == MACHINE_LPI_BATCH)
		return false;
	b->lpi[b->n].target = target;
	b->lpi[b->n].intid = intid;
	b->n++;
	atomic_store_explicit(&m->last_target, target, memory_order_relaxed);
	atomic_store_explicit(&m->last_lpi, intid, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lpis, 1, memory_order_release);
	return true;
}

/*
 * The handler, or NULL (none, or this thread runs it already: its own
 * call delivers once it returns); counted in flight, and frame listed,
 * until machine_lpi_put().
 */
static machine_lpi_fn machine_lpi_get(struct machine *m, void **opaque,
				      struct machine_lpi_frame *frame)
{
	machine_lpi_fn fn;

	spin_lock(&m->lpi_lock);
	fn = lpi_frame_of_self(m) ? NULL : m->lpi_fn;
	*opaque = m->lpi_opaque;
	if (fn) {
		atomic_fetch_add_explicit(&m->lpi_inflight, 1, memory_order_relaxed);
		frame->thread = pthread_self();
		frame->next = m->lpi_frames;
		m->lpi_frames = frame;
	}
	spin_unlock(&m->lpi_lock);
	return fn;
}

static void machine_lpi_put(struct machine *m, struct machine_lpi_frame *frame)
{
	struct machine_lpi_frame **pp;

	spin_lock(&m->lpi_lock);
	for (pp = &m->lpi_frames; *pp != frame; pp = &(*pp)->next)
		;
	*pp = frame->next;
	atomic_fetch_sub_explicit(&m->lpi_inflight, 1, memory_order_release);
	spin_unlock(&m->lpi_lock);
}

/* After a write to the interrupt side: the handler runs for what it took. */
static void machine_take_lpis(struct machine *m, const struct machine_lpi_batch *b)
{
	struct machine_lpi_frame frame;
	machine_lpi_fn fn;
	void *opaque;
	u32 intid;

	if (!b->n && !atomic_load_explicit(&m->lpi_overflow, memory_order_acquire))
		return;
	fn = machine_lpi_get(m, &opaque, &frame);
	if (!fn)
		return;
	for (unsigned int i = 0; i < b->n; i++)
		fn(opaque, b->lpi[i].target, b->lpi[i].intid);
	/*
	 * A batch was full, or the handler raised LPIs: acknowledge whatever
	 * pended meanwhile, until nothing more did.
	 */
	while (atomic_exchange_explicit(&m->lpi_overflow, false, memory_order_acq_rel))
		for (unsigned int t = 0; t < m->cfg.its.nr_targets; t++)
			while ((intid = its_lpi_ack(m->its, t)) != GIC_INTID_SPURIOUS)
				fn(opaque, t, intid);
	machine_lpi_put(m, &frame);
}

void machine_set_lpi_handler(struct machine *m, machine_lpi_fn fn, void *opaque)
{
	spin_lock(&m->lpi_lock);
	m->lpi_fn = fn;
	m->lpi_opaque = opaque;
	atomic_store_explicit(&m->lpi_connected, fn != NULL, memory_order_release);
	if (!fn)
		atomic_store(&m->lpi_overflow, false);
	spin_unlock(&m->lpi_lock);
	while (atomic_load_explicit(&m->lpi_inflight, memory_order_acquire))
		cpu_relax();
}

/*
 * A write to the ITS or GICR window with its batch published, then the
 * batch delivered, with no lock held.
 */
static int machine_irq_write(struct machine *m, const struct mmio_ops *ops,
			     u64 off, unsigned int size, u64 val,
			     struct mem_attrs attrs)
{
	struct machine_lpi_batch b = { .writer = pthread_self() };
	int ret;

	mutex_lock(&m->irq_write_lock);
	atomic_store_explicit(&m->lpi_batch, &b, memory_order_release);
	ret = ops->write(m->its, off, size, val, attrs);
	atomic_store_explicit(&m->lpi_batch, NULL, memory_order_release);
	mutex_unlock(&m->irq_write_lock);
	machine_take_lpis(m, &b);
	return ret;
}

/* The ITS's windows, so that a write is followed by the LPIs it raised. */
static int machine_its_read(void *opaque, u64 off, unsigned int size, u64 *val,
			    struct mem_attrs attrs)
{
	return its_mmio_ops.read(((struct machine *)opaque)->its, off, size, val, attrs);
}

static int machine_its_write(void *opaque, u64 off, unsigned int size, u64 val,
			     struct mem_attrs attrs)
{
	return machine_irq_write(opaque, &its_mmio_ops, off, size, val, attrs);
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
	return machine_irq_write(opaque, &its_gicr_mmio_ops, off, size, val, attrs);
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
	mutex_init(&m->irq_write_lock);
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
	mutex_destroy(&m->irq_write_lock);
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
