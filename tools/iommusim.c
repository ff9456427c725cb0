/*
 * iommusim: runs a scenario file, or with no argument the default
 * end-to-end scenario.  (The scenario runner lands with the dma-iommu work;
 * until then the default job boots a kernel instance on a machine.)
 */
#include <stdio.h>

#include "kernel/kernel.h"

int main(int argc, char **argv)
{
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "iommusim: scenario files are not supported yet\n");
		return 2;
	}
	if (!mem || phys_mem_add_ram(mem, 0x40000000, 1ull << 30, "ram"))
		return 1;
	k = kernel_create("host", mem, 0x40000000, 1ull << 30);
	if (!k)
		return 1;
	printf("iommusim: kernel '%s' up with 1 GiB of RAM at 0x40000000\n", k->name);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return 0;
}
