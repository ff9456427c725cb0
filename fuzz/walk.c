// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the VMSAv8-64 walker (hw/vmsa-walk) over page tables
 * a hostile guest wrote.  The input picks a translation regime (stage 1 or
 * 2, 4K/16K/64K granule, input and output sizes, stage-2 SL0 and
 * concatenation, AFFD, HPD, TTB1), places up to eight table regions at
 * fuzzed addresses (some beyond the output size, some not memory at all),
 * fills them with fuzzed descriptors at fuzzed indices (tables, blocks and
 * pages that point at each other, or raw words), then walks fuzzed input
 * addresses and checks every access against the leaf's permissions.
 *
 * Every walk must end in a translation or one of the architected faults,
 * and must agree field by field with ref_walk() below: a deliberately
 * naive walker written from Arm DDI0487 D8 (one level at a time, every
 * field extracted by its own mask, no shared helpers with hw/vmsa-walk.c).
 * vmsa_check_perm() must agree with ref_perm(), a table of the EL1&0 and
 * stage-2 rules.  Raw, illegal configurations must fault, never crash.
 * A traced walk (cfg.trace) must give the same answer, and its steps must
 * be the descriptors read, the last one the leaf or the faulting one.
 *
 * Known interpretation shared by both: a 64K level-1 block (FEAT_LPA)
 * exists when oa_bits is 52, as the model's header says.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "hw/vmsa-walk.h"

#define NR_REGIONS	8
#define REGION_SIZE	(1ull << 20)	/* 16 concatenated 64K tables fit */
#define MAX_DESCS	64
#define POISON_BASE	0x7f000000ull	/* fetches here: a nested stage-2 fault */

struct region {
	u64 base;
	bool present;
};

struct tables {
	struct region r[NR_REGIONS];
	unsigned int n;
	u64 addr[MAX_DESCS], desc[MAX_DESCS];
	unsigned int fetches;
};

/* A descriptor lives at addr if written; the rest of a region reads 0. */
static int fetch(void *opaque, phys_addr_t addr, u64 *desc, struct vmsa_fault *f)
{
	struct tables *t = opaque;

	t->fetches++;
	if ((addr & 7) || t->fetches > 64)	/* the walker never loops */
		abort();
	if (addr >= POISON_BASE && addr < POISON_BASE + REGION_SIZE) {
		memset(f, 0, sizeof(*f));
		f->type = VMSA_F_TRANSLATION;
		f->stage = 2;
		f->level = 2;
		f->ipa = addr;
		f->ia = addr;
		return -1;
	}
	for (unsigned int i = t->n; i-- > 0;) {
		if (t->addr[i] == addr) {
			*desc = t->desc[i];
			return 0;
		}
	}
	for (unsigned int i = 0; i < NR_REGIONS; i++) {
		if (t->r[i].present && addr - t->r[i].base < REGION_SIZE) {
			*desc = 0;
			return 0;
		}
	}
	return -1;	/* no memory: external abort */
}

/* ---- the reference: Arm DDI0487 D8, one step at a time ---- */

/* Lowest input-address bit resolved at level, for granule g. */
static unsigned int ref_lsb(unsigned int g, int level)
{
	static const unsigned int lsb[3][4] = {
		{ 39, 30, 21, 12 },	/* 4K: 9 bits a level */
		{ 47, 36, 25, 14 },	/* 16K: 11 bits */
		{ 55, 42, 29, 16 },	/* 64K: 13 bits (level 0 does not exist) */
	};

	return lsb[g == 12 ? 0 : g == 14 ? 1 : 2][level];
}

/* The output address in a descriptor, by granule (D8.3, FEAT_LPA for 64K). */
static u64 ref_desc_oa(u64 d, unsigned int g)
{
	u64 oa = 0;

	for (unsigned int b = g; b <= 47; b++)
		oa |= d & (1ull << b);
	if (g == 16)
		for (unsigned int b = 0; b < 4; b++)
			if (d & (1ull << (12 + b)))
				oa |= 1ull << (48 + b);
	return oa;
}

static bool ref_block_ok(unsigned int g, int level, unsigned int oa_bits)
{
	if (g == 12)
		return level == 1 || level == 2;
	if (g == 14)
		return level == 2;
	return level == 2 || (level == 1 && oa_bits == 52);
}

static int ref_fault(struct vmsa_fault *f, const struct vmsa_walk_cfg *c,
		     enum vmsa_fault_type type, int level, u64 ia)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->stage = c->stage;
	f->level = (s8)level;
	f->ia = ia;
	if (c->stage == 2)
		f->ipa = ia;
	return -1;
}

static int ref_walk(const struct vmsa_walk_cfg *c, u64 ia, struct vmsa_walk_result *r,
		    struct vmsa_fault *f)
{
	unsigned int g = c->granule_shift;
	int level = c->start_level;
	u64 limit = 1ull << c->oa_bits;		/* oa_bits <= 52 */
	u64 table, desc = 0;
	unsigned int top_bits = ref_lsb(g, level);
	u8 ap_table = 0;
	bool pxn_table = false, xn_table = false;

	/* Input address size: the bits above ia_bits all 0 (all 1 for TTB1). */
	for (unsigned int b = c->ia_bits; b < 64; b++) {
		bool bit = ia & (1ull << b);

		if (bit != (c->stage == 1 && c->ttb1))
			return ref_fault(f, c, VMSA_F_TRANSLATION, 0, ia);
	}
	/* The start table, aligned to its size (2^(ia_bits - lsb) entries). */
	table = c->ttb & ~((8ull << (c->ia_bits - top_bits)) - 1);
	if (table >= limit)
		return ref_fault(f, c, VMSA_F_ADDR_SIZE, 0, ia);

	for (;;) {
		unsigned int lsb = ref_lsb(g, level);
		unsigned int msb = level == c->start_level ? (unsigned int)c->ia_bits - 1 : lsb + g - 4;
		u64 index = (ia >> lsb) & ((2ull << (msb - lsb)) - 1);
		u64 addr = table + 8 * index;

		memset(f, 0, sizeof(*f));
		if (c->fetch(c->opaque, addr, &desc, f)) {
			if (f->type == VMSA_FAULT_NONE) {
				ref_fault(f, c, VMSA_F_EABT, level, ia);
				f->fetch_addr = addr;
			} else if (c->stage == 1) {
				f->s1ptw = true;
				f->ia = ia;
			}
			return -1;
		}
		if (!(desc & 1))
			return ref_fault(f, c, VMSA_F_TRANSLATION, level, ia);
		if (level == 3 && !(desc & 2))
			return ref_fault(f, c, VMSA_F_TRANSLATION, level, ia);
		if (level == 3 || !(desc & 2)) {
			if (level < 3 && !ref_block_ok(g, level, c->oa_bits))
				return ref_fault(f, c, VMSA_F_TRANSLATION, level, ia);
			break;
		}
		table = ref_desc_oa(desc, g);
		if (table >= limit)
			return ref_fault(f, c, VMSA_F_ADDR_SIZE, level, ia);
		if (c->stage == 1 && !c->hpd) {
			ap_table |= (desc >> 61) & 3;
			pxn_table |= (desc >> 59) & 1;
			xn_table |= (desc >> 60) & 1;
		}
		level++;
	}

	/* The leaf maps 2^lsb bytes; OA bits below that are RES0 (ignored). */
	unsigned int lsb = ref_lsb(g, level);
	u64 block = ref_desc_oa(desc, g) / (1ull << lsb) * (1ull << lsb);

	if (block >= limit)
		return ref_fault(f, c, VMSA_F_ADDR_SIZE, level, ia);
	if (!(desc & (1ull << 10)) && !c->affd)
		return ref_fault(f, c, VMSA_F_ACCESS, level, ia);
	memset(r, 0, sizeof(*r));
	r->oa = block + ia % (1ull << lsb);
	r->ia = ia;
	r->desc = desc;
	r->stage = c->stage;
	r->level = (s8)level;
	r->size_shift = (u8)lsb;
	r->ap = (desc >> 6) & 3;
	r->sh = (desc >> 8) & 3;
	r->xn = (desc >> 54) & 1;
	if (c->stage == 1) {
		r->pxn = (desc >> 53) & 1;
		r->ap_table = ap_table;
		r->pxn_table = pxn_table;
		r->xn_table = xn_table;
		r->attr = (desc >> 2) & 7;
		r->ng = (desc >> 11) & 1;
		r->ns = (desc >> 5) & 1;
	} else {
		r->attr = (desc >> 2) & 15;
	}
	return 0;
}

/* Whether the access is allowed, from the architecture's tables. */
static bool ref_perm(const struct vmsa_walk_result *r, unsigned int acc)
{
	bool rd = acc & VMSA_ACC_READ, wr = acc & VMSA_ACC_WRITE;
	bool ex = acc & VMSA_ACC_EXEC, priv = acc & VMSA_ACC_PRIV;

	if (r->stage == 2) {
		/* S2AP: 00 none, 01 read, 10 write, 11 read/write; XN. */
		return !(rd && !(r->ap & 1)) && !(wr && !(r->ap & 2)) && !(ex && r->xn);
	}
	/* AP[2:1]: 00 EL1 RW, 01 EL1 RW EL0 RW, 10 EL1 RO, 11 EL1 RO EL0 RO. */
	static const bool el0_access[4] = { false, true, false, true };
	static const bool read_only[4] = { false, false, true, true };
	bool el0 = el0_access[r->ap] && !(r->ap_table & 1);
	bool ro = read_only[r->ap] || (r->ap_table & 2);

	if ((rd || wr) && !priv && !el0)
		return false;
	if (wr && ro)
		return false;
	if (ex && priv && (r->pxn || r->pxn_table || (el0 && !ro)))
		return false;
	if (ex && !priv && (r->xn || r->xn_table))
		return false;
	return true;
}

/* ---- input decoding ---- */

static u64 pick_region_base(struct fuzz_in *in, unsigned int i)
{
	switch (fuzz_u8(in) % 8) {
	case 0:		/* beyond a 48-bit output size, inside 52 */
		return (1ull << 48) + i * REGION_SIZE;
	case 1:		/* beyond every output size */
		return (1ull << 52) + i * REGION_SIZE;
	case 2:
		return fuzz_u64(in) & ~(REGION_SIZE - 1);
	case 3:
		return POISON_BASE;	/* present, but fetches fault at stage 2 */
	default:
		return 0x40000000ull + i * REGION_SIZE;
	}
}

/* A descriptor pointing into region j, with fuzzed type and attributes. */
static u64 make_desc(struct fuzz_in *in, const struct tables *t, unsigned int g)
{
	u8 kind = fuzz_u8(in);
	u64 target, attrs;

	if (kind >= 0xe0)
		return fuzz_u64(in);
	target = t->r[kind % NR_REGIONS].base + ((u64)fuzz_u8(in) << g);
	attrs = fuzz_u16(in);			/* [11:2] attributes, AF */
	attrs = (attrs & 0xffc) | ((u64)fuzz_u16(in) << 51);	/* [63:51] upper */
	if (g == 16)	/* OA[51:48] in [15:12] */
		target = (target & GENMASK_ULL(47, 16)) | ((target >> 48 & 0xf) << 12);
	if (fuzz_bool(in))
		attrs |= 1ull << 10;		/* AF, usually set */
	return (target & GENMASK_ULL(47, 12)) | attrs | (kind & 0x40 ? 0 : 1) |
	       (kind & 0x20 ? 0 : 2);	/* mostly valid, table or page */
}

static bool pick_cfg(struct fuzz_in *in, struct vmsa_walk_cfg *c)
{
	static const u8 oas[] = { 32, 36, 40, 42, 44, 48, 52 };
	u8 sel = fuzz_u8(in);
	unsigned int nr_concat;
	int level;

	memset(c, 0, sizeof(*c));
	c->stage = sel & 1 ? 2 : 1;
	c->granule_shift = (u8)(12 + 2 * ((sel >> 1) % 3));
	c->affd = sel & 0x08;
	c->hpd = sel & 0x10;
	c->ttb1 = sel & 0x20;
	c->oa_bits = oas[fuzz_u8(in) % sizeof(oas)];
	c->ia_bits = (u8)fuzz_range(in, 16, 52);
	if (sel & 0x80) {	/* raw, probably illegal: must fault, not crash */
		c->granule_shift = fuzz_u8(in);
		c->start_level = (s8)fuzz_u8(in);
		c->ia_bits = fuzz_u8(in);
		c->oa_bits = fuzz_u8(in);
		return false;
	}
	if (c->stage == 1)
		level = vmsa_s1_start_level(c->granule_shift, c->ia_bits);
	else
		level = vmsa_s2_start_level(c->granule_shift, fuzz_u8(in) % 4, c->ia_bits,
					    c->oa_bits, &nr_concat);
	if (level < 0) {	/* an illegal size: a legal one instead */
		c->ia_bits = 40;
		c->oa_bits = 48;
		level = c->stage == 1 ? vmsa_s1_start_level(c->granule_shift, 40) :
			vmsa_s2_start_level(c->granule_shift, 1, 40, 48, &nr_concat);
		if (level < 0)
			return false;
	}
	c->start_level = (s8)level;
	return true;
}

/* An input address: per-level small indices (hitting written entries) or raw. */
static u64 pick_ia(struct fuzz_in *in, const struct vmsa_walk_cfg *c, bool legal)
{
	u64 ia = 0;

	if (!legal || fuzz_u8(in) >= 0xc0)
		return fuzz_u64(in);
	for (int level = c->start_level; level <= 3; level++)
		ia |= (u64)fuzz_u8(in) << ref_lsb(c->granule_shift, level);
	ia |= fuzz_u16(in) & ((1ull << c->granule_shift) - 1);
	if (c->ia_bits < 64)
		ia &= (1ull << c->ia_bits) - 1;
	if (c->stage == 1 && c->ttb1)
		ia |= ~0ull << c->ia_bits;
	return ia;
}

struct trace_log {
	unsigned int n;
	struct vmsa_walk_step last;
	s8 prev_level;
	bool order_ok;
};

static void trace_step(void *opaque, const struct vmsa_walk_cfg *cfg,
		       const struct vmsa_walk_step *st)
{
	struct trace_log *tl = opaque;

	/* One step per level, in order, from the start level. */
	if (st->level != (tl->n ? tl->prev_level + 1 : cfg->start_level))
		tl->order_ok = false;
	tl->prev_level = st->level;
	tl->last = *st;
	tl->n++;
}

/* The walk again with a trace: same answer, a step per descriptor read. */
static void check_traced(const struct vmsa_walk_cfg *c, struct tables *t, u64 ia,
			 int ret, const struct vmsa_walk_result *r,
			 const struct vmsa_fault *f)
{
	struct trace_log tl = { .order_ok = true };
	struct vmsa_walk_cfg tc = *c;
	struct vmsa_walk_result tr;
	struct vmsa_fault tf;

	tc.trace = trace_step;
	tc.trace_opaque = &tl;
	t->fetches = 0;
	FUZZ_CHECK(vmsa_walk(&tc, ia, &tr, &tf) == ret);
	FUZZ_CHECK(tl.order_ok && tl.n <= t->fetches && tl.n <= 4);
	if (ret == 0) {
		FUZZ_CHECK(tr.oa == r->oa && tr.level == r->level);
		FUZZ_CHECK(tl.n && tl.last.desc == r->desc && tl.last.level == r->level);
		FUZZ_CHECK(tl.last.kind == (r->level == 3 ? VMSA_DESC_PAGE :
					    VMSA_DESC_BLOCK));
		return;
	}
	FUZZ_CHECK(tf.type == f->type && tf.level == f->level);
	if (f->type == VMSA_F_TRANSLATION && tl.n && tl.n == t->fetches)
		FUZZ_CHECK(tl.last.level == f->level);
}

/*
 * A walk cache's use of the walker: a walk that records its table
 * descriptors, then the same walk started below each of them
 * (vmsa_walk_from), must end exactly as the walk from the TTB did.
 */
static void check_resumed(const struct vmsa_walk_cfg *c, u64 ia, int ret,
			  const struct vmsa_walk_result *r, const struct vmsa_fault *f)
{
	struct vmsa_walk_cfg rc = *c;
	struct vmsa_walk_tables tabs = { 0 };
	struct vmsa_walk_result r2;
	struct vmsa_fault f2;

	rc.tables = &tabs;
	FUZZ_CHECK(vmsa_walk(&rc, ia, &r2, &f2) == ret);
	rc.tables = NULL;
	for (int level = 0; level < 3; level++) {
		struct vmsa_walk_from from = { 0 };	/* .host NULL: fetch's memory */

		if (!(tabs.valid & BIT(level)))
			continue;
		FUZZ_CHECK(level >= c->start_level);
		from.level = (s8)level;
		from.hier = tabs.hier[level];
		from.table = vmsa_desc_addr(tabs.desc[level], c->granule_shift);
		rc.from = &from;
		memset(&r2, 0x5a, sizeof(r2));
		FUZZ_CHECK(vmsa_walk(&rc, ia, &r2, &f2) == ret);
		if (ret == 0) {
			FUZZ_CHECK(r2.oa == r->oa && r2.desc == r->desc &&
				   r2.desc_addr == r->desc_addr && r2.level == r->level);
			FUZZ_CHECK(r2.ap_table == r->ap_table && r2.pxn_table == r->pxn_table &&
				   r2.xn_table == r->xn_table && r2.allowed == r->allowed);
		} else {
			FUZZ_CHECK(f2.type == f->type && f2.level == f->level);
		}
	}
}

static void check_same(const struct vmsa_walk_cfg *c, u64 ia, int ret,
		       const struct vmsa_walk_result *r, const struct vmsa_fault *f,
		       int rret, const struct vmsa_walk_result *rr,
		       const struct vmsa_fault *rf)
{
	if (ret != rret)
		fprintf(stderr, "ia 0x%llx: walker %d (fault %d level %d), reference %d (fault %d level %d)\n",
			(unsigned long long)ia, ret, f->type, f->level, rret, rf->type, rf->level);
	FUZZ_CHECK(ret == rret);
	if (ret == 0) {
		FUZZ_CHECK(r->oa == rr->oa && r->ia == rr->ia && r->desc == rr->desc);
		FUZZ_CHECK(r->stage == rr->stage && r->level == rr->level);
		FUZZ_CHECK(r->size_shift == rr->size_shift && r->ap == rr->ap);
		FUZZ_CHECK(r->pxn == rr->pxn && r->xn == rr->xn);
		FUZZ_CHECK(r->ap_table == rr->ap_table && r->pxn_table == rr->pxn_table &&
			   r->xn_table == rr->xn_table);
		FUZZ_CHECK(r->attr == rr->attr && r->sh == rr->sh);
		FUZZ_CHECK(r->ng == rr->ng && r->ns == rr->ns);
		FUZZ_CHECK(r->oa < (1ull << c->oa_bits));
		return;
	}
	if (f->type != rf->type || f->level != rf->level)
		fprintf(stderr, "ia 0x%llx: walker fault %d level %d, reference fault %d level %d\n",
			(unsigned long long)ia, f->type, f->level, rf->type, rf->level);
	FUZZ_CHECK(f->type == rf->type && f->level == rf->level);
	FUZZ_CHECK(f->stage == rf->stage && f->s1ptw == rf->s1ptw);
	FUZZ_CHECK(f->ia == rf->ia && f->ipa == rf->ipa);
	if (f->type == VMSA_F_EABT)
		FUZZ_CHECK(f->fetch_addr == rf->fetch_addr);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct tables t;
	struct vmsa_walk_cfg c;
	bool legal;
	unsigned int nd;

	memset(&t, 0, sizeof(t));
	legal = pick_cfg(&in, &c);
	for (unsigned int i = 0; i < NR_REGIONS; i++) {
		t.r[i].base = pick_region_base(&in, i);
		t.r[i].present = !(t.r[i].base >> 60);	/* the rest: no memory */
	}
	c.ttb = t.r[0].base + (fuzz_bool(&in) ? (u64)fuzz_u8(&in) << 12 : 0);
	c.fetch = fetch;
	c.opaque = &t;

	nd = (unsigned int)fuzz_range(&in, 0, MAX_DESCS);
	for (unsigned int i = 0; i < nd; i++) {
		unsigned int reg = fuzz_u8(&in) % NR_REGIONS;
		u64 idx = fuzz_small_or_raw(&in, 32, 4) % (REGION_SIZE / 8);

		t.addr[t.n] = t.r[reg].base + idx * 8;
		t.desc[t.n] = legal ? make_desc(&in, &t, c.granule_shift) : fuzz_u64(&in);
		t.n++;
	}

	for (unsigned int w = 0; w < 32 && fuzz_more(&in); w++) {
		u64 ia = pick_ia(&in, &c, legal);
		unsigned int acc = fuzz_u8(&in) & 0xf;
		struct vmsa_walk_result r, rr;
		struct vmsa_fault f, rf, pf;
		int ret, rret;

		memset(&r, 0x5a, sizeof(r));
		memset(&f, 0x5a, sizeof(f));
		t.fetches = 0;
		ret = vmsa_walk(&c, ia, &r, &f);
		FUZZ_CHECK(ret == 0 || ret == -1);
		if (ret) {
			FUZZ_CHECK(f.type >= VMSA_F_TRANSLATION && f.type <= VMSA_F_EABT &&
				   f.type != VMSA_F_PERMISSION);
			FUZZ_CHECK(f.level >= 0 && f.level <= 3);
		}
		check_traced(&c, &t, ia, ret, &r, &f);
		check_resumed(&c, ia, ret, &r, &f);
		if (!legal)
			continue;
		t.fetches = 0;
		rret = ref_walk(&c, ia, &rr, &rf);
		check_same(&c, ia, ret, &r, &f, rret, &rr, &rf);
		if (ret == 0) {
			int p = vmsa_check_perm(&r, acc, &pf);

			FUZZ_CHECK((p == 0) == ref_perm(&r, acc));
			FUZZ_CHECK(r.allowed == vmsa_allowed(&r));
			if (p)
				FUZZ_CHECK(pf.type == VMSA_F_PERMISSION && pf.level == r.level &&
					   pf.stage == r.stage && pf.access == acc);
		}
	}
	return 0;
}
