// SPDX-License-Identifier: MIT
/*
 * VMSAv8-64 translation table walker: see vmsa-walk.h.
 *
 * One loop per walk, one fetch per level, and nothing allocated: the SMMU
 * model calls this on every TLB miss (24 times per nested miss), so the
 * level arithmetic is a running shift rather than a table lookup, and the
 * fetch fast path reads RAM in place.
 */
#include "hw/vmsa-walk.h"

#include "hw/memory.h"
#include "lib/bits.h"

#define level_shift	vmsa_level_shift
#define desc_to_addr	vmsa_desc_addr

/* Block descriptors exist at L1/L2 (4K), L2 (16K), L2 and L1 with LPA (64K). */
static inline bool block_allowed(const struct vmsa_walk_cfg *cfg, int level)
{
	switch (cfg->granule_shift) {
	case 12:
		return level == 1 || level == 2;
	case 16:
		return level == 2 || (level == 1 && cfg->oa_bits > VMSA_ADDR_BITS);
	default:
		return level == 2;
	}
}

static int fault(struct vmsa_fault *f, const struct vmsa_walk_cfg *cfg,
		 enum vmsa_fault_type type, int level, u64 ia)
{
	f->type = type;
	f->stage = cfg->stage;
	f->level = (s8)level;
	f->s1ptw = false;
	f->ia = ia;
	f->ipa = cfg->stage == 2 ? ia : 0;
	f->fetch_addr = 0;
	f->access = 0;
	f->tt_write = false;
	return -1;
}

/*
 * A fetch or update callback failed at addr: an external abort unless the
 * callback reported its own (nested stage-2) fault.
 */
static int callback_fault(const struct vmsa_walk_cfg *cfg, struct vmsa_fault *f,
			  phys_addr_t addr, int level, u64 ia)
{
	if (f->type == VMSA_FAULT_NONE) {
		fault(f, cfg, VMSA_F_EABT, level, ia);
		f->fetch_addr = addr;
	} else if (cfg->stage == 1) {
		/* The callback's own stage-2 fault. */
		f->s1ptw = true;
		f->ia = ia;
	}
	return -1;
}

/*
 * A hardware update of the descriptor at addr from old to new, atomic
 * with respect to every other writer (compare-and-swap).  0 when done,
 * VMSA_WALK_AGAIN when the descriptor had changed (the walk starts over
 * on the new tables), -1 with *f on a fault.  Without an update callback
 * (an inspection) nothing is written and the update counts as done.
 */
static int update_desc(const struct vmsa_walk_cfg *cfg, phys_addr_t addr,
		       u64 old, u64 new, struct vmsa_fault *f, int level, u64 ia)
{
	int rc;

	if (!cfg->update)
		return 0;
	f->type = VMSA_FAULT_NONE;
	rc = cfg->update(cfg->opaque, addr, old, new, f);
	if (rc < 0) {
		callback_fault(cfg, f, addr, level, ia);
		f->tt_write = true;
		return -1;
	}
	return rc ? VMSA_WALK_AGAIN : 0;
}

static inline void trace_step(const struct vmsa_walk_cfg *cfg, u64 ia,
			      int level, enum vmsa_desc_kind kind,
			      phys_addr_t addr, u64 desc, phys_addr_t out)
{
	struct vmsa_walk_step st = {
		.level = (s8)level, .kind = kind, .ia = ia, .addr = addr,
		.desc = desc, .out = out,
	};

	cfg->trace(cfg->trace_opaque, cfg, &st);
}

/* Stage 1's hierarchical limits of one table descriptor, as VMSA_HIER_*. */
static inline u8 desc_hier(u64 desc)
{
	return (u8)(FIELD_PREP(VMSA_HIER_AP_TABLE, FIELD_GET(DESC_APTABLE, desc)) |
		    (desc & DESC_PXNTABLE ? VMSA_HIER_PXN_TABLE : 0) |
		    (desc & DESC_XNTABLE ? VMSA_HIER_XN_TABLE : 0));
}

/*
 * The leaf at level: its output address (bits below the block size are
 * RES0), the access flag (set by hardware under HTTU, else a fault unless
 * AFFD), and everything a TLB entry keeps.
 */
static __attribute__((always_inline)) inline int
walk_leaf(const struct vmsa_walk_cfg *cfg, u64 ia, phys_addr_t addr, u64 desc,
	  int level, unsigned int shift, u64 oa_over, u8 hier,
	  struct vmsa_walk_result *res, struct vmsa_fault *f)
{
	if (unlikely(desc_to_addr(desc, cfg->granule_shift) &
		     ~((1ULL << shift) - 1) & oa_over))
		return fault(f, cfg, VMSA_F_ADDR_SIZE, level, ia);
	if (unlikely(!(desc & DESC_AF))) {
		/* HTTU: the walker sets AF itself (AFFD then plays no part). */
		if (cfg->ha) {
			int rc = update_desc(cfg, addr, desc, desc | DESC_AF,
					     f, level, ia);

			if (rc)
				return rc;
			desc |= DESC_AF;
		} else if (!cfg->affd) {
			return fault(f, cfg, VMSA_F_ACCESS, level, ia);
		}
	}

	vmsa_leaf_decode(res, cfg->stage, cfg->granule_shift, ia, addr, desc,
			 level, shift, hier);
	return 0;
}

/* Where a walk begins: its level, table, and what the levels above gave. */
struct walk_pos {
	int level;
	unsigned int shift;	/* level_shift() of level */
	unsigned int idx_bits;	/* index bits resolved at level */
	u64 table;
	const u64 *host;	/* table in host memory (from->host), or NULL */
	u8 hier;
};

/*
 * The checks before the first fetch, in the pseudocode's order (input
 * beyond the input size, then a start table beyond the output size, both
 * at level 0), and the start: the TTB's table, or below a cached table
 * descriptor (cfg->from).  0, or -1 with *f.
 */
static __attribute__((always_inline)) inline int
walk_start(const struct vmsa_walk_cfg *cfg, u64 ia, u64 oa_over,
	   struct walk_pos *p, struct vmsa_fault *f)
{
	const unsigned int g = cfg->granule_shift;
	u64 top = cfg->ia_bits < 64 ? ia >> cfg->ia_bits : 0;

	if (cfg->ttb1 && cfg->stage == 1)
		top = ~top & (~0ULL >> cfg->ia_bits);
	if (unlikely(top))
		return fault(f, cfg, VMSA_F_TRANSLATION, 0, ia);

	if (cfg->from) {
		p->level = cfg->from->level + 1;
		p->shift = level_shift(g, p->level);
		p->idx_bits = g - 3;
		p->table = cfg->from->table;
		p->host = cfg->from->host;
		p->hier = cfg->stage == 1 && !cfg->hpd ? cfg->from->hier : 0;
		return 0;
	}
	p->level = cfg->start_level;
	p->shift = level_shift(g, p->level);
	p->idx_bits = cfg->ia_bits - p->shift;
	p->table = cfg->ttb & ~((8ULL << p->idx_bits) - 1);
	p->host = NULL;
	p->hier = 0;
	if (unlikely(p->table & oa_over))
		return fault(f, cfg, VMSA_F_ADDR_SIZE, 0, ia);
	return 0;
}

/* A table descriptor read at level, for the caller's walk cache. */
static inline void record_table(const struct vmsa_walk_cfg *cfg, int level,
				phys_addr_t addr, u64 desc, u8 hier)
{
	struct vmsa_walk_tables *t = cfg->tables;

	t->valid |= (u8)BIT(level);
	t->hier[level] = hier;
	t->addr[level] = addr;
	t->desc[level] = desc;
}

/*
 * The walk, instantiated twice: traced is a constant, so the untraced copy
 * vmsa_walk() runs is the walk alone, with no test per level.
 */
static __attribute__((always_inline)) inline int
walk(const struct vmsa_walk_cfg *cfg, u64 ia, struct vmsa_walk_result *res,
     struct vmsa_fault *f, const bool traced)
{
	const unsigned int g = cfg->granule_shift, stride = g - 3;
	u64 oa_over;	/* set once oa_bits is known to be a legal shift */
	struct walk_pos p;
	u64 desc, idx;
	phys_addr_t addr;

	if (unlikely(g != 12 && g != 14 && g != 16) || cfg->start_level < 0 ||
	    cfg->start_level > 3 || cfg->ia_bits <= level_shift(g, cfg->start_level) ||
	    cfg->ia_bits > VMSA_ADDR_BITS_64K || cfg->oa_bits > VMSA_ADDR_BITS_64K ||
	    (cfg->from && (cfg->from->level < cfg->start_level || cfg->from->level > 2)))
		return fault(f, cfg, VMSA_F_TRANSLATION, 0, ia);
	oa_over = ~0ULL << cfg->oa_bits;
	if (walk_start(cfg, ia, oa_over, &p, f))
		return -1;

	for (;;) {
		idx = (ia >> p.shift) & ((1ULL << p.idx_bits) - 1);
		addr = p.table + idx * 8;
		f->type = VMSA_FAULT_NONE;
		if (cfg->read_count)
			cfg->read_count[p.level]++;
		if (p.host) {
			/* Another thread (the kernel side) may be writing it. */
			desc = __atomic_load_n(p.host + idx, __ATOMIC_ACQUIRE);
			p.host = NULL;
		} else if (unlikely(cfg->fetch(cfg->opaque, addr, &desc, f))) {
			return callback_fault(cfg, f, addr, p.level, ia);
		}
		if (unlikely(!(desc & DESC_VALID))) {
			if (traced)
				trace_step(cfg, ia, p.level, VMSA_DESC_INVALID,
					   addr, desc, 0);
			return fault(f, cfg, VMSA_F_TRANSLATION, p.level, ia);
		}
		if (p.level == 3) {
			if (unlikely(!(desc & DESC_TABLE))) {
				if (traced)
					trace_step(cfg, ia, p.level, VMSA_DESC_RESERVED,
						   addr, desc, 0);
				return fault(f, cfg, VMSA_F_TRANSLATION, p.level, ia);
			}
			if (traced)
				trace_step(cfg, ia, p.level, VMSA_DESC_PAGE, addr, desc,
					   desc_to_addr(desc, g));
			break;
		}
		if (!(desc & DESC_TABLE)) {
			if (unlikely(!block_allowed(cfg, p.level))) {
				if (traced)
					trace_step(cfg, ia, p.level, VMSA_DESC_RESERVED,
						   addr, desc, 0);
				return fault(f, cfg, VMSA_F_TRANSLATION, p.level, ia);
			}
			if (traced)
				trace_step(cfg, ia, p.level, VMSA_DESC_BLOCK, addr, desc,
					   desc_to_addr(desc, g) &
					   ~((1ULL << p.shift) - 1));
			break;
		}
		p.table = desc_to_addr(desc, g);
		if (traced)
			trace_step(cfg, ia, p.level, VMSA_DESC_TABLE, addr, desc, p.table);
		if (unlikely(p.table & oa_over))
			return fault(f, cfg, VMSA_F_ADDR_SIZE, p.level, ia);
		if (cfg->stage == 1 && !cfg->hpd)
			p.hier |= desc_hier(desc);
		if (cfg->tables)
			record_table(cfg, p.level, addr, desc, p.hier);
		p.level++;
		p.shift -= stride;
		p.idx_bits = stride;
	}

	return walk_leaf(cfg, ia, addr, desc, p.level, p.shift, oa_over, p.hier, res, f);
}

static __attribute__((noinline, cold)) int
walk_traced(const struct vmsa_walk_cfg *cfg, u64 ia,
	    struct vmsa_walk_result *res, struct vmsa_fault *f)
{
	return walk(cfg, ia, res, f, true);
}

int vmsa_walk(const struct vmsa_walk_cfg *cfg, u64 ia,
	      struct vmsa_walk_result *res, struct vmsa_fault *f)
{
	int ret;

	do {
		if (unlikely(cfg->trace))
			ret = walk_traced(cfg, ia, res, f);
		else
			ret = walk(cfg, ia, res, f, false);
	} while (unlikely(ret == VMSA_WALK_AGAIN));
	return ret;
}

/* ------------------------------------------------- hardware dirty state */

/* The permissions the leaf would give once marked dirty. */
static void as_dirty(struct vmsa_walk_result *r)
{
	if (r->stage == 1)
		r->ap &= (u8)~2;	/* AP[2] clear: writable */
	else
		r->ap |= 2;		/* S2AP[1] set: writable */
}

bool vmsa_dirty_update_allowed(const struct vmsa_walk_cfg *cfg,
			       const struct vmsa_walk_result *r,
			       unsigned int access)
{
	struct vmsa_walk_result d;
	struct vmsa_fault f;

	if (!cfg->ha || !cfg->hd || !(access & VMSA_ACC_WRITE) ||
	    !(r->desc & DESC_DBM))
		return false;
	/* Only a writable-clean leaf; every other permission must hold. */
	if (r->stage == 1 ? !(r->ap & 2) : (r->ap & 2))
		return false;
	d = *r;
	as_dirty(&d);
	return !vmsa_check_perm(&d, access, &f);
}

int vmsa_dirty_update(const struct vmsa_walk_cfg *cfg,
		      struct vmsa_walk_result *r, struct vmsa_fault *f)
{
	u64 new = r->stage == 1 ? r->desc & ~DESC_AP_RDONLY :
				  r->desc | DESC_S2AP_W;
	int rc = update_desc(cfg, r->desc_addr, r->desc, new, f, r->level,
			     r->ia);

	if (rc)
		return rc;
	r->desc = new;
	as_dirty(r);
	r->allowed = (u8)vmsa_allowed(r);
	return 0;
}

int vmsa_update_ram(void *opaque, phys_addr_t addr, u64 old, u64 new,
		    struct vmsa_fault *fault)
{
	u64 *p = phys_ram_ptr(opaque, addr, 8);

	(void)fault;
	if (unlikely(!p))
		return -1;	/* not RAM: no atomic update there */
	return __atomic_compare_exchange_n(p, &old, new, false,
					   __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE) ? 0 : 1;
}

int vmsa_check_perm(const struct vmsa_walk_result *r, unsigned int access,
		    struct vmsa_fault *f)
{
	unsigned int allowed = vmsa_allowed(r), need = 0;
	bool ok;

	if (access & VMSA_ACC_PRIV)
		allowed >>= VMSA_ALLOW_PRIV_SHIFT;
	if (access & VMSA_ACC_READ)
		need |= VMSA_ALLOW_R;
	if (access & VMSA_ACC_WRITE)
		need |= VMSA_ALLOW_W;
	if (access & VMSA_ACC_EXEC)
		need |= VMSA_ALLOW_X;
	ok = !(need & ~allowed);
	if (ok)
		return 0;
	f->type = VMSA_F_PERMISSION;
	f->stage = r->stage;
	f->level = r->level;
	f->s1ptw = false;
	f->ia = r->ia;
	f->ipa = r->stage == 2 ? r->ia : 0;
	f->fetch_addr = 0;
	f->access = access;
	f->tt_write = false;
	return -1;
}

static unsigned int max_addr_bits(unsigned int g)
{
	return g == 16 ? VMSA_ADDR_BITS_64K : VMSA_ADDR_BITS;
}

int vmsa_s1_start_level(unsigned int g, unsigned int ia_bits)
{
	if (g != 12 && g != 14 && g != 16)
		return -EINVAL;
	if (ia_bits < 16 || ia_bits <= g || ia_bits > max_addr_bits(g))
		return -EINVAL;
	return 4 - (int)DIV_ROUND_UP(ia_bits - g, g - 3);
}

int vmsa_s2_start_level(unsigned int g, unsigned int sl0, unsigned int ia_bits,
			unsigned int pa_bits, unsigned int *nr_concat)
{
	unsigned int stride = g - 3, shift;
	int level, bits;

	if (ia_bits < 16 || ia_bits > max_addr_bits(g))
		return -EINVAL;
	switch (g) {
	case 12:
		/* SL0 0/1/2 -> levels 2/1/0; 3 (level 3) needs FEAT_TTST. */
		if (sl0 > 2 || (sl0 == 2 && pa_bits < 44))
			return -EINVAL;
		level = 2 - (int)sl0;
		break;
	case 14:
		/* SL0 3 (level 0) needs FEAT_LPA2. */
		if (sl0 > 2 || (sl0 == 2 && pa_bits < 42))
			return -EINVAL;
		level = 3 - (int)sl0;
		break;
	case 16:
		if (sl0 > 2 || (sl0 == 2 && pa_bits < 44))
			return -EINVAL;
		level = 3 - (int)sl0;
		break;
	default:
		return -EINVAL;
	}
	shift = level_shift(g, level);
	/* At least one bit, at most 16 tables, resolved at the start level. */
	bits = (int)ia_bits - (int)shift;
	if (bits < 1 || bits > (int)stride + 4)
		return -EINVAL;
	if (nr_concat)
		*nr_concat = bits > (int)stride ? 1u << (bits - stride) : 1;
	return level;
}

u64 vmsa_start_table_size(unsigned int g, unsigned int ia_bits, int start_level)
{
	unsigned int shift = level_shift(g, start_level);

	return ia_bits > shift ? 8ULL << (ia_bits - shift) : 8;
}

int vmsa_fetch_ram(void *opaque, phys_addr_t addr, u64 *desc,
		   struct vmsa_fault *fault)
{
	struct phys_mem *mem = opaque;
	const u64 *p = phys_ram_ptr(mem, addr, 8);

	(void)fault;
	if (likely(p)) {
		/* Another thread (the kernel side) may be writing it. */
		*desc = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		return 0;
	}
	return phys_read64(mem, addr, desc) ? -1 : 0;
}
