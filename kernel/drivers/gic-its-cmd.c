// SPDX-License-Identifier: MIT
/*
 * The ITS command queue, driven as Linux's irq-gic-v3-its.c drives it:
 * a 64K ring in machine memory (GITS_CBASER), commands written at the
 * driver's write index, GITS_CWRITER moved past them, and completion
 * observed by polling GITS_CREADR until it has gone past the last command
 * posted, with the read pointer's wrap-around linearised.  A command that
 * names a collection (MAPC, MAPTI, INV, DISCARD, INVALL) is followed by a
 * SYNC to that collection's redistributor, as its_send_single_command()
 * does.
 *
 * Unlike Linux, a command that does not complete is reported to the
 * caller: -ETIMEDOUT when GITS_CREADR stops moving (ITS disabled or
 * wedged), -EIO as soon as GITS_CREADR.Stalled says the ITS stopped on a
 * command error.  The queue is left as the hardware left it; later
 * commands fail the same way until the ITS is reset.
 */
#include "kernel/drivers/gic-its-priv.h"

#include <string.h>

#include "kernel/kernel.h"

struct its_cmd_block {
	u64 raw[4];
};

/* The encoders of Linux's its_encode_*(): one field each. */
static inline void its_encode(u64 *raw, u64 mask, u64 val)
{
	*raw = (*raw & ~mask) | ((val << __builtin_ctzll(mask)) & mask);
}

static void its_encode_cmd(struct its_cmd_block *c, u8 op)
{
	its_encode(&c->raw[0], GITS_CMD0_OPCODE, op);
}

static void its_encode_devid(struct its_cmd_block *c, u32 devid)
{
	its_encode(&c->raw[0], GITS_CMD0_DEVICEID, devid);
}

static void its_encode_event_id(struct its_cmd_block *c, u32 id)
{
	its_encode(&c->raw[1], GITS_CMD1_EVENTID, id);
}

static void its_encode_phys_id(struct its_cmd_block *c, u32 phys_id)
{
	its_encode(&c->raw[1], GITS_CMD1_PINTID, phys_id);
}

static void its_encode_size(struct its_cmd_block *c, u8 size)
{
	its_encode(&c->raw[1], GITS_CMD1_SIZE, size);
}

static void its_encode_itt(struct its_cmd_block *c, u64 itt_addr)
{
	its_encode(&c->raw[2], GITS_CMD2_ITT_ADDR, itt_addr >> 8);
}

static void its_encode_valid(struct its_cmd_block *c, bool valid)
{
	its_encode(&c->raw[2], GITS_CMD2_VALID, valid);
}

static void its_encode_target(struct its_cmd_block *c, u64 target_addr)
{
	its_encode(&c->raw[2], GITS_CMD2_RDBASE, target_addr >> 16);
}

static void its_encode_collection(struct its_cmd_block *c, u16 col)
{
	its_encode(&c->raw[2], GITS_CMD2_ICID, col);
}

static const struct its_collection *dev_event_to_col(struct its_device *dev,
						    u32 event)
{
	return &dev->its->collections[dev->col_map[event]];
}

int its_cmdq_init(struct its_node *its)
{
	its->cmd_pa = kernel_alloc_pages(its->k, ITS_CMD_QUEUE_SZ);
	if (!its->cmd_pa)
		return -ENOMEM;
	its->cmd_base = phys_to_virt(its->k, its->cmd_pa, ITS_CMD_QUEUE_SZ);
	its->cmd_write = 0;
	return 0;
}

void its_cmdq_free(struct its_node *its)
{
	if (its->cmd_pa)
		kernel_free_pages(its->k, its->cmd_pa, ITS_CMD_QUEUE_SZ);
	its->cmd_pa = 0;
	its->cmd_base = NULL;
}

/* GITS_CREADR: the offset it reached, or -EIO when the ITS stalled. */
static int its_read_creadr(struct its_node *its, u64 *off)
{
	u32 creadr = its_readl(its, its->phys_base + GITS_CREADR);

	if (creadr & GITS_CREADR_STALLED)
		return -EIO;
	*off = creadr & GITS_CQ_OFFSET;
	return 0;
}

/* The next slot, once the ring has room (cmd_lock held). */
static int its_allocate_entry(struct its_node *its, struct its_cmd_block **out)
{
	struct its_cmd_block *ring = (struct its_cmd_block *)its->cmd_base;
	unsigned int count = ITS_POLL_MAX;
	u64 rd;
	int ret;

	for (;;) {
		ret = its_read_creadr(its, &rd);
		if (ret)
			return ret;
		if ((its->cmd_write + 1) % ITS_CMD_QUEUE_NR_ENTRIES !=
		    rd / GITS_CMD_SIZE)
			break;
		if (!--count)
			return -ETIMEDOUT;	/* "ITS queue not draining" */
		cpu_relax();
	}
	*out = &ring[its->cmd_write];
	its->cmd_write = (its->cmd_write + 1) % ITS_CMD_QUEUE_NR_ENTRIES;
	memset(*out, 0, sizeof(**out));
	return 0;
}

/*
 * Wait until GITS_CREADR has moved from prev_off past to_off (the write
 * offset after our commands), counting wrap-arounds so that a reader that
 * overtook the 64K ring is still seen to have arrived.
 */
static int its_wait_for_range_completion(struct its_node *its, u64 prev_off,
					 u64 to_off)
{
	unsigned int count = ITS_POLL_MAX;
	u64 linear = prev_off, rd;
	int ret;

	if (to_off < prev_off)
		to_off += ITS_CMD_QUEUE_SZ;
	for (;;) {
		ret = its_read_creadr(its, &rd);
		if (ret)
			return ret;
		linear += rd >= prev_off ? rd - prev_off :
					   rd + ITS_CMD_QUEUE_SZ - prev_off;
		if (linear >= to_off)
			return 0;
		if (!--count)
			return -ETIMEDOUT;	/* "ITS queue timeout" */
		prev_off = rd;
		cpu_relax();
	}
}

/* Post cmd (and a SYNC to sync_col's redistributor) and wait for both. */
static int its_send_single_command(struct its_node *its,
				   const struct its_cmd_block *cmd,
				   const struct its_collection *sync_col)
{
	struct its_cmd_block *slot, *sync;
	int ret, sync_ret = 0;
	u64 rd, next;

	mutex_lock(&its->cmd_lock);
	ret = its_allocate_entry(its, &slot);
	if (ret)
		goto out_err;
	*slot = *cmd;
	its->nr_cmds++;
	if (sync_col) {
		/* Like Linux, a SYNC that finds no room is skipped. */
		sync_ret = its_allocate_entry(its, &sync);
		if (!sync_ret) {
			its_encode_cmd(sync, GITS_CMD_SYNC);
			its_encode_target(sync, sync_col->target_address);
			its->nr_cmds++;
		}
	}
	/* Where the reader is now; a stall shows in the wait below. */
	rd = its_readl(its, its->phys_base + GITS_CREADR) & GITS_CQ_OFFSET;
	next = (u64)its->cmd_write * GITS_CMD_SIZE;
	its_writel(its, (u32)next, its->phys_base + GITS_CWRITER);
	mutex_unlock(&its->cmd_lock);

	ret = its_wait_for_range_completion(its, rd, next);
	if (!ret)
		ret = sync_ret;
	if (!ret)
		return 0;
	mutex_lock(&its->cmd_lock);
out_err:
	its->nr_cmd_errors++;
	its->last_cmd_error = ret;
	mutex_unlock(&its->cmd_lock);
	return ret;
}

int its_send_mapd(struct its_device *dev, bool valid)
{
	struct its_cmd_block c = { { 0 } };

	its_encode_cmd(&c, GITS_CMD_MAPD);
	its_encode_devid(&c, dev->device_id);
	its_encode_size(&c, (u8)(ilog2(dev->nr_ites) - 1));
	its_encode_itt(&c, ALIGN(dev->itt_pa, ITS_ITT_ALIGN));
	its_encode_valid(&c, valid);
	return its_send_single_command(dev->its, &c, NULL);
}

int its_send_mapc(struct its_node *its, const struct its_collection *col, bool valid)
{
	struct its_cmd_block c = { { 0 } };

	its_encode_cmd(&c, GITS_CMD_MAPC);
	its_encode_collection(&c, col->col_id);
	its_encode_target(&c, col->target_address);
	its_encode_valid(&c, valid);
	return its_send_single_command(its, &c, col);
}

int its_send_mapti(struct its_device *dev, u32 lpi, u32 event)
{
	const struct its_collection *col = dev_event_to_col(dev, event);
	struct its_cmd_block c = { { 0 } };

	its_encode_cmd(&c, GITS_CMD_MAPTI);
	its_encode_devid(&c, dev->device_id);
	its_encode_event_id(&c, event);
	its_encode_phys_id(&c, lpi);
	its_encode_collection(&c, col->col_id);
	return its_send_single_command(dev->its, &c, col);
}

/* INV and DISCARD: one event, SYNC to the redistributor it is routed to. */
static int its_send_event_cmd(struct its_device *dev, u8 op, u32 event)
{
	struct its_cmd_block c = { { 0 } };

	its_encode_cmd(&c, op);
	its_encode_devid(&c, dev->device_id);
	its_encode_event_id(&c, event);
	return its_send_single_command(dev->its, &c, dev_event_to_col(dev, event));
}

int its_send_inv(struct its_device *dev, u32 event)
{
	return its_send_event_cmd(dev, GITS_CMD_INV, event);
}

int its_send_discard(struct its_device *dev, u32 event)
{
	return its_send_event_cmd(dev, GITS_CMD_DISCARD, event);
}

int its_send_invall(struct its_node *its, const struct its_collection *col)
{
	struct its_cmd_block c = { { 0 } };

	its_encode_cmd(&c, GITS_CMD_INVALL);
	its_encode_collection(&c, col->col_id);
	return its_send_single_command(its, &c, col);
}
