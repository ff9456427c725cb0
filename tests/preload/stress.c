// SPDX-License-Identifier: MIT
/*
 * Random iommufd and VFIO calls from four threads, with fork()s, for as
 * long as IOMMUSIM_STRESS_SECONDS says (1 s by default, so it sits in
 * `make test` through tests/preload_run).  Issue 12's measure is a
 * 10-minute run under the sanitizers, by hand:
 *
 *   make VARIANT=san build/san/libiommusim-preload.so build/san/preload-tests/stress
 *   LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so):\
 *   $PWD/build/san/libiommusim-preload.so IOMMUSIM_STRESS_SECONDS=600 \
 *   build/san/preload-tests/stress
 *
 * (VARIANT=tsan: the shim alone in LD_PRELOAD, TSan's runtime is linked
 * into it).
 * Why it exists: the deadlocks and hung children issue 12 found came from
 * interleavings no scripted client makes - a BIND naming a descriptor
 * another thread is closing, a fork() while another thread is inside an
 * ioctl.  Here every thread draws its next call at random from a shared
 * table of descriptors (/dev/iommu, vfio0..1, dups of both), with small
 * object IDs, its own user memory and random IOVAs, and any thread may
 * fork: the child makes random calls of its own on what it inherited and
 * exits.  The shim must answer every call (with a result or an errno, as
 * the kernel would) and nothing may crash, hang or trip a sanitizer: a
 * child that has not exited after 30 s, or no call returning for 60 s,
 * fails the run.
 *
 * Descriptors are taken out of the table before they are closed, so a
 * thread that still holds the number calls a closed descriptor (EBADF) or
 * whatever file the number became - always one of this program's shim
 * files, since the run opens nothing else while the threads are going.
 * The run ends with one line: calls, forks, children that failed.
 */
#include <dirent.h>
#include <dlfcn.h>
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

#define NR_THREADS	4
#define NR_SLOTS	12
#define NR_DEVICES	2
#define BUF_PAGES	16
#define PG		4096UL
#define HANG_SECONDS	30
#define CHILD_CALLS	40

static _Atomic int slots[NR_SLOTS];	/* descriptors, or -1 */
static atomic_bool stop;
static atomic_ulong calls, succeeded, forks, child_failures;
static atomic_long last_progress;	/* seconds, CLOCK_MONOTONIC */

static long now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/* xorshift64*: each thread (and child) its own sequence. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static unsigned int pick(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

/*
 * Slots 0..NR_SLOTS/2-1 mostly hold /dev/iommu files, the rest device
 * files: a call picks from its own half seven times in eight, so most
 * calls reach an object, and the rest try the wrong kind of file.
 */
static int slot_of(uint64_t *s, bool dev)
{
	unsigned int half = NR_SLOTS / 2, i = pick(s, half);

	if (!pick(s, 8))
		dev = !dev;
	return (int)(dev ? half + i : i);
}

static int any_fd(uint64_t *s, bool dev)
{
	return atomic_load(&slots[slot_of(s, dev)]);
}

/* Small IDs reach real objects; now and then any value. */
static __u32 any_id(uint64_t *s)
{
	unsigned int p = pick(s, 16);

	return p < 12 ? 1 + pick(s, 4) : p < 15 ? pick(s, 16) : (__u32)rnd(s);
}

static __u64 any_iova(uint64_t *s)
{
	return pick(s, 8) ? 0x100000ULL + pick(s, 64) * PG : rnd(s) & ~(PG - 1);
}

/* Each ioctl's calls and successes: the run reaches real states, not only errors. */
enum {
	C_IOMMU_IOAS_ALLOC,
	C_IOMMU_IOAS_MAP,
	C_IOMMU_IOAS_UNMAP,
	C_IOMMU_IOAS_COPY,
	C_IOMMU_DESTROY,
	C_IOMMU_IOAS_IOVA_RANGES,
	C_IOMMU_HWPT_ALLOC,
	C_IOMMU_GET_HW_INFO,
	C_VFIO_DEVICE_BIND_IOMMUFD,
	C_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
	C_VFIO_DEVICE_DETACH_IOMMUFD_PT,
	C_VFIO_DEVICE_GET_INFO,
	C_VFIO_DEVICE_GET_REGION_INFO,
	C_NR,
};
static const char *const call_names[C_NR] = {
	[C_IOMMU_IOAS_ALLOC] = "ioas_alloc",
	[C_IOMMU_IOAS_MAP] = "ioas_map",
	[C_IOMMU_IOAS_UNMAP] = "ioas_unmap",
	[C_IOMMU_IOAS_COPY] = "ioas_copy",
	[C_IOMMU_DESTROY] = "destroy",
	[C_IOMMU_IOAS_IOVA_RANGES] = "ioas_iova_ranges",
	[C_IOMMU_HWPT_ALLOC] = "hwpt_alloc",
	[C_IOMMU_GET_HW_INFO] = "get_hw_info",
	[C_VFIO_DEVICE_BIND_IOMMUFD] = "bind_iommufd",
	[C_VFIO_DEVICE_ATTACH_IOMMUFD_PT] = "attach_iommufd_pt",
	[C_VFIO_DEVICE_DETACH_IOMMUFD_PT] = "detach_iommufd_pt",
	[C_VFIO_DEVICE_GET_INFO] = "get_info",
	[C_VFIO_DEVICE_GET_REGION_INFO] = "get_region_info",
};
static atomic_ulong ioctls[C_NR][2];

static void call(int c, long ret)
{
	atomic_fetch_add(&ioctls[c][0], 1);
	if (ret >= 0) {
		atomic_fetch_add(&ioctls[c][1], 1);
		atomic_fetch_add(&succeeded, 1);
	}
}

struct worker {
	uint64_t seed;
	unsigned char *buf;	/* BUF_PAGES of this thread's user memory */
};

static void put_fd(uint64_t *s, int fd, bool dev)
{
	int old;

	if (fd < 0)
		return;
	old = atomic_exchange(&slots[slot_of(s, dev)], fd);
	if (old >= 0)
		close(old);
}

static void op_open(struct worker *w)
{
	bool dev = pick(&w->seed, 2);
	char path[64];

	if (!dev)
		snprintf(path, sizeof(path), "/dev/iommu");
	else
		snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u",
			 pick(&w->seed, NR_DEVICES));
	put_fd(&w->seed, open(path, O_RDWR), dev);
}

static void op_close(struct worker *w)
{
	int fd = atomic_exchange(&slots[pick(&w->seed, NR_SLOTS)], -1);

	if (fd >= 0)
		close(fd);
}

static void op_dup(struct worker *w)
{
	bool dev = pick(&w->seed, 2);
	int fd = any_fd(&w->seed, dev);

	put_fd(&w->seed, fd >= 0 ? dup(fd) : -1, dev);
}

static void op_ioas(struct worker *w)
{
	uint64_t *s = &w->seed;
	int fd = any_fd(s, false);

	switch (pick(s, 6)) {
	case 0: {
		struct iommu_ioas_alloc a = { .size = sizeof(a) };

		call(C_IOMMU_IOAS_ALLOC, ioctl(fd, IOMMU_IOAS_ALLOC, &a));
		break;
	}
	case 1: {
		unsigned int off = pick(s, BUF_PAGES), len = 1 + pick(s, BUF_PAGES - off);
		struct iommu_ioas_map m = { .size = sizeof(m), .ioas_id = any_id(s),
			.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
				 (pick(s, 2) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
			.user_va = (uintptr_t)(w->buf + off * PG), .length = len * PG,
			.iova = any_iova(s) };

		call(C_IOMMU_IOAS_MAP, ioctl(fd, IOMMU_IOAS_MAP, &m));
		break;
	}
	case 2: {
		struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = any_id(s),
			.iova = any_iova(s), .length = (1 + pick(s, 32)) * PG };

		if (!pick(s, 4)) {
			u.iova = 0;	/* everything */
			u.length = UINT64_MAX;
		}
		call(C_IOMMU_IOAS_UNMAP, ioctl(fd, IOMMU_IOAS_UNMAP, &u));
		break;
	}
	case 3: {
		struct iommu_ioas_copy c = { .size = sizeof(c),
			.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
			.dst_ioas_id = any_id(s), .src_ioas_id = any_id(s),
			.length = (1 + pick(s, 8)) * PG, .dst_iova = any_iova(s),
			.src_iova = any_iova(s) };

		call(C_IOMMU_IOAS_COPY, ioctl(fd, IOMMU_IOAS_COPY, &c));
		break;
	}
	case 4: {
		struct iommu_destroy d = { .size = sizeof(d), .id = any_id(s) };

		call(C_IOMMU_DESTROY, ioctl(fd, IOMMU_DESTROY, &d));
		break;
	}
	default: {
		struct iommu_iova_range ranges[4];
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = any_id(s),
			.num_iovas = 4, .allowed_iovas = (uintptr_t)ranges };

		call(C_IOMMU_IOAS_IOVA_RANGES, ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r));
		break;
	}
	}
}

static void op_hwpt(struct worker *w)
{
	uint64_t *s = &w->seed;
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .dev_id = any_id(s),
		.pt_id = any_id(s) };
	struct iommu_hw_info hi = { .size = sizeof(hi), .dev_id = any_id(s) };

	if (pick(s, 2))
		call(C_IOMMU_HWPT_ALLOC, ioctl(any_fd(s, false), IOMMU_HWPT_ALLOC, &h));
	else
		call(C_IOMMU_GET_HW_INFO, ioctl(any_fd(s, false), IOMMU_GET_HW_INFO, &hi));
}

static void op_vfio(struct worker *w)
{
	uint64_t *s = &w->seed;
	int dev = any_fd(s, true);

	switch (pick(s, 5)) {
	case 0: {
		/* The iommufd may be any descriptor, being closed or not. */
		struct vfio_device_bind_iommufd b = { .argsz = sizeof(b),
			.iommufd = any_fd(s, false) };

		call(C_VFIO_DEVICE_BIND_IOMMUFD, ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b));
		break;
	}
	case 1: {
		struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
			.pt_id = any_id(s) };

		call(C_VFIO_DEVICE_ATTACH_IOMMUFD_PT, ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a));
		break;
	}
	case 2: {
		struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

		call(C_VFIO_DEVICE_DETACH_IOMMUFD_PT, ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d));
		break;
	}
	case 3: {
		struct vfio_device_info i = { .argsz = sizeof(i) };
		struct vfio_region_info r = { .argsz = sizeof(r) };

		call(C_VFIO_DEVICE_GET_INFO, ioctl(dev, VFIO_DEVICE_GET_INFO, &i));
		call(C_VFIO_DEVICE_GET_REGION_INFO, ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r));
		break;
	}
	default: {
		/* A DMA through whatever the device is attached to. */
		struct vfio_region_info r = { .argsz = sizeof(r) };
		__u64 src = any_iova(s), dst = any_iova(s);
		__u32 len = 1 + pick(s, 64), go = EP_DMA_CMD_GO, st;

		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r))
			break;
		if (pwrite(dev, &src, 8, (off_t)(r.offset + EP_DMA_SRC)) == 8 &&
		    pwrite(dev, &dst, 8, (off_t)(r.offset + EP_DMA_DST)) == 8 &&
		    pwrite(dev, &len, 4, (off_t)(r.offset + EP_DMA_LEN)) == 4 &&
		    pwrite(dev, &go, 4, (off_t)(r.offset + EP_DMA_CMD)) == 4)
			(void)!pread(dev, &st, 4, (off_t)(r.offset + EP_DMA_STATUS));
		break;
	}
	}
}

static void one_call(struct worker *w, bool in_child);

/*
 * The child: random calls on what it inherited (one thread: the others
 * did not come along), then it closes everything and exits.
 */
static void child(struct worker *w)
{
	w->seed ^= (uint64_t)getpid() << 17;
	for (int i = 0; i < CHILD_CALLS; i++)
		one_call(w, true);
	for (int i = 0; i < NR_SLOTS; i++) {
		int fd = atomic_exchange(&slots[i], -1);

		if (fd >= 0 && pick(&w->seed, 2))
			close(fd);	/* the rest go with the exit */
	}
	_exit(0);
}

/* Waits up to HANG_SECONDS: whether the child exited 0. */
static bool reap(pid_t pid)
{
	struct timespec ms = { 0, 1000000 };
	int status;

	for (long i = 0; i < HANG_SECONDS * 1000L; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (r < 0 && errno != EINTR)
			return false;
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "stress: child %d hung for %d s\n", (int)pid, HANG_SECONDS);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

/*
 * Under a sanitizer a fork waits until no other thread is inside a call,
 * and the child is reaped before any thread goes on: the sanitizer
 * runtimes here (gcc 12's ASan, clang 14's TSan) do not hold their
 * allocator's locks across fork(), so a child forked while another thread
 * was in malloc() blocks forever on the lock that thread held
 * (google/sanitizers#1814), whatever the shim does.  glibc's malloc is
 * fork-safe: in a release build forks race every other call, an ioctl in
 * progress included.
 */
static bool quiesce_forks;
static pthread_rwlock_t quiesce = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int base_tasks;	/* main, workers, the runtime's own; 0: not yet */

/* The process's threads, as /proc/self/task lists them. */
static int nr_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/*
 * The shim serves a child from a thread of the parent, which may still be
 * freeing its state after the child exits: a quiesced fork also waits (up
 * to a second) for those threads to be gone, or it could take their
 * allocator lock into the next child.
 */
static void wait_for_base_tasks(void)
{
	struct timespec ms = { 0, 1000000 };
	int base = atomic_load(&base_tasks);

	for (int i = 0; base && i < 1000 && nr_tasks() > base; i++)
		nanosleep(&ms, NULL);
}

/* A sanitizer in this process: built in (in-process), or preloaded. */
static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#endif
#endif
	return dlsym(RTLD_DEFAULT, "__asan_init") != NULL;
}

static void op_fork(struct worker *w)
{
	bool ok;
	pid_t pid;

	if (quiesce_forks && !atomic_load(&base_tasks))
		return;		/* no fork before the baseline is taken */
	if (quiesce_forks) {
		pthread_rwlock_wrlock(&quiesce);
		wait_for_base_tasks();
	}
	pid = fork();
	if (!pid)
		child(w);
	ok = pid > 0 && reap(pid);
	if (quiesce_forks)
		pthread_rwlock_unlock(&quiesce);
	if (pid < 0)
		return;
	atomic_fetch_add(&forks, 1);
	if (!ok)
		atomic_fetch_add(&child_failures, 1);
}

static void one_call(struct worker *w, bool in_child)
{
	unsigned int op = pick(&w->seed, in_child ? 17 : 18);

	if (op == 17) {
		op_fork(w);	/* a child never forks again */
		goto done;
	}
	if (quiesce_forks && !in_child)
		pthread_rwlock_rdlock(&quiesce);
	switch (op) {
	case 0: op_open(w); break;
	case 1: op_close(w); break;
	case 2: op_dup(w); break;
	case 3 ... 8: op_ioas(w); break;
	case 9 ... 10: op_hwpt(w); break;
	default: op_vfio(w); break;
	}
	if (quiesce_forks && !in_child)
		pthread_rwlock_unlock(&quiesce);
done:
	if (!in_child) {
		atomic_fetch_add(&calls, 1);
		atomic_store(&last_progress, now_s());
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&stop))
		one_call(w, false);
	return NULL;
}

int main(void)
{
	const char *env = getenv("IOMMUSIM_STRESS_SECONDS");
	long seconds = env ? atol(env) : 1, start = now_s();
	struct worker w[NR_THREADS];
	pthread_t t[NR_THREADS];

	/*
	 * The threads DMA through a device while others detach or rebind it:
	 * an access in the window between the driver's STE store and its
	 * CFGI is a stale use the coherency checker reports (docs/smmuv3.md,
	 * "What it cannot see"), a bug of this program's random calls, not
	 * of the driver.  Fatal would abort the run on it: report instead.
	 */
	if (getenv("IOMMUSIM_COHERENCY") && !strcmp(getenv("IOMMUSIM_COHERENCY"), "fatal"))
		setenv("IOMMUSIM_COHERENCY", "report", 1);
	quiesce_forks = sanitized();
	for (int i = 0; i < NR_SLOTS; i++)
		atomic_store(&slots[i], -1);
	atomic_store(&last_progress, start);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i].seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1) ^ (uint64_t)time(NULL);
		w[i].buf = mmap(NULL, BUF_PAGES * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		REQUIRE(w[i].buf != MAP_FAILED);
		REQUIRE(pthread_create(&t[i], NULL, worker_fn, &w[i]) == 0);
	}
	/* Counted once the runtime's threads are up (TSan starts one lazily). */
	atomic_store(&base_tasks, nr_tasks());
	while (now_s() - start < seconds) {
		sleep(1);
		/* Twice a child's limit: a thread may be reaping a hung child. */
		if (now_s() - atomic_load(&last_progress) > 2 * HANG_SECONDS) {
			fprintf(stderr, "stress: no call returned for %d s\n", 2 * HANG_SECONDS);
			abort();	/* the threads are stuck: a core, not a join */
		}
	}
	atomic_store(&stop, true);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NR_SLOTS; i++)
		if (atomic_load(&slots[i]) >= 0)
			close(atomic_load(&slots[i]));
	for (int i = 0; i < NR_THREADS; i++)
		munmap(w[i].buf, BUF_PAGES * PG);
	printf("stress: %lu calls (%lu ioctls succeeded), %lu forks%s, %lu children failed, %ld s\n",
	       atomic_load(&calls), atomic_load(&succeeded), atomic_load(&forks),
	       quiesce_forks ? " (quiesced: sanitizer)" : "", atomic_load(&child_failures),
	       now_s() - start);
	for (int c = 0; c < C_NR; c++)
		printf("  %-26s %10lu calls %10lu ok\n", call_names[c],
		       atomic_load(&ioctls[c][0]), atomic_load(&ioctls[c][1]));
	CHECK(atomic_load(&calls) > 0);
	CHECK(atomic_load(&succeeded) > 0);
	CHECK_EQ(atomic_load(&child_failures), 0);
	return test_done();
}
