// SPDX-License-Identifier: MIT
/*
 * Page-table format dispatch, as drivers/iommu/io-pgtable.c: a constant
 * table of formats, each an alloc/free pair; the instance remembers its
 * format so free_io_pgtable_ops() finds the right one.
 */
#include "kernel/io-pgtable.h"

extern const struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns;
extern const struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s2_init_fns;

static const struct io_pgtable_init_fns *const
io_pgtable_init_table[IO_PGTABLE_NUM_FMTS] = {
	[ARM_64_LPAE_S1] = &io_pgtable_arm_64_lpae_s1_init_fns,
	[ARM_64_LPAE_S2] = &io_pgtable_arm_64_lpae_s2_init_fns,
};

struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg,
					    void *cookie)
{
	const struct io_pgtable_init_fns *fns;
	struct io_pgtable *iop;

	if ((unsigned int)fmt >= IO_PGTABLE_NUM_FMTS || !cfg || !cfg->k)
		return NULL;
	fns = io_pgtable_init_table[fmt];
	if (!fns)
		return NULL;
	iop = fns->alloc(cfg, cookie);
	if (!iop)
		return NULL;
	iop->fmt = fmt;
	iop->cookie = cookie;
	iop->cfg = *cfg;
	return &iop->ops;
}

void free_io_pgtable_ops(struct io_pgtable_ops *ops)
{
	struct io_pgtable *iop;

	if (!ops)
		return;
	iop = io_pgtable_ops_to_pgtable(ops);
	io_pgtable_init_table[iop->fmt]->free(iop);
}
