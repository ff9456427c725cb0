/*
 * Scenario commands over the emulated machine and its kernels.
 *
 * Objects are named by the scenario and looked up by name; a name is unique
 * across every kind, so "attach nic0 dom1" can never be ambiguous.  Limits
 * are fixed and small: a scenario is a story, not a load test.
 */
#include "tools/iommusim/world.h"

#include <stdlib.h>
#include <string.h>

#include "hw/memory.h"
#include "kernel/kernel.h"
#include "lib/bits.h"

#define WORLD_MAX_KERNELS	4
#define MACHINE_RAM_BASE	0x40000000ULL

struct world {
	FILE *out;
	struct phys_mem *mem;
	u64 ram_size;
	u64 ram_used;		/* handed to kernels so far */
	int nr_kernels;
	atomic_ulong fail_nth;	/* every kernel's fail-nth count (--fail-nth) */
	bool fail_nth_set;
	struct {
		char name[SCN_MAX_WORD];
		struct kernel *k;
	} kernels[WORLD_MAX_KERNELS];
};

struct world *world_create(FILE *out)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w)
		w->out = out;
	return w;
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

void world_destroy(struct world *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->nr_kernels; i++)
		kernel_destroy(w->kernels[i].k);
	phys_mem_destroy(w->mem);
	free(w);
}

static struct world *W(struct scenario *s)
{
	return scenario_world(s);
}

static bool name_taken(struct world *w, const char *name)
{
	for (int i = 0; i < w->nr_kernels; i++)
		if (!strcmp(w->kernels[i].name, name))
			return true;
	return false;
}

/* machine ram=SIZE: the machine's RAM at 0x40000000 (default 1G). */
static int cmd_machine(struct scenario *s, const struct scn_line *l,
		       struct scn_result *r)
{
	static const char *const keys[] = { "ram", NULL };
	struct world *w = W(s);
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

/* kernel NAME [ram=SIZE]: boot a kernel instance owning the next SIZE of RAM. */
static int cmd_kernel(struct scenario *s, const struct scn_line *l,
		      struct scn_result *r)
{
	static const char *const keys[] = { "ram", NULL };
	struct world *w = W(s);
	const char *name;
	u64 ram = 64ULL << 20;
	struct kernel *k;

	if (scn_check_keys(s, l, keys) || scn_need_pos(s, l, 0, "name", &name) ||
	    scn_u64(s, l, "ram", false, &ram))
		return -1;
	if (!w->mem)
		return scn_error(s, l, "kernel: no machine yet (start with 'machine')");
	if (name_taken(w, name))
		return scn_error(s, l, "kernel: '%s' already exists", name);
	if (w->nr_kernels == WORLD_MAX_KERNELS)
		return scn_error(s, l, "kernel: at most %d kernels", WORLD_MAX_KERNELS);
	if (!ram || !IS_ALIGNED(ram, 4096))
		return scn_error(s, l, "kernel: ram= must be a non-zero multiple of 4K");
	if (ram > w->ram_size - w->ram_used) {
		r->rc = -ENOMEM;
		return 0;
	}
	k = kernel_create(name, w->mem, MACHINE_RAM_BASE + w->ram_used, ram);
	if (!k) {
		r->rc = -ENOMEM;
		return 0;
	}
	kernel_share_fail_nth(k, &w->fail_nth);
	snprintf(w->kernels[w->nr_kernels].name, SCN_MAX_WORD, "%s", name);
	w->kernels[w->nr_kernels++].k = k;
	scn_set_hex(r, "ram_base", MACHINE_RAM_BASE + w->ram_used);
	fprintf(w->out, "kernel %s: owns %llu MiB of RAM at 0x%llx\n", name,
		(unsigned long long)(ram >> 20),
		(unsigned long long)(MACHINE_RAM_BASE + w->ram_used));
	w->ram_used += ram;
	return 0;
}

/* print WORDS...: a line of narration in the trace. */
static int cmd_print(struct scenario *s, const struct scn_line *l,
		     struct scn_result *r)
{
	(void)r;
	for (int i = 0; i < l->nargs; i++) {
		if (l->args[i].key[0])
			fprintf(W(s)->out, "%s%s=%s", i ? " " : "", l->args[i].key,
				l->args[i].val);
		else
			fprintf(W(s)->out, "%s%s", i ? " " : "", l->args[i].val);
	}
	fputc('\n', W(s)->out);
	return 0;
}

const struct scn_command world_commands[] = {
	{ "machine", cmd_machine, "machine [ram=SIZE]" },
	{ "kernel", cmd_kernel, "kernel NAME [ram=SIZE]" },
	{ "print", cmd_print, "print WORDS..." },
	{ NULL, NULL, NULL },
};

void world_print_commands(FILE *f)
{
	fprintf(f, "%-10s %s\n", "expect", "expect KEY=VALUE... (checks the previous command; rc=-ENAME)");
	for (const struct scn_command *c = world_commands; c->name; c++)
		fprintf(f, "%-10s %s\n", c->name, c->usage);
}
