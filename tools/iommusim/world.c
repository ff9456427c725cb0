// SPDX-License-Identifier: MIT
/*
 * Scenario commands over the emulated machine and its kernels.
 *
 * Objects are named by the scenario and looked up by name; a name is unique
 * across every kind, so "attach nic0 dom1" can never be ambiguous.  Limits
 * are fixed and small: a scenario is a story, not a load test.  Teardown
 * runs in reverse order of creation, the order a kernel would unwind in.
 */
#include "tools/iommusim/world.h"

#include <stdlib.h>
#include <string.h>

#include "hw/its/its.h"
#include "hw/machine.h"
#include "hw/memory.h"
#include "hw/smmuv3/smmuv3.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/kernel.h"
#include "kernel/msi-model.h"
#include "kernel/platform.h"
#include "kernel/sw-msi.h"
#include "lib/bits.h"
#include "tools/iommusim/world-priv.h"

struct world *world_create(FILE *out)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w)
		w->out = out;
	return w;
}

static void trace_line(void *opaque, unsigned int category, const char *line)
{
	(void)category;
	fprintf(opaque, "%s\n", line);
}

void world_set_trace(struct world *w, unsigned int categories, FILE *trace_out)
{
	w->trace = categories;
	w->trace_out = trace_out;
}

void world_trace_kernel(struct world *w, struct kernel *k)
{
	if (w->trace && k)
		kernel_set_trace(k, w->trace, trace_line, w->trace_out);
}

void world_trace_machine(struct world *w, struct machine *m)
{
	if (!w->trace || !m)
		return;
	if (machine_smmu(m))
		smmuv3_set_trace(machine_smmu(m), w->trace, trace_line, w->trace_out);
	its_set_trace(machine_its(m), w->trace, trace_line, w->trace_out);
}

void world_fail_nth(struct world *w, unsigned long n)
{
	atomic_store(&w->fail_nth, n);
	w->fail_nth_set = n != 0;
}

bool world_fail_nth_hit(struct world *w)
{
	return w->fail_nth_set && atomic_load(&w->fail_nth) == 0;
}

static void obj_release(struct world_obj *o)
{
	switch (o->kind) {
	case OBJ_DOMAIN:
		if (o->iommufd_owned)
			sw_msi_domain_release(o->domain);
		if (o->owned)
			iommu_domain_free(o->domain);
		break;
	case OBJ_DEVICE:
		if (o->claimed)
			iommu_device_release_dma_owner(o->dev);
		if (!o->ep)	/* the board removes its endpoints itself */
			device_destroy(o->dev);
		break;
	case OBJ_IOMMU:
		mock_iommu_destroy(o->mock);
		break;
	case OBJ_KERNEL:
		if (o->sw_msi)
			sw_msi_ctx_destroy(o->sw_msi);
		if (!o->platform)
			kernel_destroy(o->k);
		break;
	default:	/* ITSes went in world_msi_teardown() */
		break;
	}
}

/*
 * Unwind as a kernel would: vectors first (they hold doorbell pages and ITS
 * state), then attachments, then objects newest first, so a nested domain
 * goes before its parent and every domain before the IOMMU that made it.
 */
void world_destroy(struct world *w)
{
	if (!w)
		return;
	world_msi_teardown(w);
	for (int i = w->nr_objs - 1; i >= 0; i--) {
		struct world_obj *o = &w->objs[i];
		struct iommu_group *g;

		if (o->kind != OBJ_DEVICE || !o->attached)
			continue;
		/*
		 * A device that came to share its group (a later device with the
		 * same StreamID) detaches with the whole group: the core refuses
		 * a per-device detach there, and the domain would stay in use.
		 */
		g = o->dev->iommu_group;
		if (g && iommu_group_device_count(g) > 1)
			iommu_detach_group(o->attached, g);
		else
			iommu_detach_device(o->attached, o->dev);
		for (int j = 0; g && j < i; j++)
			if (w->objs[j].kind == OBJ_DEVICE && w->objs[j].dev->iommu_group == g)
				w->objs[j].attached = NULL;
	}
	for (int i = w->nr_objs - 1; i >= 0; i--)
		obj_release(&w->objs[i]);
	if (w->platform)
		platform_shutdown(w->platform);
	machine_destroy(w->machine);
	phys_mem_destroy(w->mem);
	free(w);
}

struct world_obj *world_kernel_obj(struct world *w, struct kernel *k)
{
	for (int i = 0; i < w->nr_objs; i++)
		if (w->objs[i].kind == OBJ_KERNEL && w->objs[i].k == k)
			return &w->objs[i];
	return NULL;
}

const char *obj_kind_name(enum obj_kind kind)
{
	static const char *const names[] = {
		[OBJ_KERNEL] = "kernel", [OBJ_IOMMU] = "iommu",
		[OBJ_DEVICE] = "device", [OBJ_DOMAIN] = "domain",
		[OBJ_ITS] = "its",
	};

	return names[kind];
}

struct world_obj *world_find(struct world *w, const char *name)
{
	for (int i = 0; i < w->nr_objs; i++)
		if (!strcmp(w->objs[i].name, name))
			return &w->objs[i];
	return NULL;
}

/*
 * "device objects: nic0, nic1": the objects of kind there are, for a
 * message about a name that is not one of them.
 */
void world_list_objs(struct world *w, enum obj_kind kind, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "%s objects:", obj_kind_name(kind));
	int n = 0;

	for (int i = 0; i < w->nr_objs && used < len; i++)
		if (w->objs[i].kind == kind)
			used += snprintf(buf + used, len - used, "%s %s",
					 n++ ? "," : "", w->objs[i].name);
	if (!n)
		snprintf(buf, len, "there is no %s yet", obj_kind_name(kind));
}

/* The object named by positional word idx (or key=), which must be of kind. */
struct world_obj *world_arg_obj(struct scenario *s, const struct scn_line *l,
				const char *key, int idx, enum obj_kind kind)
{
	const char *name = key ? scn_key(l, key) : scn_pos(l, idx);
	struct world_obj *o;

	if (!name) {
		if (key)
			scn_error(s, l, "%s: missing %s=", l->cmd, key);
		else
			scn_error(s, l, "%s: missing %s name", l->cmd,
				  obj_kind_name(kind));
		return NULL;
	}
	o = world_find(scenario_world(s), name);
	if (!o) {
		char have[512];

		world_list_objs(scenario_world(s), kind, have, sizeof(have));
		scn_error(s, l, "%s: no object named '%s' (%s)", l->cmd, name, have);
		return NULL;
	}
	if (o->kind != kind) {
		scn_error(s, l, "%s: '%s' is a %s, not a %s", l->cmd, name,
			  obj_kind_name(o->kind), obj_kind_name(kind));
		return NULL;
	}
	return o;
}

/* A new object slot named by positional word 0, or NULL after an error. */
struct world_obj *world_new_obj(struct scenario *s, const struct scn_line *l,
				enum obj_kind kind)
{
	struct world *w = scenario_world(s);
	const char *name;
	struct world_obj *o;

	if (scn_need_pos(s, l, 0, "name", &name))
		return NULL;
	if (world_find(w, name)) {
		scn_error(s, l, "%s: the name '%s' is taken", l->cmd, name);
		return NULL;
	}
	if (w->nr_objs == WORLD_MAX_OBJS) {
		scn_error(s, l, "%s: at most %d objects", l->cmd, WORLD_MAX_OBJS);
		return NULL;
	}
	o = &w->objs[w->nr_objs];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->kind = kind;
	return o;	/* committed by world_commit_obj() once it exists */
}

void world_commit_obj(struct world *w)
{
	w->nr_objs++;
}

/* The kernel named by kernel=, or the first one. */
struct kernel *world_arg_kernel(struct scenario *s, const struct scn_line *l)
{
	struct world *w = scenario_world(s);
	struct world_obj *o;

	if (scn_key(l, "kernel")) {
		o = world_arg_obj(s, l, "kernel", 0, OBJ_KERNEL);
		return o ? o->k : NULL;
	}
	for (int i = 0; i < w->nr_objs; i++)
		if (w->objs[i].kind == OBJ_KERNEL)
			return w->objs[i].k;
	scn_error(s, l, "%s: no kernel yet (boot one with 'kernel NAME')", l->cmd);
	return NULL;
}

const char *domain_type_name(const struct iommu_domain *d)
{
	if (!d)
		return "none";
	switch (d->type) {
	case IOMMU_DOMAIN_BLOCKED: return "BLOCKED";
	case IOMMU_DOMAIN_IDENTITY: return "IDENTITY";
	case IOMMU_DOMAIN_UNMANAGED: return "UNMANAGED";
	case IOMMU_DOMAIN_DMA: return "DMA";
	case IOMMU_DOMAIN_DMA_FQ: return "DMA_FQ";
	case IOMMU_DOMAIN_NESTED: return "NESTED";
	default: return "other";
	}
}

/* ------------------------------------------------------------ machine */

/* machine [ram=SIZE]: the machine's RAM at 0x40000000 (default 1G). */
static int cmd_machine(struct scenario *s, const struct scn_line *l,
		       struct scn_result *r)
{
	static const char *const keys[] = { "ram", NULL };
	struct world *w = scenario_world(s);
	u64 ram = 1ULL << 30;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "ram", false, &ram))
		return -1;
	if (w->mem)
		return scn_error(s, l, "machine: the machine is already built");
	if (!ram || !IS_ALIGNED(ram, 1ULL << 21) || ram > (1ULL << 40))
		return scn_error(s, l, "machine: ram= must be a multiple of 2M, at most 1T");
	w->mem = phys_mem_create();
	if (!w->mem)
		return scn_error(s, l, "machine: out of memory");
	r->rc = phys_mem_add_ram(w->mem, MACHINE_RAM_BASE, ram, "ram");
	if (!r->rc)
		w->ram_size = ram;
	scn_set_hex(r, "ram_base", MACHINE_RAM_BASE);
	scn_set_hex(r, "ram_size", ram);
	fprintf(w->out, "machine: %llu MiB of RAM at 0x%llx\n",
		(unsigned long long)(ram >> 20), MACHINE_RAM_BASE);
	return 0;
}

/*
 * kernel NAME [ram=SIZE] [passthrough=0|1] [strict=0|1] [msi=MODEL]: boot a kernel
 * instance owning the next SIZE of RAM, with iommu.passthrough= and
 * iommu.strict= as on a kernel command line, and msi= the design that
 * places MSI doorbells (kernel/msi-model.h: mainline, rfc-2023, sw-msi-v2).
 */
static int cmd_kernel(struct scenario *s, const struct scn_line *l,
		      struct scn_result *r)
{
	static const char *const keys[] = { "ram", "passthrough", "strict", "msi", NULL };
	struct world *w = scenario_world(s);
	u64 ram = 64ULL << 20, pt = 0, strict = 1;
	const char *msi = scn_key(l, "msi");
	struct world_obj *o;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "ram", false, &ram) ||
	    scn_u64(s, l, "passthrough", false, &pt) ||
	    scn_u64(s, l, "strict", false, &strict))
		return -1;
	if (!w->mem)
		return scn_error(s, l, "kernel: no machine yet (start with 'machine')");
	if (!ram || !IS_ALIGNED(ram, 4096))
		return scn_error(s, l, "kernel: ram= must be a non-zero multiple of 4K");
	o = world_new_obj(s, l, OBJ_KERNEL);
	if (!o)
		return -1;
	if (ram > w->ram_size - w->ram_used) {
		r->rc = -ENOMEM;
		return 0;
	}
	o->k = kernel_create(o->name, w->mem, MACHINE_RAM_BASE + w->ram_used, ram);
	if (!o->k) {
		r->rc = -ENOMEM;
		return 0;
	}
	kernel_share_fail_nth(o->k, &w->fail_nth);
	world_trace_kernel(w, o->k);
	iommu_set_default_passthrough(o->k, pt != 0);
	iommu_set_dma_strict(o->k, strict != 0);
	if (msi && kernel_set_msi_model(o->k, msi)) {
		kernel_destroy(o->k);
		return scn_error(s, l, "kernel: msi= must be mainline, rfc-2023 or sw-msi-v2");
	}
	world_commit_obj(w);
	scn_set_hex(r, "ram_base", MACHINE_RAM_BASE + w->ram_used);
	fprintf(w->out, "kernel %s: owns %llu MiB of RAM at 0x%llx%s%s\n", o->name,
		(unsigned long long)(ram >> 20),
		(unsigned long long)(MACHINE_RAM_BASE + w->ram_used),
		msi ? ", MSI model " : "", msi ? kernel_msi_model_name(o->k) : "");
	w->ram_used += ram;
	return 0;
}

/* print WORDS...: a line of narration in the trace. */
static int cmd_print(struct scenario *s, const struct scn_line *l,
		     struct scn_result *r)
{
	(void)r;
	fprintf(scenario_out(s), "%s\n", l->raw);
	return 0;
}

const struct scn_command world_commands[] = {
	{ "machine", cmd_machine, "machine [ram=SIZE]" },
	{ "kernel", cmd_kernel, "kernel NAME [ram=SIZE] [passthrough=0|1] [strict=0|1] [msi=mainline|rfc-2023|sw-msi-v2]" },
	{ "print", cmd_print, "print WORDS..." },
	IOMMU_COMMANDS,
	MSI_COMMANDS,
	BOARD_COMMANDS,
	INSPECT_COMMANDS,
	{ NULL, NULL, NULL },
};

/* Commands that need the emulated board ('board KERNEL ...') first. */
static bool needs_board(const char *name)
{
	static const char *const board_only[] = {
		"endpoint", "dma-map", "dma-unmap", "events", "nested-vm", "ste", "stats", NULL
	};

	for (const char *const *b = board_only; *b; b++)
		if (!strcmp(*b, name))
			return true;
	return false;
}

/*
 * One command of --help-commands: the synopsis, then what it does (the
 * usage text's closing parenthesis), indented, so no column overflows.
 */
static void print_command(FILE *f, const char *name, const char *usage)
{
	size_t len = strlen(usage);
	const char *paren = len && usage[len - 1] == ')' ? strstr(usage, " (") : NULL;
	int syn = paren ? (int)(paren - usage) : (int)len;

	while (syn && usage[syn - 1] == ' ')
		syn--;
	fprintf(f, "%.*s\n", syn, usage);
	if (paren)
		fprintf(f, "    %.*s\n", (int)(usage + len - 1 - (paren + 2)), paren + 2);
	if (needs_board(name))
		fprintf(f, "    needs the board: run 'board KERNEL' first\n");
}

void world_print_commands(FILE *f)
{
	fprintf(f, "Scenario commands, one per line; KEY=VALUE arguments, '#' comments.\n\n");
	print_command(f, "expect", "expect KEY=VALUE... (checks the previous command's result; rc=0 or rc=-ENAME)");
	print_command(f, "set", "set NAME=VALUE... (variables: later words use $NAME or ${NAME}; $.KEY is a value the previous command reported)");
	print_command(f, "include", "include FILE (runs FILE's lines here; a relative FILE is found beside this one)");
	for (const struct scn_command *c = world_commands; c->name; c++)
		print_command(f, c->name, c->usage);
}
