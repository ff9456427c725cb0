/*
 * What the command files of the scenario world share: the object table and
 * the argument helpers that resolve names to kernel objects.
 */
#ifndef IOMMUSIM_TOOLS_WORLD_PRIV_H
#define IOMMUSIM_TOOLS_WORLD_PRIV_H

#include <stdatomic.h>

#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

struct kernel;
struct mock_iommu;
struct device;
struct iommu_domain;

#define WORLD_MAX_OBJS		64
#define MACHINE_RAM_BASE	0x40000000ULL

enum obj_kind {
	OBJ_KERNEL,
	OBJ_IOMMU,
	OBJ_DEVICE,
	OBJ_DOMAIN,
};

struct world_obj {
	char name[SCN_MAX_WORD];
	enum obj_kind kind;
	struct kernel *k;		/* every object's kernel */
	union {
		struct mock_iommu *mock;
		struct device *dev;
		struct iommu_domain *domain;
	};
	bool owned;			/* domain: freed at teardown */
	struct iommu_domain *attached;	/* device: what the scenario attached */
};

struct world {
	FILE *out;
	struct phys_mem *mem;
	u64 ram_size;
	u64 ram_used;		/* handed to kernels so far */
	int nr_objs;
	struct world_obj objs[WORLD_MAX_OBJS];
	atomic_ulong fail_nth;	/* every kernel's fail-nth count (--fail-nth) */
	bool fail_nth_set;
};

const char *obj_kind_name(enum obj_kind kind);
struct world_obj *world_find(struct world *w, const char *name);
struct world_obj *world_arg_obj(struct scenario *s, const struct scn_line *l,
				const char *key, int idx, enum obj_kind kind);
struct world_obj *world_new_obj(struct scenario *s, const struct scn_line *l,
				enum obj_kind kind);
void world_commit_obj(struct world *w);
struct kernel *world_arg_kernel(struct scenario *s, const struct scn_line *l);
const char *domain_type_name(const struct iommu_domain *d);

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

#define IOMMU_COMMANDS \
	{ "iommu", cmd_iommu, "iommu NAME [kernel=K]                 (a mock IOMMU)" }, \
	{ "device", cmd_device, "device NAME iommu=I sid=ID[,ID...]" }, \
	{ "domain", cmd_domain, "domain NAME type=unmanaged|nest-parent|nested|identity|blocked|default dev=D [parent=P]" }, \
	{ "attach", cmd_attach, "attach DEV DOMAIN" }, \
	{ "detach", cmd_detach, "detach DEV                            (back to its default domain)" }, \
	{ "replace", cmd_replace, "replace DEV DOMAIN                    (iommu_group_replace_domain)" }, \
	{ "map", cmd_map, "map DOMAIN iova=A pa=P size=S [prot=rwxmcp]" }, \
	{ "unmap", cmd_unmap, "unmap DOMAIN iova=A size=S" }, \
	{ "iova-to-phys", cmd_iova_to_phys, "iova-to-phys DOMAIN iova=A" }, \
	{ "dma", cmd_dma, "dma DEV iova=A                        (where the device's DMA lands)" }, \
	{ "show", cmd_show, "show DEV" }

#endif
