/* SPDX-License-Identifier: MIT */
/*
 * What the command files of the scenario world share: the object table and
 * the argument helpers that resolve names to kernel objects.
 */
#ifndef IOMMUSIM_TOOLS_WORLD_PRIV_H
#define IOMMUSIM_TOOLS_WORLD_PRIV_H

#include <stdatomic.h>

#include "kernel/kernel.h"
#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

struct kernel;
struct mock_iommu;
struct device;
struct iommu_domain;
struct irq_domain;
struct sw_msi_ctx;
struct machine;
struct platform;
struct ep_device;

#define WORLD_MAX_OBJS		64
#define MACHINE_RAM_BASE	0x40000000ULL

enum obj_kind {
	OBJ_KERNEL,
	OBJ_IOMMU,
	OBJ_DEVICE,
	OBJ_DOMAIN,
	OBJ_ITS,
};

/* One row of the MSI table: what a device's first vector became. */
struct msi_row {
	char label[SCN_MAX_WORD];
	char dev[SCN_MAX_WORD];
	const char *domain;	/* type name, static */
	int rc;
	u64 doorbell, addr;
	u32 data;
	int lands_rc;		/* 0, or the fault of the device's write */
	u64 lands;
	bool fired;		/* the board's endpoint really wrote it */
	bool lpi_pending;	/* ... and the ITS pended its LPI */
	u32 lpi;
};

#define WORLD_MAX_ROWS	32

struct world_obj {
	char name[SCN_MAX_WORD];
	enum obj_kind kind;
	struct kernel *k;		/* every object's kernel */
	union {
		struct mock_iommu *mock;
		struct device *dev;
		struct iommu_domain *domain;
		struct {
			struct irq_domain *parent;	/* the ITS */
			struct irq_domain *msi;		/* devices' MSI domain */
			u64 doorbell;
		} its;
	};
	struct sw_msi_ctx *sw_msi;	/* kernel: its iommufd-like context */
	bool platform;			/* kernel, its: the board's, not ours */
	struct ep_device *ep;		/* device: an endpoint of the board */
	bool owned;			/* domain: freed at teardown */
	bool iommufd_owned;		/* domain: sw_msi_domain_init() done */
	struct iommu_domain *attached;	/* device: what the scenario attached */
	bool claimed;			/* device: DMA ownership taken */
	u32 devid;			/* device: DeviceID at the ITS */
};

struct world {
	FILE *out;
	struct phys_mem *mem;
	struct machine *machine;	/* the board, beside the plain machine */
	struct platform *platform;
	u64 ram_size;
	u64 ram_used;		/* handed to kernels so far */
	int nr_objs;
	struct world_obj objs[WORLD_MAX_OBJS];
	int nr_rows;
	struct msi_row rows[WORLD_MAX_ROWS];
	atomic_ulong fail_nth;	/* every kernel's fail-nth count (--fail-nth) */
	unsigned int trace;	/* --trace categories */
	FILE *trace_out;
	bool fail_nth_set;
	struct kernel_fail_site fail_site;	/* where it fired */
};

const char *obj_kind_name(enum obj_kind kind);
void world_list_objs(struct world *w, enum obj_kind kind, char *buf, size_t len);
struct world_obj *world_find(struct world *w, const char *name);
struct world_obj *world_arg_obj(struct scenario *s, const struct scn_line *l,
				const char *key, int idx, enum obj_kind kind);
struct world_obj *world_new_obj(struct scenario *s, const struct scn_line *l,
				enum obj_kind kind);
void world_commit_obj(struct world *w);
/* Turn on the world's --trace for what was just built (NULL: skip it). */
void world_trace_kernel(struct world *w, struct kernel *k);
void world_trace_machine(struct world *w, struct machine *m);
struct kernel *world_arg_kernel(struct scenario *s, const struct scn_line *l);
const char *domain_type_name(const struct iommu_domain *d);
struct world_obj *world_kernel_obj(struct world *w, struct kernel *k);
void world_msi_teardown(struct world *w);

/* Command tables of the other files, spliced into world_commands[]. */
int cmd_iommu(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_device(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_domain(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_attach(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_detach(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_replace(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_map(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_unmap(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_iova_to_phys(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_dma(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_show(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_no_msi_parent(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_its(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_claim(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_msi(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_compose(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_msi_free(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_msi_cookie(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_iommufd_own(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_sw_msi_option(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_msi_debate(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_msi_table(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_board(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_endpoint(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_dma_map(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_dma_unmap(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_events(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_nested_vm(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_stats(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_ste(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_walk(struct scenario *, const struct scn_line *, struct scn_result *);
int cmd_pgtable(struct scenario *, const struct scn_line *, struct scn_result *);
/* Board endpoints: fire vector 0 of a device and report the LPI; the row. */
int board_fire_msi(struct world *w, struct world_obj *dev, struct msi_row *row);
int board_dma(struct scenario *s, struct world_obj *dev, u64 iova, bool is_write,
	      size_t size, struct scn_result *r);
/* A device that is an endpoint behind the board's SMMU, driven by arm-smmu-v3. */
bool inspect_board_endpoint(struct world *w, const struct world_obj *dev);
/*
 * The vSTE (words 0 and 1) of a nested domain on the board: s1-of=G's
 * stage-1 STE fields as the SMMU reads them, else stage-1 bypass.
 */
int inspect_board_vste(struct scenario *s, const struct scn_line *l, u64 vste[2]);

#define BOARD_COMMANDS \
	{ "board", cmd_board, "board KERNEL [ram=SIZE] [iommu=smmuv3|mock|none] [strict=0|1] [passthrough=0|1] [strtab=2-level|linear] [stages=s1|s2|s1+s2] [granules=4K,16K,64K] [oas=BITS] [sid-bits=N] [ssid-bits=N] [tlb-sets=N] [ril=0|1] [hyp=0|1] [msi=0|1] [cd-2level=0|1] [asid16=0|1] [vmid16=0|1] [s2fwb=0|1] (the emulated board with its SMMUv3's identity)" }, \
	{ "endpoint", cmd_endpoint, "endpoint NAME sid=RID [smmu=0|1]        (a PCI-like endpoint on the board)" }, \
	{ "dma-map", cmd_dma_map, "dma-map DEV pa=P size=S                (the DMA API: reports iova=)" }, \
	{ "dma-unmap", cmd_dma_unmap, "dma-unmap DEV iova=A size=S            (the DMA API: unmaps what dma-map mapped)" }, \
	{ "stats", cmd_stats, "stats [reset=1]                       (what the board's SMMU and ITS counted: TLB and config cache, descriptor reads, commands, events; translations=, tlb_hits=, tlb_misses=, s1_reads=, ...)" }, \
	{ "events", cmd_events, "events                                (SMMU events the driver decoded: count=, last=)" }, \
	{ "nested-vm", cmd_nested_vm, "nested-vm [guest-ram=SIZE] [quiet=1]  (the nesting story: VMM, vSMMU, guest kernel; rc=0 when all held)" }

#define INSPECT_COMMANDS \
	{ "ste", cmd_ste, "ste DEV                               (a board endpoint's STE and CD as the SMMU reads them: config=, asid=, vmid=, event=)" }, \
	{ "walk", cmd_walk, "walk DEV|DOMAIN iova=A [access=r|w|rw] [dot=FILE] [svg=FILE] (the hardware's table walk, level by level: pa=, fault=, stage=, level=; dot=/svg=: as a picture, nesting as a grid)" }, \
	{ "pgtable", cmd_pgtable, "pgtable DEV|DOMAIN [dot=FILE] [svg=FILE] (the whole table as the hardware reads it, runs of leaves collapsed: tables=, leaves=, runs=)" }

#define IOMMU_COMMANDS \
	{ "iommu", cmd_iommu, "iommu NAME [kernel=K]                 (a mock IOMMU)" }, \
	{ "device", cmd_device, "device NAME [iommu=I] sid=ID[,ID...]   (no iommu=: not behind any IOMMU)" }, \
	{ "domain", cmd_domain, "domain NAME type=unmanaged|nest-parent|nested|identity|blocked|default dev=D [parent=P] [s1-of=DEV]" }, \
	{ "attach", cmd_attach, "attach DEV DOMAIN [via=iommufd]       (iommufd: doorbells first)" }, \
	{ "detach", cmd_detach, "detach DEV                            (back to its default domain)" }, \
	{ "replace", cmd_replace, "replace DEV DOMAIN [via=iommufd]      (iommu_group_replace_domain)" }, \
	{ "map", cmd_map, "map DOMAIN iova=A pa=P size=S [prot=rwxmcp]" }, \
	{ "unmap", cmd_unmap, "unmap DOMAIN iova=A size=S" }, \
	{ "iova-to-phys", cmd_iova_to_phys, "iova-to-phys DOMAIN iova=A" }, \
	{ "dma", cmd_dma, "dma DEV iova=A [access=r|w] [size=N]  (the device reads or writes N bytes (8); where they land: pa=, data= for a read)" }, \
	{ "show", cmd_show, "show OBJECT                           (its state: a device's domain=, group=, sid=; a domain's type=, pgsizes=, aperture)" }, \
	{ "no-msi-parent", cmd_no_msi_parent, "no-msi-parent IOMMU                   (its nested domains name no doorbell domain)" }

#define MSI_COMMANDS \
	{ "its", cmd_its, "its NAME base=ADDR [kernel=K] [events=N]  (an ITS; doorbell at base+0x10040)" }, \
	{ "claim", cmd_claim, "claim DEV                             (take DMA ownership, as VFIO/iommufd)" }, \
	{ "msi", cmd_msi, "msi DEV its=I vectors=N [case=LABEL]  (allocate; prepare runs per vector)" }, \
	{ "compose", cmd_compose, "compose DEV its=I index=N             (the message: addr=, data=, lands=)" }, \
	{ "msi-free", cmd_msi_free, "msi-free DEV its=I" }, \
	{ "msi-cookie", cmd_msi_cookie, "msi-cookie DOMAIN base=IOVA           (iommu_get_msi_cookie, as VFIO)" }, \
	{ "iommufd-own", cmd_iommufd_own, "iommufd-own DOMAIN [parent=P]         (iommufd's sw_msi owns it)" }, \
	{ "msi-debate", cmd_msi_debate, "msi-debate                            (every case under every MSI model, side by side)" }, \
	{ "sw-msi-option", cmd_sw_msi_option, "sw-msi-option DEV start=IOVA size=S    (msi=sw-msi-v2 only: the unmerged SW_MSI_START/SIZE)" }, \
	{ "msi-table", cmd_msi_table, "msi-table                             (the msi cases since the last table)" }

#endif
