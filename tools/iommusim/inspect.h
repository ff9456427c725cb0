/* SPDX-License-Identifier: MIT */
/*
 * What the inspect commands (cmd-inspect.c) hand their printer
 * (inspect-print.c): the walk's descriptor reads as logged, and what the
 * hardware concluded.
 */
#ifndef IOMMUSIM_TOOLS_INSPECT_H
#define IOMMUSIM_TOOLS_INSPECT_H

#include "hw/smmuv3/inspect.h"
#include "tools/iommusim/world-priv.h"

/* More than any legal walk reads: 4 stage-1 levels x (4 + 1) + 4. */
#define WALK_LOG_MAX	64

struct walk_log_step {
	struct smmuv3_walk_step s;	/* s.walk is gone once logged: */
	u8 granule_shift, ia_bits;
	s8 start_level;
	bool ttb1;
	u64 ttb;
};

struct walk_log {
	unsigned int n;
	bool overflow;
	struct walk_log_step steps[WALK_LOG_MAX];
};

/* A smmuv3_walk_trace_fn (and for the mock's walks): opaque is a walk_log. */
void inspect_log_step(void *opaque, const struct smmuv3_walk_step *st);
/* The same for a plain VMSA walk (a vmsa_trace_fn). */
void inspect_log_vmsa_step(void *opaque, const struct vmsa_walk_cfg *cfg,
			   const struct vmsa_walk_step *d);

/* The board's SMMUv3 model when the board's kernel drives it, else NULL. */
struct smmuv3 *inspect_board_smmu(struct world *w);
/* The walk a mock paging domain's registers (TTBR/TCR, VTTBR/VTCR) describe. */
struct iommu_domain;
int inspect_mock_walk_cfg(struct iommu_domain *d, struct vmsa_walk_cfg *wc);

/* "4K", "2M", "1G" (buf: 24 bytes); log2 of a level's block size. */
const char *inspect_size_name(u64 size, char *buf, size_t len);
unsigned int inspect_level_shift(unsigned int granule_shift, int level);
/* A table or leaf descriptor's attributes, by their Arm names. */
void inspect_print_attrs(FILE *out, unsigned int stage, enum vmsa_desc_kind kind,
			 u64 desc);

struct walk_view {
	const char *name;
	u64 iova;
	unsigned int access;		/* SMMUV3_READ/WRITE */
	bool on_smmu;			/* the board's SMMU: sid and ste below */
	u32 sid;
	const struct smmuv3_ste_info *ste;
	const char *config;		/* mock: what its domain amounts to */
	const char *domain;		/* mock: the domain's type */
	struct smmuv3_walk_info info;
};

void inspect_print_ste(FILE *out, const char *name, u32 sid,
		       const struct smmuv3_ste_info *info, struct scn_result *r);
void inspect_print_walk(FILE *out, const struct walk_view *v,
			const struct walk_log *log, struct scn_result *r);

#endif
