// SPDX-License-Identifier: MIT
/*
 * IOAS ioctls (drivers/iommu/iommufd/ioas.c): argument checking in the
 * kernel's order, so each bad input gets the kernel's errno, then the
 * io_pagetable does the work.
 *
 * IOAS_MAP's user memory is host memory the io_pagetable pins when a
 * domain needs it (phys_mem_pin_host: RAM of this kernel instance, or any
 * memory of the process where the machine has a host window); memory that
 * cannot be pinned is -EFAULT then, as pin_user_pages answers.
 */
#include <string.h>

#include "kernel/iommufd/iommufd-priv.h"

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = kzalloc(ucmd->ictx->k, sizeof(*ioas));
	if (!ioas)
		return -ENOMEM;
	iopt_init(&ioas->iopt, ucmd->ictx->k);
	INIT_LIST_HEAD(&ioas->hwpt_list);
	rc = iommufd_object_add(ucmd->ictx, &ioas->obj, IOMMUFD_OBJ_IOAS);
	if (rc) {
		kfree(ioas);
		return rc;
	}
	cmd->out_ioas_id = ioas->obj.id;
	return iommufd_ucmd_respond_new(ucmd, sizeof(*cmd), &ioas->obj);
}

void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_destroy(&ioas->iopt);
	kfree(ioas);
}

int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range chunk[16];
	struct iommufd_ioas *ioas;
	u32 max_iovas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	max_iovas = cmd->num_iovas;
	cmd->num_iovas = iopt_for_each_allowed(&ioas->iopt, 0, NULL, 0);
	/* copy_to_user of each range that fits, in chunks of the list. */
	for (u32 i = 0; i < min(cmd->num_iovas, max_iovas); i += ARRAY_SIZE(chunk)) {
		u32 n = min_t(u32, min(cmd->num_iovas, max_iovas) - i,
			      ARRAY_SIZE(chunk));

		iopt_for_each_allowed(&ioas->iopt, i, chunk, n);
		/* Address arithmetic on the user's number: it may be NULL. */
		if (iommufd_copy_to_user(ucmd->ictx,
				(void *)(uintptr_t)(cmd->allowed_iovas + i * sizeof(*chunk)),
				chunk, n * sizeof(*chunk)))
			return -EFAULT;
	}
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && cmd->num_iovas > max_iovas)
		rc = -EMSGSIZE;
	return rc;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	const struct iommu_iova_range *in;
	struct iommu_iova_range *ranges = NULL;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	in = (const struct iommu_iova_range *)(uintptr_t)cmd->allowed_iovas;
	if (cmd->num_iovas) {
		if (!in)
			return -EFAULT;
		ranges = kzalloc(ucmd->ictx->k, cmd->num_iovas * sizeof(*ranges));
		if (!ranges)
			return -ENOMEM;
		memcpy(ranges, in, cmd->num_iovas * sizeof(*ranges));
	}
	for (u32 i = 0; i < cmd->num_iovas; i++) {
		/* As iommufd_ioas_load_iovas: a range is at least two bytes. */
		if (ranges[i].start >= ranges[i].last) {
			rc = -EINVAL;
			goto out_free;
		}
	}
	rc = iopt_set_allow_iova(&ioas->iopt, ranges, cmd->num_iovas);
	if (!rc)
		return 0;
out_free:
	kfree(ranges);
	return rc;
}

static int conv_iommu_prot(u32 map_flags)
{
	int prot = 0;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	return prot;
}

/*
 * Pins [uptr, uptr + length) and maps it at *iova (allocated unless
 * fixed): what IOAS_MAP and VFIO_IOMMU_MAP_DMA share (Linux's
 * iopt_map_user_pages).
 */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void *uptr, unsigned long length,
			int prot, bool fixed)
{
	/* iopt_alloc_pages */
	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	if ((uintptr_t)uptr + length < (uintptr_t)uptr)
		return -EOVERFLOW;
	/* The pages are pinned when a domain needs them: -EFAULT then. */
	return iopt_map_pages(iopt, iova, (uintptr_t)uptr, NULL,
			      ictx->call_source, length, prot,
			      prot & IOMMU_WRITE, fixed);
}

#define IOAS_MAP_FLAGS	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | \
			 IOMMU_IOAS_MAP_READABLE)

/*
 * The checks IOAS_MAP and IOAS_MAP_FILE share, in their order, ending with
 * the IOAS lookup: the IOAS or an ERR_PTR.
 */
static struct iommufd_ioas *ioas_map_checks(struct iommufd_ucmd *ucmd,
					    u32 flags, bool reserved, u64 iova,
					    u64 length, u32 ioas_id)
{
	if ((flags & ~IOAS_MAP_FLAGS) || reserved)
		return ERR_PTR(-EOPNOTSUPP);
	if (iova >= ULONG_MAX || length >= ULONG_MAX)
		return ERR_PTR(-EOVERFLOW);
	if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return ERR_PTR(-EINVAL);
	return iommufd_get_ioas(ucmd->ictx, ioas_id);
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = ioas_map_checks(ucmd, cmd->flags, cmd->__reserved, cmd->iova,
			       cmd->length, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_map_user_pages(ucmd->ictx, &ioas->iopt, &iova,
				 (void *)(uintptr_t)cmd->user_va, cmd->length,
				 conv_iommu_prot(cmd->flags),
				 cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* iommufd_ioas_map_file: IOAS_MAP's checks, then the file's (pages.c). */
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova, user_va, last;
	bool writable = cmd->flags & IOMMU_IOAS_MAP_WRITEABLE;
	struct iommufd_ioas *ioas;
	struct iopt_file *file;
	int rc;

	ioas = ioas_map_checks(ucmd, cmd->flags, false, cmd->iova, cmd->length,
			       cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->start, cmd->length - 1, &last))
		return -EOVERFLOW;
	file = iopt_file_get(ucmd->ictx->k, cmd->fd, cmd->start, cmd->length,
			     writable, &user_va, &rc);
	if (!file)
		return rc;
	rc = iopt_map_pages(&ioas->iopt, &iova, user_va, file, NULL,
			    cmd->length, conv_iommu_prot(cmd->flags), writable,
			    cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	iopt_file_put(file);	/* the areas hold it now */
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	unsigned long iova = cmd->dst_iova;
	struct iommufd_ioas *src, *dst;
	int rc;

	if (cmd->flags & ~IOAS_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX ||
	    cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	src = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	/* iopt_get_pages before the destination is looked up. */
	rc = iopt_check_contig(&src->iopt, cmd->src_iova, cmd->length);
	if (rc)
		return rc;
	dst = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	rc = iopt_copy(&dst->iopt, &src->iopt, cmd->src_iova, cmd->length,
		       &iova, conv_iommu_prot(cmd->flags),
		       cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (rc)
		return rc;
	cmd->dst_iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	unsigned long unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
			return -EOVERFLOW;
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		if (!rc && !unmapped)
			rc = -ENOENT;	/* nothing there */
	}
	if (rc)
		return rc;
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(&ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(&ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	return -EOPNOTSUPP;
}

/*
 * IOMMU_IOAS_CHANGE_PROCESS (mainline ioas.c iommufd_ioas_change_process,
 * 6.14): pinned pages are charged to another process, which is possible
 * only when every area of every IOAS maps a file (-EINVAL otherwise; user
 * VA mappings belong to the address space they came from).  Nothing here
 * charges pinned pages to a process (the machine's pages are not the host
 * kernel's locked memory), so a command that passes the checks has
 * nothing left to move.
 */
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	for (unsigned int id = 1; id < ictx->nr_slots; id++) {
		struct iommufd_object *obj = ictx->objs[id];
		struct iopt_area *area;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		list_for_each_entry(area, &container_of(obj, struct iommufd_ioas,
							obj)->iopt.areas, node)
			if (!area->file)
				return -EINVAL;
	}
	return 0;
}
