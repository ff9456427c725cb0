/* SPDX-License-Identifier: MIT */
/*
 * What every preload client shares: tests/test.h's checks, and one for
 * the errno of a failing call.  A client is a plain program written as
 * for real hardware, against the kernel's uAPI headers and libc only; it
 * never links iommusim.  tests/preload_run runs it under the shim.
 */
#ifndef IOMMUSIM_TESTS_PRELOAD_CLIENT_H
#define IOMMUSIM_TESTS_PRELOAD_CLIENT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test.h"

/*
 * Run without the shim, a client would talk to the real machine (and, as
 * root, its O_CREAT checks could create a file named /dev/iommu): refuse.
 */
__attribute__((constructor)) static void client_require_shim(void)
{
	const char *p = getenv("LD_PRELOAD");

	if (!p || !strstr(p, "libiommusim-preload.so")) {
		fprintf(stderr, "run me with LD_PRELOAD=.../libiommusim-preload.so "
			"(tests/preload_run does)\n");
		exit(1);
	}
}

/* expr must fail with -1 and errno err, as the kernel's system call would. */
#define CHECK_ERRNO(expr, err)						\
	do {								\
		long _r;						\
		errno = 0;						\
		_r = (long)(expr);					\
		test_checks++;						\
		if (_r != -1 || errno != (err)) {			\
			test_failures++;				\
			fprintf(stderr, "%s:%d: %s: got %ld errno %d "	\
				"(%s), want -1 errno %d (%s)\n",	\
				__FILE__, __LINE__, #expr, _r, errno,	\
				strerror(errno), (err), strerror(err));	\
		}							\
	} while (0)

/*
 * tests/preload_run runs each client once per IOMMU, naming it in
 * IOMMUSIM_PRELOAD ("iommu=smmuv3" or "iommu=mock").  A client adding
 * configuration of its own appends to that (later items win).
 */
static inline void client_config(const char *items)
{
	const char *old = getenv("IOMMUSIM_PRELOAD");
	size_t n = (old ? strlen(old) : 0) + strlen(items) + 2;
	char *v = malloc(n);

	if (!v)
		abort();
	snprintf(v, n, "%s %s", old ? old : "", items);
	setenv("IOMMUSIM_PRELOAD", v, 1);
	free(v);
}

/* The IOMMU the shim will boot with: the last iommu= item, or the default. */
static inline const char *client_iommu(void)
{
	const char *v = getenv("IOMMUSIM_PRELOAD"), *p, *last = NULL;

	for (p = v; p && (p = strstr(p, "iommu=")); p += 6)
		if (p == v || strchr(" \t\n;", p[-1]))
			last = p + 6;
	if (last && !strncmp(last, "mock", 4))
		return "mock";
	return "smmuv3";
}

/*
 * A client that makes sense on one IOMMU only: on the other it says why
 * and exits 77, which tests/preload_run reports as skipped.
 */
#define CLIENT_SKIP	77
static inline void client_require_iommu(const char *iommu, const char *why)
{
	if (strcmp(client_iommu(), iommu)) {
		printf("%s\n", why);
		exit(CLIENT_SKIP);
	}
}

/*
 * vfio0 bound to a fresh /dev/iommu and attached to a new IOAS (so the
 * IOAS has a domain): the descriptors, the IOAS and region 0's offset.
 * Only for clients that include <linux/iommufd.h>, <linux/vfio.h>,
 * <fcntl.h> and <sys/ioctl.h> before this header.
 */
#if defined(VFIO_DEVICE_ATTACH_IOMMUFD_PT) && defined(IOMMU_IOAS_ALLOC)
static inline void client_attached_vfio0(int *fd, int *dev, __u32 *ioas,
					 __u64 *bar0)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	*fd = open("/dev/iommu", O_RDWR);
	*dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(*fd >= 0 && *dev >= 0);
	bind.iommufd = *fd;
	REQUIRE(ioctl(*dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	REQUIRE(ioctl(*dev, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
	*bar0 = reg.offset;
	REQUIRE(ioctl(*fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	*ioas = alloc.out_ioas_id;
	at.pt_id = *ioas;
	REQUIRE(ioctl(*dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) == 0);
}
#endif

#endif
