// SPDX-License-Identifier: MIT
/*
 * PCI-like endpoint: see endpoint.h.  State the driver programs (MSI
 * capability, DMA registers) sits under ep->lock; the bus transactions
 * themselves run without it, so a DMA or an MSI may land anywhere on the
 * bus, this endpoint's own BAR included, without deadlock.
 */
#include "hw/endpoint.h"

#include <stdlib.h>
#include <string.h>

#include "lib/lock.h"

struct endpoint {
	struct phys_mem *mem;
	u32 rid;
	unsigned int nr_vectors;
	struct dma_translator xlat;
	struct mutex lock;
	/* MSI capability */
	u64 msi_addr;
	u32 msi_data;
	bool msi_enabled;
	u32 msi_mask;
	u32 msi_pending;
	/* DMA registers */
	u64 dma_src, dma_dst;
	u32 dma_len;
	u32 dma_status;
	bool busy;		/* a BAR-started DMA or MSI is on the bus */
	struct endpoint_stats stats;
};

struct endpoint *endpoint_create(struct phys_mem *mem, u32 requester_id,
				 unsigned int nr_vectors)
{
	struct endpoint *ep;

	if (!mem || !nr_vectors || nr_vectors > ENDPOINT_MAX_VECTORS ||
	    !is_power_of_2(nr_vectors))
		return NULL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return NULL;
	ep->mem = mem;
	ep->rid = requester_id;
	ep->nr_vectors = nr_vectors;
	mutex_init(&ep->lock);
	return ep;
}

void endpoint_destroy(struct endpoint *ep)
{
	if (!ep)
		return;
	mutex_destroy(&ep->lock);
	free(ep);
}

void endpoint_set_translator(struct endpoint *ep, const struct dma_translator *t)
{
	mutex_lock(&ep->lock);
	if (t && t->ops && t->ops->translate)
		ep->xlat = *t;
	else
		memset(&ep->xlat, 0, sizeof(ep->xlat));
	mutex_unlock(&ep->lock);
}

u32 endpoint_requester_id(const struct endpoint *ep)
{
	return ep->rid;
}

static void ep_fault(struct endpoint *ep, bool msi, int err, dma_addr_t addr)
{
	mutex_lock(&ep->lock);
	if (msi)
		ep->stats.msi_faults++;
	else
		ep->stats.dma_faults++;
	ep->stats.last_fault = err;
	ep->stats.last_fault_addr = addr;
	mutex_unlock(&ep->lock);
}

/* Bus address -> physical address for [addr, addr + size) within one page. */
static int ep_translate(struct endpoint *ep, dma_addr_t addr, size_t size,
			bool is_write, phys_addr_t *pa)
{
	struct dma_translator xlat;
	int ret;

	mutex_lock(&ep->lock);
	xlat = ep->xlat;
	mutex_unlock(&ep->lock);
	if (!xlat.ops) {
		*pa = addr;
		return 0;
	}
	ret = xlat.ops->translate(xlat.opaque, ep->rid, addr, size, is_write, pa);
	return ret > 0 ? -EFAULT : ret;	/* a positive return is a translator bug */
}

/* One transaction of at most a page: translate, then the bus with our RID. */
static int ep_access(struct endpoint *ep, dma_addr_t addr, void *buf, size_t len,
		     bool is_write)
{
	phys_addr_t pa;
	int ret;

	ret = ep_translate(ep, addr, len, is_write, &pa);
	if (ret)
		return ret;
	if (is_write)
		ret = phys_write_attrs(ep->mem, pa, buf, len, MEM_ATTRS_RID(ep->rid));
	else
		ret = phys_read_attrs(ep->mem, pa, buf, len, MEM_ATTRS_RID(ep->rid));
	return ret ? -EFAULT : 0;
}

static size_t page_left(dma_addr_t addr)
{
	return ENDPOINT_DMA_PAGE - (addr & (ENDPOINT_DMA_PAGE - 1));
}

static int ep_dma(struct endpoint *ep, dma_addr_t addr, u8 *buf, size_t len,
		  bool is_write)
{
	size_t done = 0;
	int ret = 0;

	if (addr + len < addr) {
		ret = -EINVAL;
		goto fault;
	}
	while (done < len) {
		size_t n = min(len - done, page_left(addr + done));

		ret = ep_access(ep, addr + done, buf + done, n, is_write);
		if (ret)
			goto fault;
		done += n;
	}
	mutex_lock(&ep->lock);
	ep->stats.dma_ops++;
	ep->stats.dma_bytes += len;
	mutex_unlock(&ep->lock);
	return 0;

fault:
	mutex_lock(&ep->lock);
	ep->stats.dma_ops++;
	ep->stats.dma_bytes += done;
	mutex_unlock(&ep->lock);
	ep_fault(ep, false, ret, addr + done);
	return ret;
}

int endpoint_dma_read(struct endpoint *ep, dma_addr_t addr, void *buf, size_t len)
{
	return ep_dma(ep, addr, buf, len, false);
}

int endpoint_dma_write(struct endpoint *ep, dma_addr_t addr, const void *buf,
		       size_t len)
{
	return ep_dma(ep, addr, (void *)buf, len, true);
}

int endpoint_dma_copy(struct endpoint *ep, dma_addr_t dst, dma_addr_t src, size_t len)
{
	u8 bounce[ENDPOINT_DMA_PAGE];
	int ret;

	while (len) {
		size_t n = min(len, min(page_left(src), page_left(dst)));

		ret = ep_dma(ep, src, bounce, n, false);
		if (!ret)
			ret = ep_dma(ep, dst, bounce, n, true);
		if (ret)
			return ret;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* Send vector vec now: the caller checked enable and mask. */
static int ep_msi_send(struct endpoint *ep, u64 addr, u32 data)
{
	phys_addr_t pa;
	int ret;

	ret = ep_translate(ep, addr, 4, true, &pa);
	if (!ret && phys_write_val(ep->mem, pa, 4, data, MEM_ATTRS_RID(ep->rid)))
		ret = -EFAULT;
	if (ret) {
		ep_fault(ep, true, ret, addr);
		return ret;
	}
	mutex_lock(&ep->lock);
	ep->stats.msis_sent++;
	mutex_unlock(&ep->lock);
	return 0;
}

static u32 ep_msi_data(const struct endpoint *ep, unsigned int vec)
{
	return (ep->msi_data & ~(ep->nr_vectors - 1)) | vec;
}

void endpoint_msi_configure(struct endpoint *ep, u64 addr, u32 data)
{
	mutex_lock(&ep->lock);
	ep->msi_addr = addr;
	ep->msi_data = data;
	mutex_unlock(&ep->lock);
}

void endpoint_msi_enable(struct endpoint *ep, bool enable)
{
	mutex_lock(&ep->lock);
	ep->msi_enabled = enable;
	mutex_unlock(&ep->lock);
}

int endpoint_msi_fire(struct endpoint *ep, unsigned int vec)
{
	u64 addr;
	u32 data;

	if (vec >= ep->nr_vectors)
		return -EINVAL;
	mutex_lock(&ep->lock);
	if (!ep->msi_enabled) {
		mutex_unlock(&ep->lock);
		return -ENODEV;
	}
	if (ep->msi_mask & BIT(vec)) {
		ep->msi_pending |= BIT(vec);
		mutex_unlock(&ep->lock);
		return -EAGAIN;
	}
	addr = ep->msi_addr;
	data = ep_msi_data(ep, vec);
	mutex_unlock(&ep->lock);
	return ep_msi_send(ep, addr, data);
}

int endpoint_msi_mask(struct endpoint *ep, unsigned int vec, bool masked)
{
	bool send;
	u64 addr;
	u32 data;

	if (vec >= ep->nr_vectors)
		return -EINVAL;
	mutex_lock(&ep->lock);
	if (masked)
		ep->msi_mask |= BIT(vec);
	else
		ep->msi_mask &= ~BIT(vec);
	send = !masked && ep->msi_enabled && (ep->msi_pending & BIT(vec));
	if (send)
		ep->msi_pending &= ~BIT(vec);
	addr = ep->msi_addr;
	data = ep_msi_data(ep, vec);
	mutex_unlock(&ep->lock);
	return send ? ep_msi_send(ep, addr, data) : 0;
}

bool endpoint_msi_pending(struct endpoint *ep, unsigned int vec)
{
	bool ret;

	mutex_lock(&ep->lock);
	ret = vec < ep->nr_vectors && (ep->msi_pending & BIT(vec));
	mutex_unlock(&ep->lock);
	return ret;
}

void endpoint_get_stats(struct endpoint *ep, struct endpoint_stats *st)
{
	mutex_lock(&ep->lock);
	*st = ep->stats;
	mutex_unlock(&ep->lock);
}

/* ---- register BAR ---- */

static u64 ep_reg_read(struct endpoint *ep, u64 off)
{
	switch (off) {
	case EP_ID:		return ENDPOINT_ID;
	case EP_RID:		return ep->rid;
	case EP_MSI_NVEC:	return ep->nr_vectors;
	case EP_MSI_ADDR:	return (u32)ep->msi_addr;
	case EP_MSI_ADDR + 4:	return ep->msi_addr >> 32;
	case EP_MSI_DATA:	return ep->msi_data;
	case EP_MSI_CTRL:	return ep->msi_enabled ? EP_MSI_CTRL_ENABLE : 0;
	case EP_MSI_MASK:	return ep->msi_mask;
	case EP_MSI_PENDING:	return ep->msi_pending;
	case EP_DMA_SRC:	return (u32)ep->dma_src;
	case EP_DMA_SRC + 4:	return ep->dma_src >> 32;
	case EP_DMA_DST:	return (u32)ep->dma_dst;
	case EP_DMA_DST + 4:	return ep->dma_dst >> 32;
	case EP_DMA_LEN:	return ep->dma_len;
	case EP_DMA_STATUS:	return ep->dma_status;
	case EP_FAULTS:		return (u32)(ep->stats.dma_faults + ep->stats.msi_faults);
	case EP_FAULT_ADDR:	return (u32)ep->stats.last_fault_addr;
	case EP_FAULT_ADDR + 4:	return ep->stats.last_fault_addr >> 32;
	}
	return 0;
}

static int ep_mmio_read(void *opaque, u64 off, unsigned int size, u64 *val,
			struct mem_attrs attrs)
{
	struct endpoint *ep = opaque;

	(void)attrs;
	*val = 0;
	if (size != 4 && size != 8)
		return 0;
	mutex_lock(&ep->lock);
	*val = ep_reg_read(ep, off);
	if (size == 8)
		*val |= ep_reg_read(ep, off + 4) << 32;
	mutex_unlock(&ep->lock);
	return 0;
}

static u64 set_half(u64 reg, u64 off, u32 val)
{
	return off & 4 ? (reg & 0xffffffffULL) | (u64)val << 32
		       : (reg & ~0xffffffffULL) | val;
}

/* What a BAR write asks of the bus, done once the lock is dropped. */
struct ep_actions {
	u32 dma_cmd;		/* EP_DMA_CMD written with GO */
	u32 fire;		/* vectors triggered (mask applies) */
	u32 send;		/* vectors unmasked while pending (sent as is) */
};

static void ep_reg_write(struct endpoint *ep, u64 off, u32 val, struct ep_actions *act)
{
	u32 unmasked;

	switch (off) {
	case EP_MSI_ADDR: case EP_MSI_ADDR + 4:
		ep->msi_addr = set_half(ep->msi_addr, off, val);
		break;
	case EP_MSI_DATA:
		ep->msi_data = val;
		break;
	case EP_MSI_CTRL:
		ep->msi_enabled = val & EP_MSI_CTRL_ENABLE;
		break;
	case EP_MSI_MASK:
		unmasked = ep->msi_mask & ~val;
		ep->msi_mask = val & (u32)(BIT_ULL(ep->nr_vectors) - 1);
		if (ep->msi_enabled) {
			act->send |= unmasked & ep->msi_pending;
			ep->msi_pending &= ~unmasked;
		}
		break;
	case EP_MSI_TRIGGER:
		if (val < ep->nr_vectors)
			act->fire |= BIT(val);
		break;
	case EP_DMA_SRC: case EP_DMA_SRC + 4:
		ep->dma_src = set_half(ep->dma_src, off, val);
		break;
	case EP_DMA_DST: case EP_DMA_DST + 4:
		ep->dma_dst = set_half(ep->dma_dst, off, val);
		break;
	case EP_DMA_LEN:
		ep->dma_len = val;
		break;
	case EP_DMA_CMD:
		if (val & EP_DMA_CMD_GO)
			act->dma_cmd = val;
		break;
	}
}

static void ep_run_dma(struct endpoint *ep, u32 cmd)
{
	u64 src, dst;
	u32 len;
	int ret;

	mutex_lock(&ep->lock);
	src = ep->dma_src;
	dst = ep->dma_dst;
	len = ep->dma_len;
	mutex_unlock(&ep->lock);
	ret = endpoint_dma_copy(ep, dst, src, len);
	mutex_lock(&ep->lock);
	ep->dma_status = (u32)-ret;
	mutex_unlock(&ep->lock);
	if (cmd & EP_DMA_CMD_IRQ)
		endpoint_msi_fire(ep, FIELD_GET(EP_DMA_CMD_VEC, cmd));
}

static int ep_mmio_write(void *opaque, u64 off, unsigned int size, u64 val,
			 struct mem_attrs attrs)
{
	struct endpoint *ep = opaque;
	struct ep_actions act = { 0 };
	u64 addr;
	u32 data;

	(void)attrs;
	if (size != 4 && size != 8)
		return 0;
	mutex_lock(&ep->lock);
	ep_reg_write(ep, off, (u32)val, &act);
	if (size == 8)
		ep_reg_write(ep, off + 4, (u32)(val >> 32), &act);
	if (!act.dma_cmd && !act.fire && !act.send) {
		mutex_unlock(&ep->lock);
		return 0;
	}
	/*
	 * One engine: a command that arrives while a BAR-started transfer is
	 * on the bus (another CPU, or the transfer writing to this BAR) is
	 * refused, so a DMA or MSI aimed at its own BAR cannot recurse.
	 */
	if (ep->busy) {
		ep->dma_status = EBUSY;
		ep->msi_pending |= act.send;
		mutex_unlock(&ep->lock);
		return 0;
	}
	ep->busy = true;
	addr = ep->msi_addr;
	data = ep->msi_data & ~(ep->nr_vectors - 1);
	mutex_unlock(&ep->lock);

	/* Bus transactions run unlocked: they may come back to this BAR. */
	for (unsigned int v = 0; v < ep->nr_vectors; v++)
		if (act.send & BIT(v))
			ep_msi_send(ep, addr, data | v);
	if (act.dma_cmd)
		ep_run_dma(ep, act.dma_cmd);
	for (unsigned int v = 0; v < ep->nr_vectors; v++)
		if (act.fire & BIT(v))
			endpoint_msi_fire(ep, v);
	mutex_lock(&ep->lock);
	ep->busy = false;
	mutex_unlock(&ep->lock);
	return 0;
}

const struct mmio_ops endpoint_mmio_ops = {
	.read = ep_mmio_read,
	.write = ep_mmio_write,
};
