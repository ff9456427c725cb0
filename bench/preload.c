/*
 * What the LD_PRELOAD shim costs a program: a libc call on a descriptor
 * that is not the shim's (with and without emulated files open, the latter
 * taking the table's read lock), and iommufd ioctls through the shim.
 *
 * The program measures the bare libc baseline, then re-executes itself
 * under build/<variant>/libiommusim-preload.so for the rest.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench.h"
#include "include/uapi/linux/iommufd.h"

struct ctx {
	int fd, zero;
	__u32 ioas;
	void *buf;
};

static void do_read(void *p, uint64_t i)
{
	struct ctx *c = p;
	uint64_t v;

	(void)i;
	if (read(c->zero, &v, sizeof(v)) != sizeof(v))
		abort();
}

static void do_destroy_enoent(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_destroy d = { .size = sizeof(d), .id = 0xffffff };

	(void)i;
	if (ioctl(c->fd, IOMMU_DESTROY, &d) != -1)
		abort();
}

static void do_map_unmap(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_ioas_map m = {
		.size = sizeof(m), .ioas_id = c->ioas, .user_va = (uintptr_t)c->buf,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 4096, .iova = 0x100000 + (i % 512) * 4096,
	};
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = c->ioas, .iova = m.iova, .length = 4096,
	};

	if (ioctl(c->fd, IOMMU_IOAS_MAP, &m) || ioctl(c->fd, IOMMU_IOAS_UNMAP, &u))
		abort();
}

int main(void)
{
	const char *lp = getenv("LD_PRELOAD");
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct ctx c = { .zero = open("/dev/zero", O_RDONLY) };
	char self[PATH_MAX], shim[PATH_MAX + 32];
	ssize_t n;

	if (c.zero < 0)
		return 1;
	if (!lp || !strstr(lp, "libiommusim-preload.so")) {
		bench_print("preload_libc_read_baseline", "ns/op",
			    bench_measure(do_read, &c, 10000));
		fflush(stdout);
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return 1;
		self[n] = '\0';
		snprintf(shim, sizeof(shim), "%s", self);
		*strrchr(shim, '/') = '\0';	/* build/<variant>/bench */
		*strrchr(shim, '/') = '\0';
		strcat(shim, "/libiommusim-preload.so");
		setenv("LD_PRELOAD", shim, 1);
		execl(self, self, (char *)NULL);
		perror(self);
		return 1;
	}

	bench_print("preload_passthrough_read_idle", "ns/op",
		    bench_measure(do_read, &c, 10000));
	c.fd = open("/dev/iommu", O_RDWR);
	c.buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.fd < 0 || c.buf == MAP_FAILED || ioctl(c.fd, IOMMU_IOAS_ALLOC, &alloc))
		return 1;
	c.ioas = alloc.out_ioas_id;
	bench_print("preload_passthrough_read_busy", "ns/op",
		    bench_measure(do_read, &c, 10000));
	bench_print("preload_ioctl_destroy_enoent", "ns/op",
		    bench_measure(do_destroy_enoent, &c, 10000));
	bench_print("preload_ioas_map_unmap_4k", "ns/op",
		    bench_measure(do_map_unmap, &c, 1000));
	close(c.fd);
	return 0;
}
