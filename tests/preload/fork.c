// SPDX-License-Identifier: MIT
/*
 * fork() under the shim.
 *
 * The child gets a copy of the emulated machine and of every open file
 * (docs/preload.md says why it is a copy): it can use its inherited
 * /dev/iommu and device descriptors, or close them, and exit - even when
 * the fork came while other threads were inside iommufd ioctls, whose
 * kernel locks a naive child would inherit held forever.  MAP_SHARED
 * memory stays shared with the child: what the child's device writes
 * there, the parent reads; its private memory stays its own.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"
#include "endpoint.h"

#define PG	4096UL
#define IOVA	0x100000000ULL
#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static int fd, dev;
static __u32 ioas;
static __u64 bar0;
static atomic_bool stop;

static int dma_copy(__u64 dst, __u64 src, __u32 len)
{
	struct ep ep = { dev, bar0 };

	return (int)ep_dma_copy(&ep, dst, src, len);
}

static int map(void *p, __u64 len, __u64 iova)
{
	struct iommu_ioas_map m = { .size = sizeof(m), .ioas_id = ioas,
		.flags = RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.user_va = (uintptr_t)p, .length = len, .iova = iova };

	return ioctl(fd, IOMMU_IOAS_MAP, &m);
}

static int unmap(__u64 iova, __u64 len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas,
		.iova = iova, .length = len };

	return ioctl(fd, IOMMU_IOAS_UNMAP, &u);
}

/* Waits up to seconds for child: its exit status, or -1 (killed: hung). */
static int wait_child(pid_t pid, int seconds)
{
	struct timespec ms = { 0, 1000000 };
	int status;

	for (int i = 0; i < seconds * 1000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		nanosleep(&ms, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int attach(__u32 pt)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = pt };

	return ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

/*
 * The child's /dev/iommu is the parent's (the selftest's fork_gone and
 * fork_present): what the child maps into an IOAS is there for the
 * parent, pinned from the child while it lives and EFAULT once it is
 * gone; commands that point at more memory answer EOPNOTSUPP there.
 */
static void test_shared_file(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	unsigned char *shared = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2], done[2];
	__u32 ioas2, saved = ioas;
	pid_t pid;
	char c;

	REQUIRE(shared != MAP_FAILED && pipe(go) == 0 && pipe(done) == 0);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0);
	ioas2 = a.out_ioas_id;

	/* fork_gone: mapped by a child that then exits. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = ioas2 };

		ioas = ioas2;
		if (map(shared, 2 * PG, IOVA) ||
		    ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) != -1 || errno != EOPNOTSUPP)
			_exit(2);
		_exit(0);
	}
	CHECK_EQ(wait_child(pid, 20), 0);
	ioas = ioas2;
	CHECK_ERRNO(map(shared, PG, IOVA), EEXIST);	/* the child's area */
	CHECK_ERRNO(attach(ioas2), EFAULT);		/* its pages are gone */
	CHECK_EQ(unmap(IOVA, 2 * PG), 0);

	/* fork_present: the child maps and waits; the parent pins and DMAs. */
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		close(go[0]);
		close(done[1]);
		if (map(shared, 2 * PG, IOVA) || write(go[1], "x", 1) != 1 ||
		    read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	CHECK_EQ(read(go[0], &c, 1), 1);
	CHECK_EQ(attach(ioas2), 0);
	shared[3] = 0x5c;
	CHECK_EQ(dma_copy(IOVA + PG, IOVA + 3, 1), 0);
	CHECK_EQ(shared[PG], 0x5c);
	CHECK_EQ(write(done[1], "x", 1), 1);
	CHECK_EQ(wait_child(pid, 20), 0);
	/* Pinned while the child lived: still mapped, still reachable. */
	CHECK_EQ(dma_copy(IOVA + PG + 1, IOVA + 3, 1), 0);
	CHECK_EQ(shared[PG + 1], 0x5c);
	CHECK_EQ(unmap(IOVA, 2 * PG), 0);
	ioas = saved;
	CHECK_EQ(attach(ioas), 0);
	close(go[0]);
	close(done[1]);
	munmap(shared, 2 * PG);
}

/* The child's device writes shared memory: the parent sees it. */
static void test_shared_memory(void)
{
	unsigned char *shared = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	REQUIRE(shared != MAP_FAILED && priv != MAP_FAILED);
	CHECK_EQ(map(shared, 2 * PG, IOVA), 0);
	CHECK_EQ(map(priv, 2 * PG, IOVA + 2 * PG), 0);
	shared[0] = 0x11;
	priv[0] = 0x22;
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		/* The child's copy of the IOAS maps the same pages. */
		shared[1] = 0x33;
		if (dma_copy(IOVA + PG, IOVA, 2) || dma_copy(IOVA + 3 * PG, IOVA + 2 * PG, 1))
			_exit(2);
		_exit(priv[PG] == 0x22 ? 0 : 3);
	}
	CHECK_EQ(wait_child(pid, 20), 0);
	CHECK_EQ(shared[PG], 0x11);
	CHECK_EQ(shared[PG + 1], 0x33);
	CHECK_EQ(priv[PG], 0);			/* the child's own copy */
	CHECK_EQ(unmap(IOVA, 4 * PG), 0);
	munmap(shared, 2 * PG);
	munmap(priv, 2 * PG);
}

/* Each thread maps and unmaps its own IOVA range, over and over. */
static void *ioctl_thread(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	__u64 iova = IOVA + (id + 1) * 0x10000000ULL;
	unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)1;
	while (!atomic_load(&stop)) {
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = ioas };

		if (map(p, 4 * PG, iova) || unmap(iova, 4 * PG))
			return (void *)1;
		ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r);
	}
	munmap(p, 4 * PG);
	return NULL;
}

/* What a child does with what it inherited: use it, then close it, or not. */
static void child_body(int round)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	unsigned char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	alarm(20);		/* a hang fails the parent's wait anyway */
	if (p == MAP_FAILED || ioctl(fd, IOMMU_IOAS_ALLOC, &a))
		_exit(2);
	ioas = a.out_ioas_id;
	if (map(p, PG, IOVA) || unmap(IOVA, PG))
		_exit(3);
	if (round & 1) {
		close(dev);
		close(fd);
	}
	_exit(0);
}

/* fork() while threads are inside iommufd ioctls: no child hangs. */
static void test_fork_during_ioctls(void)
{
	pthread_t t[3];
	void *ret;
	int hung = 0, failed = 0;

	for (uintptr_t i = 0; i < 3; i++)
		REQUIRE(pthread_create(&t[i], NULL, ioctl_thread, (void *)i) == 0);
	for (int round = 0; round < 40; round++) {
		pid_t pid = fork();
		int st;

		REQUIRE(pid >= 0);
		if (!pid)
			child_body(round);
		st = wait_child(pid, 20);
		hung += st == -1;
		failed += st > 0;
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &ret);
		CHECK(ret == NULL);
	}
	CHECK_EQ(hung, 0);
	CHECK_EQ(failed, 0);
}

int main(void)
{
	client_attached_vfio0(&fd, &dev, &ioas, &bar0);

	test_shared_memory();
	test_shared_file();
	test_fork_during_ioctls();
	close(dev);
	close(fd);
	return test_done();
}
