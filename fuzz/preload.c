// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the LD_PRELOAD shim itself, as a hostile or buggy
 * program drives it.  The shim's objects are linked into the harness, so
 * open/ioctl/read/close here are the shim's entry points, in-process, over
 * the machine the shim builds on first use (IOMMUSIM_PRELOAD, default
 * iommu=smmuv3; set iommu=mock in the environment to fuzz the mock).
 *
 * An input is a program's life as bytes: opens of /dev/iommu and
 * /dev/vfio/devices/vfioN with any flags; ioctls of iommufd's and VFIO's
 * commands (or any number) whose struct has any contents and size, with
 * fields patched to small object IDs, the program's own descriptors or
 * pointers; read/write/pread/pwrite and poll; dup, dup2, close and
 * close_range; anonymous mmaps (the shim's user RAM) and munmaps; and any
 * of those on a second thread.  Every pointer - the ioctl argument, a
 * buffer, a pointer inside a struct - is one of: valid, read-only,
 * unmapped, straddling into a read-only or an unmapped page, NULL, a
 * wild value, user RAM, or the caller's stack.
 *
 * The shim must answer all of it as the kernel would answer a program: a
 * return value and errno, never a crash, a hang or a sanitizer report.
 * Only descriptors the program got are used (a read of a stranger's
 * descriptor - stdin - would block, as it would in a real program).  At
 * the end every descriptor the input made is closed, so the next input
 * starts from the same machine with nothing open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "include/uapi/linux/iommufd.h"
#include "include/uapi/linux/vfio.h"

#define PG		4096ul
#define MAX_SLOTS	16
#define MAX_MAPS	8
#define MAX_STEPS	128
#define ARG_MAX		512

/* [RW][RW][RO][NONE]: every pointer kind lands somewhere in here. */
static u8 *area;

struct fz {
	int slot[MAX_SLOTS];		/* descriptors the program holds, or -1 */
	void *map[MAX_MAPS];		/* anonymous mmaps (user RAM) */
	size_t map_len[MAX_MAPS];
	/* Pages of user RAM the program unmapped, held PROT_NONE (op_mmap). */
	void *gone[MAX_STEPS * 16];
	unsigned int nr_gone;
};

static void fill(struct fuzz_in *in, void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((u8 *)p)[i] = fuzz_u8(in);
}

static bool mapped(u64 v);

/*
 * Raw bytes the kernel may take for a pointer (every __aligned_u64 of a
 * uAPI struct, and of the arrays such a struct points at): a value that
 * lands in this process's memory is made non-canonical, as wild() does.
 * Otherwise a raw data_uptr into ASan's shadow with a data_len of 1.5G
 * had IOMMU_GET_HW_INFO zero the shadow (Linux clears the rest of the
 * program's buffer), which was the harness's memory, not a program's: the
 * run outgrew libFuzzer's 2G limit.
 */
static void fill_raw(struct fuzz_in *in, void *p, size_t len)
{
	fill(in, p, len);
	for (size_t off = 0; off + 8 <= len; off += 8) {
		u64 v;

		memcpy(&v, (u8 *)p + off, 8);
		if (mapped(v)) {
			v |= 1ull << 62;
			memcpy((u8 *)p + off, &v, 8);
		}
	}
}

enum ptr_kind {
	P_VALID, P_RO, P_NONE, P_RW_RO, P_RO_NONE, P_NULL, P_WILD, P_USER,
	P_STACK, P_NR,
};

/* A slot's descriptor: picked from the program's, or -1 (EBADF paths). */
static int pick_fd(struct fz *f, struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	if (sel >= 0xf8)
		return -1 - (sel & 1);
	return f->slot[sel % MAX_SLOTS];
}

static int free_slot(struct fz *f)
{
	for (int i = 0; i < MAX_SLOTS; i++)
		if (f->slot[i] < 0)
			return i;
	return -1;
}

static void keep_fd(struct fz *f, int fd)
{
	int i = free_slot(f);

	if (fd < 0)
		return;
	if (i < 0)
		close(fd);
	else
		f->slot[i] = fd;
}

/*
 * Any address - but not into a sanitizer's own regions: x86-64 ASan's
 * shadow [0x7fff8000, 0x10007fff8000) and its allocator's space around
 * 0x600000000000.  They are mapped, so the shim's check passes them, and
 * the instrumented kernel code reading the "user" struct there then trips
 * the sanitizer (Linux reads user memory with copy_from_user, which
 * KASAN does not check; kernel/iommufd here reads it directly).  No real
 * program has such memory to point at.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* Whether v is a user address this process has mapped (any protection). */
static bool mapped(u64 v)
{
	return !(v >> 47) && v >= 4096 &&
	       !msync((void *)(uintptr_t)(v & ~4095ull), 4096, MS_ASYNC);
}

static void *wild(u64 v)
{
	u64 sp = (uintptr_t)__builtin_frame_address(0);

	/*
	 * Not into ASan's shadow and heap, nor this thread's stack: a dead
	 * frame there is readable to the program but poisoned to ASan, which
	 * would report the shim reading it (a wild pointer the fuzzer learned
	 * from a comparison once landed in a finished caller's local, another
	 * in a free chunk of ASan's heap).  A program may read such memory;
	 * the shim then reads what is there, as the kernel would.
	 */
	if ((v >= 0x7fff8000ull && v < 0x10007fff8000ull) ||
	    (v >= 0x500000000000ull && v < 0x700000000000ull) ||
	    (v + (16ull << 20) >= sp && v < sp + (16ull << 20)))
		v |= 1ull << 62;	/* non-canonical: EFAULT all the same */
	/*
	 * Nor anything mapped at all: the shim would write there as the
	 * kernel writes where a program points it, and in process that is
	 * the harness's own memory (once ASan's allocator metadata).  Wild
	 * pointers test EFAULT; valid memory has its own kinds above.
	 */
	if (mapped(v))
		v |= 1ull << 62;
#ifdef FUZZ_ASAN
	/* Nor memory ASan poisons: free heap, redzones, dead frames. */
	if (!(v >> 47) && v >= 0x10007fff8000ull &&
	    __asan_region_is_poisoned((void *)(uintptr_t)v, 64))
		v |= 1ull << 62;
#endif
	return (void *)(uintptr_t)v;
}

/*
 * Where a buffer of len bytes goes for kind, with its contents copied in
 * where the program could have written them.  stack is the caller's
 * (NULL: the pointer must outlive the caller, valid memory stands in).
 */
static void *place(struct fz *f, struct fuzz_in *in, enum ptr_kind kind,
		   const void *content, size_t len, void *stack)
{
	size_t k = len < PG ? len : PG;
	void *p;

	switch (kind) {
	case P_VALID:
		memcpy(area, content, len < 2 * PG ? len : 2 * PG);
		return area;
	case P_RO:
		mprotect(area + 2 * PG, PG, PROT_READ | PROT_WRITE);
		memcpy(area + 2 * PG, content, k);
		mprotect(area + 2 * PG, PG, PROT_READ);
		return area + 2 * PG;
	case P_NONE:
		return area + 3 * PG;
	case P_RW_RO:
		/* Some bytes writable, the rest on the read-only page. */
		p = area + 2 * PG - 1 - fuzz_u8(in) % (k ? k : 1);
		memcpy(p, content, (size_t)(area + 2 * PG - (u8 *)p));
		return p;
	case P_RO_NONE:
		return area + 3 * PG - 1 - fuzz_u8(in) % (k ? k : 1);
	case P_NULL:
		return NULL;
	case P_WILD:
		return wild(fuzz_u64(in));
	case P_USER:
		for (int i = 0; i < MAX_MAPS; i++) {
			if (f->map[i] && f->map_len[i] >= len) {
				memcpy(f->map[i], content, len);
				return f->map[i];
			}
		}
		break;		/* no user RAM that big: the stack */
	default:
		break;
	}
	if (!stack)
		return area;
	memcpy(stack, content, len < ARG_MAX ? len : ARG_MAX);
	return stack;
}

static enum ptr_kind pick_kind(struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	/* Mostly valid, so the commands reach their work. */
	return sel < 0x80 ? P_VALID : (enum ptr_kind)(sel % P_NR);
}

/* ------------------------------------------------------------ ioctl */

static unsigned long pick_cmd(struct fuzz_in *in)
{
	static const unsigned long vfio[] = {
		VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
		VFIO_DEVICE_DETACH_IOMMUFD_PT, VFIO_DEVICE_GET_INFO,
		VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO,
		VFIO_DEVICE_SET_IRQS, _IO(VFIO_TYPE, VFIO_BASE + 11), FIONBIO, FIOCLEX,
	};
	u8 sel = fuzz_u8(in);

	if (sel < 0xa0)
		return _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + sel % 0x16);
	if (sel < 0xf0)
		return vfio[sel % ARRAY_SIZE(vfio)];
	return fuzz_u32(in);
}

/*
 * A struct field made meaningful: an object ID, one of the program's
 * descriptors, a length, or a pointer of some kind into the pointer area.
 */
static void patch(struct fz *f, struct fuzz_in *in, u8 *arg, size_t size)
{
	unsigned int off = fuzz_u8(in) % (ARG_MAX / 4) * 4;
	u8 what = fuzz_u8(in) % 5;
	u64 v;

	switch (what) {
	case 0:
		v = fuzz_u8(in) % 10;			/* an object ID */
		break;
	case 1:
		v = (u32)pick_fd(f, in);
		break;
	case 2:
		v = (u64)(fuzz_u8(in) % 8 + 1) << (fuzz_u8(in) % 24);
		break;
	case 3: {
		u8 junk[64];

		/* No stack here: the pointer must outlive this frame. */
		fill_raw(in, junk, fuzz_u8(in) % sizeof(junk));
		v = (uintptr_t)place(f, in, pick_kind(in), junk, sizeof(junk), NULL);
		break;
	}
	default:
		v = (uintptr_t)wild(fuzz_u64(in));
		break;
	}
	if (off + 8 <= size)
		memcpy(arg + off, &v, 8);
	else if (off + 4 <= size)
		memcpy(arg + off, &v, 4);
}

static void op_ioctl(struct fz *f, struct fuzz_in *in)
{
	int fd = pick_fd(f, in);
	unsigned long cmd = pick_cmd(in);
	u8 arg[ARG_MAX], stack[ARG_MAX];
	size_t size = fuzz_u16(in) % ARG_MAX;
	enum ptr_kind kind = pick_kind(in);
	u32 sz32 = (u32)size;
	unsigned int npatch;

	memset(arg, 0, sizeof(arg));
	fill_raw(in, arg, size > 64 ? 64 : size);
	/* The size (iommufd) or argsz (VFIO) field first: mostly the real one. */
	if (fuzz_u8(in) < 0xc0)
		memcpy(arg, &sz32, 4);
	npatch = fuzz_u8(in) % 6;
	for (unsigned int i = 0; i < npatch; i++)
		patch(f, in, arg, size < 8 ? 8 : size);
	if (fd < 0)
		return;
	(void)ioctl(fd, cmd, place(f, in, kind, arg, size < 8 ? 8 : size, stack));
}

/* ------------------------------------------------------------ the rest */

static void op_open(struct fz *f, struct fuzz_in *in, bool vfio)
{
	static const int acc[] = { O_RDWR, O_RDONLY, O_WRONLY, O_RDWR };
	u8 fl = fuzz_u8(in);
	int flags = acc[fl & 3] | (fl & 4 ? O_NONBLOCK : 0) | (fl & 8 ? O_CLOEXEC : 0);
	char path[40];

	if (free_slot(f) < 0)
		return;
	if (vfio)
		snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u",
			 fuzz_u8(in) % 4);
	else
		snprintf(path, sizeof(path), "/dev/iommu");
	keep_fd(f, open(path, flags));
}

static void op_close(struct fz *f, struct fuzz_in *in)
{
	unsigned int i = fuzz_u8(in) % MAX_SLOTS;
	u8 how = fuzz_u8(in) % 3;

	if (f->slot[i] < 0)
		return;
	if (how == 0)
		close(f->slot[i]);
	else
		close_range((unsigned int)f->slot[i], (unsigned int)f->slot[i], 0);
	f->slot[i] = -1;
}

static void op_dup(struct fz *f, struct fuzz_in *in)
{
	int fd = pick_fd(f, in), other = pick_fd(f, in);

	if (fd < 0)
		return;
	switch (fuzz_u8(in) % 3) {
	case 0:
		keep_fd(f, dup(fd));
		break;
	case 1:
		/* Onto another of the program's own: that one is replaced. */
		if (other >= 0)
			(void)dup2(fd, other);
		break;
	default:
		keep_fd(f, fcntl(fd, F_DUPFD_CLOEXEC, 0));
		break;
	}
}

static void op_rw(struct fz *f, struct fuzz_in *in)
{
	int fd = pick_fd(f, in);
	u8 which = fuzz_u8(in) % 4, content[256], stack[ARG_MAX];
	size_t count = fuzz_u16(in) % sizeof(content);
	enum ptr_kind kind = pick_kind(in);
	off_t off = (off_t)(fuzz_u32(in) & 0x3fff);
	void *p;

	if (fuzz_u8(in) >= 0xf0)
		off = (off_t)((u64)fuzz_u8(in) << 40);	/* another region's index */
	fill(in, content, count);
	p = place(f, in, kind, content, count, stack);
	if (fd < 0)
		return;
	switch (which) {
	case 0:
		(void)read(fd, p, count);
		break;
	case 1:
		(void)write(fd, p, count);
		break;
	case 2:
		(void)pread(fd, p, count, off);
		break;
	default:
		(void)pwrite(fd, p, count, off);
		break;
	}
}

static void op_poll(struct fz *f, struct fuzz_in *in)
{
	struct pollfd fds[4];
	u8 stack[ARG_MAX];
	unsigned int n = fuzz_u8(in) % 4 + 1;
	enum ptr_kind kind = pick_kind(in);

	for (unsigned int i = 0; i < n; i++) {
		fds[i].fd = pick_fd(f, in);
		fds[i].events = (short)fuzz_u16(in);
		fds[i].revents = 0;
	}
	/* A wild array pointer reaches only the shim's copy, never a wait. */
	(void)poll(place(f, in, kind, fds, n * sizeof(fds[0]), stack), n, 0);
}

/*
 * The program unmaps user RAM that an IOAS may still name: a device keeps
 * pinned pages (the shim holds them), and a later attach pins whatever
 * is then at the address, as Linux would.  In process "whatever" could be
 * the harness's own memory (ASan maps its heap where it finds room), so
 * each page the shim let go is taken back at once, PROT_NONE (pinning it
 * is EFAULT), until the input ends and the IOASes with it.
 */
static void unmap_user(struct fz *f, u8 *p, size_t len)
{
	munmap(p, len);
	for (size_t off = 0; off < len; off += PG) {
		void *q = mmap(p + off, PG, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (q == p + off && f->nr_gone < sizeof(f->gone) / sizeof(f->gone[0]))
			f->gone[f->nr_gone++] = q;
		else if (q != MAP_FAILED)
			munmap(q, PG);	/* not where asked (an old kernel), or no room */
	}
}

static void op_mmap(struct fz *f, struct fuzz_in *in)
{
	size_t len = (fuzz_u8(in) % 16 + 1) * PG;
	int i;

	for (i = 0; i < MAX_MAPS && f->map[i]; i++)
		;
	if (i == MAX_MAPS) {
		i = fuzz_u8(in) % MAX_MAPS;
		unmap_user(f, f->map[i], f->map_len[i] + PG);
		f->map[i] = NULL;
		return;
	}
	/*
	 * With a guard page after it: a length past the mapping's end runs
	 * into it (EFAULT) rather than into whatever the kernel mapped next,
	 * which in process is the harness's (a 128K IOMMU_GET_HW_INFO buffer
	 * cleared ASan's thread registry beyond a 64K mapping).
	 */
	f->map[i] = mmap(NULL, len + PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->map[i] == MAP_FAILED) {
		f->map[i] = NULL;
		return;
	}
	mprotect((u8 *)f->map[i] + len, PG, PROT_NONE);
	f->map_len[i] = len;
}

static void op_flags(struct fz *f, struct fuzz_in *in)
{
	int fd = pick_fd(f, in), on = fuzz_u8(in) & 1;

	if (fd < 0)
		return;
	if (fuzz_bool(in))
		(void)fcntl(fd, F_SETFL, on ? O_NONBLOCK : 0);
	else
		(void)ioctl(fd, FIONBIO, &on);
}

struct thread_op {
	struct fz *f;
	struct fuzz_in *in;
};

static void run_op(struct fz *f, struct fuzz_in *in, bool threaded);

static void *thread_fn(void *arg)
{
	struct thread_op *t = arg;

	run_op(t->f, t->in, true);
	return NULL;
}

static void run_op(struct fz *f, struct fuzz_in *in, bool threaded)
{
	u8 op = fuzz_u8(in) % 13;
	pthread_t t;

	switch (op) {
	case 0: op_open(f, in, false); break;
	case 1: op_open(f, in, true); break;
	case 2: op_close(f, in); break;
	case 3: op_dup(f, in); break;
	case 4: case 5: case 6: op_ioctl(f, in); break;
	case 7: op_rw(f, in); break;
	case 8: op_poll(f, in); break;
	case 9: op_mmap(f, in); break;
	case 10: op_flags(f, in); break;
	case 11:
		/* The next operation on another thread (its own stack). */
		if (!threaded) {
			struct thread_op to = { f, in };

			if (!pthread_create(&t, NULL, thread_fn, &to))
				pthread_join(t, NULL);
		}
		break;
	default:
		op_ioctl(f, in);
		break;
	}
}

/*
 * Every eventfd from low up: a shim file or an event queue this input got
 * (an ioctl's out field names it).  Not the fuzzer's or the sanitizer's
 * own descriptors (a symbolizer's pipes), which may sit above low too.
 */
static void close_new_eventfds(int low)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[256], n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 256) {
		char path[64], target[64];
		int fd = atoi(e->d_name);
		ssize_t len;

		if (fd < low || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0 && (target[len] = '\0', strstr(target, "eventfd")))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("IOMMUSIM_PRELOAD", getenv("IOMMUSIM_PRELOAD") ?
	       getenv("IOMMUSIM_PRELOAD") : "iommu=smmuv3 devices=3", 1);
	area = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		abort();
	mprotect(area + 2 * PG, PG, PROT_READ);
	mprotect(area + 3 * PG, PG, PROT_NONE);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct fz f;
	int low;

	if (!area)
		LLVMFuzzerInitialize(NULL, NULL);
	/* The lowest free descriptor: everything from it up is this input's. */
	low = dup(2);
	if (low >= 0)
		close(low);
	for (int i = 0; i < MAX_SLOTS; i++)
		f.slot[i] = -1;
	memset(f.map, 0, sizeof(f.map));
	f.nr_gone = 0;
	for (unsigned int steps = 0; fuzz_more(&in) && steps < MAX_STEPS; steps++)
		run_op(&f, &in, false);
	/* Nothing outlives the input: the next one starts from scratch. */
	for (int i = 0; i < MAX_SLOTS; i++)
		if (f.slot[i] >= 0)
			close(f.slot[i]);
	/* And the queues' descriptors the ioctls handed out. */
	close_new_eventfds(low);
	for (int i = 0; i < MAX_MAPS; i++)
		if (f.map[i])
			munmap(f.map[i], f.map_len[i] + PG);
	for (unsigned int i = 0; i < f.nr_gone; i++)
		munmap(f.gone[i], PG);
	return 0;
}
