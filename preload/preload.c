// SPDX-License-Identifier: MIT
/*
 * The shim's process-wide state and its descriptor table.
 *
 * Everything mutable the shim keeps lives in the one struct preload below:
 * the real libc entry points, the table from descriptor number to emulated
 * file, and the emulated machine (built by machine.c on first use).  The
 * kernel code it drives keeps none.
 *
 * The table is an array indexed by descriptor number under a rwlock.  A
 * call on a descriptor takes a reference on its file under the read lock,
 * so a close() racing an ioctl() leaves the file alive until the ioctl
 * returns, as the kernel's file references do.  When no emulated file is
 * open, nr_files is zero and calls on other descriptors skip the lock.
 */
#include "preload/preload.h"

#include "hw/memory.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * The machine sees this whole process at HOST_WINDOW_BASE + address
 * (hw/memory.h's host window): a 47-bit user address space above 2^47,
 * under the SMMU's 48-bit OAS.  Pages become reachable as iommufd pins
 * them.
 */
#define HOST_WINDOW_BASE	(1ULL << 47)
#define HOST_WINDOW_SIZE	(1ULL << 47)

enum uaccess_mode {
	UACCESS_VM,		/* process_vm_readv/writev on ourselves */
	UACCESS_PIPE,		/* through a pipe: see pipe_copy() */
	UACCESS_DIRECT,		/* neither: plain copies, no EFAULT */
};

struct preload {
	pthread_once_t libc_once;
	struct libc_fns libc;

	pthread_rwlock_t lock;		/* fds[], cap, internal[] */
	struct shim_file **fds;
	int cap;
	atomic_int nr_files;		/* installed entries: the fast path */
	/*
	 * Descriptors the emulated kernel holds for itself (an event queue's
	 * own eventfd, the uaccess pipe), sorted: the program never got them,
	 * so its close and close_range pass them by, as they would on Linux
	 * where such objects have no descriptor in the process at all.
	 */
	int internal[SHIM_MAX_INTERNAL_FDS];
	int nr_internal;

	pthread_mutex_t ready_lock;	/* readable <-> eventfd counter */

	/*
	 * Calls into the emulated kernel in flight, counted per thread
	 * (shim_call_begin/end), and a fork() waiting for there to be none:
	 * see atfork_prepare.
	 */
	pthread_mutex_t fork_lock;	/* one fork at a time; threads */
	struct shim_thread *threads;	/* every thread that made a call */
	pthread_key_t thread_key;	/* frees a thread's entry at exit */
	atomic_bool forking;
	bool membarrier;		/* the fork issues the readers' fences */
	struct fork_share *shares;	/* children served (fork_lock) */
	struct fork_share *sharing;	/* the fork under way's, or NULL */
	atomic_int uaccess_mode;	/* enum uaccess_mode */
	pthread_mutex_t uaccess_lock;	/* uaccess_pipe */
	int uaccess_pipe[2];

	/* The machine, with the process's host window, from the first open. */
	pthread_mutex_t machine_lock;	/* all three below */
	struct phys_mem *mem;
	struct phys_mem *host_mem;	/* mem once the machine is built (munmap) */
	struct preload_machine *machine;
	int machine_err;		/* a failed build is not retried */
};

static struct preload preload = {
	.libc_once = PTHREAD_ONCE_INIT,
	.lock = PTHREAD_RWLOCK_INITIALIZER,
	.ready_lock = PTHREAD_MUTEX_INITIALIZER,
	.uaccess_lock = PTHREAD_MUTEX_INITIALIZER,
	.machine_lock = PTHREAD_MUTEX_INITIALIZER,
	.fork_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Set while this thread builds the machine (an open from inside fails). */
static __thread int building;

/* Under machine_lock: the address space and the process's window in it. */
static int mem_get_locked(void)
{
	struct phys_mem *mem;
	int ret;

	if (preload.mem)
		return 0;
	mem = phys_mem_create();
	if (!mem)
		return -ENOMEM;
	ret = phys_mem_add_host_window(mem, HOST_WINDOW_BASE,
				       HOST_WINDOW_SIZE, 0, "process");
	if (ret) {
		phys_mem_destroy(mem);
		return ret;
	}
	preload.mem = mem;
	return 0;
}

struct phys_mem *preload_host_mem(void)
{
	return __atomic_load_n(&preload.host_mem, __ATOMIC_ACQUIRE);
}

int preload_machine_get(struct preload_machine **m)
{
	int ret;

	if (building)
		return -EBUSY;
	pthread_mutex_lock(&preload.machine_lock);
	if (!preload.machine && !preload.machine_err) {
		preload.machine_err = mem_get_locked();
		building = 1;
		if (!preload.machine_err)
			preload.machine_err = preload_machine_build(preload.mem,
								    &preload.machine);
		/* For munmap, lock-free: once built, mem's regions no longer move. */
		if (!preload.machine_err)
			__atomic_store_n(&preload.host_mem, preload.mem, __ATOMIC_RELEASE);
		building = 0;
	}
	*m = preload.machine;
	ret = preload.machine_err;
	pthread_mutex_unlock(&preload.machine_lock);
	return ret;
}

/* ------------------------------------------------------------- libc */

static void resolve_libc(void)
{
	struct libc_fns *l = &preload.libc;

#define RESOLVE(field, sym) do {					\
		void *p = dlsym(RTLD_NEXT, sym);			\
		if (!p)							\
			abort();					\
		memcpy(&l->field, &p, sizeof(p));			\
	} while (0)
	RESOLVE(open, "open");
	RESOLVE(openat, "openat");
	RESOLVE(close, "close");
	RESOLVE(ioctl, "ioctl");
	RESOLVE(read, "read");
	RESOLVE(write, "write");
	RESOLVE(poll, "poll");
	RESOLVE(ppoll, "ppoll");
	RESOLVE(dup, "dup");
	RESOLVE(dup2, "dup2");
	RESOLVE(dup3, "dup3");
	RESOLVE(fcntl, "fcntl");
	RESOLVE(mmap, "mmap");
	RESOLVE(munmap, "munmap");
	RESOLVE(epoll_ctl, "epoll_ctl");
	RESOLVE(opendir, "opendir");
	RESOLVE(readdir, "readdir");
	RESOLVE(readdir64, "readdir64");
	RESOLVE(dirfd, "dirfd");
	RESOLVE(closedir, "closedir");
	RESOLVE(pread, "pread");
	RESOLVE(pwrite, "pwrite");
#undef RESOLVE
#define OPTIONAL(field, sym) do {					\
		void *p = dlsym(RTLD_NEXT, sym);			\
		memcpy(&l->field, &p, sizeof(p));			\
	} while (0)
	OPTIONAL(close_range, "close_range");
	OPTIONAL(closefrom, "closefrom");
	OPTIONAL(open_2, "__open_2");
	OPTIONAL(open64_2, "__open64_2");
	OPTIONAL(openat_2, "__openat_2");
	OPTIONAL(openat64_2, "__openat64_2");
#undef OPTIONAL
}

const struct libc_fns *libc(void)
{
	pthread_once(&preload.libc_once, resolve_libc);
	return &preload.libc;
}

/*
 * A thread's count of calls in flight, and whether the entry is in use.
 * Threads only ever store to their own count; a fork reads them all.
 */
struct shim_thread {
	struct shim_thread *next;
	atomic_uint calls;
	atomic_bool used;
};

/*
 * Thread-locals on the call path use the initial-exec model: the shim is
 * loaded at start-up (LD_PRELOAD), so static TLS holds them and each
 * access is one instruction rather than a __tls_get_addr call.
 */
static __thread __attribute__((tls_model("initial-exec")))
	struct shim_thread *self_thread;

static void thread_exit(void *p)
{
	struct shim_thread *t = p;

	atomic_store(&t->calls, 0);
	atomic_store(&t->used, false);		/* for the next thread */
}

/* This thread's entry, made (or reused) on its first call. */
static __attribute__((noinline, cold)) struct shim_thread *thread_get(void)
{
	struct shim_thread *t;

	pthread_mutex_lock(&preload.fork_lock);
	for (t = preload.threads; t; t = t->next)
		if (!atomic_load(&t->used))
			break;
	if (!t && (t = calloc(1, sizeof(*t)))) {
		t->next = preload.threads;
		preload.threads = t;
	}
	if (t) {
		atomic_store(&t->used, true);
		pthread_setspecific(preload.thread_key, t);
	}
	pthread_mutex_unlock(&preload.fork_lock);
	if (!t)
		abort();	/* 24 bytes once per thread */
	self_thread = t;
	return t;
}

/*
 * The reader's half of an asymmetric Dekker: store our count, then load
 * forking.  With membarrier the fork makes every running thread execute
 * a full fence between its store and its load, so ours is a compiler
 * barrier and a call costs two plain stores and a load; without it, a
 * real fence here.
 */
static void fork_gate_enter(void)
{
	struct shim_thread *t = self_thread ? self_thread : thread_get();
	unsigned int n = atomic_load_explicit(&t->calls, memory_order_relaxed);

	for (;;) {
		atomic_store_explicit(&t->calls, n + 1, memory_order_relaxed);
		if (preload.membarrier)
			atomic_signal_fence(memory_order_seq_cst);
		else
			atomic_thread_fence(memory_order_seq_cst);
		/* Nested in a call the fork waits for anyway: go on. */
		if (__builtin_expect(!atomic_load_explicit(&preload.forking,
							   memory_order_relaxed), 1) || n)
			return;
		/* A fork is draining calls: step back, wait till it is done. */
		atomic_store_explicit(&t->calls, n, memory_order_release);
		while (atomic_load(&preload.forking))
			sched_yield();
	}
}

static void fork_gate_exit(void)
{
	struct shim_thread *t = self_thread;

	atomic_store_explicit(&t->calls,
			      atomic_load_explicit(&t->calls, memory_order_relaxed) - 1,
			      memory_order_release);
}

/* Waits until no thread is inside a call (fork_lock held, forking set). */
static void calls_drain(void)
{
	bool busy;

	if (preload.membarrier)
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	else
		atomic_thread_fence(memory_order_seq_cst);
	do {
		busy = false;
		for (struct shim_thread *t = preload.threads; t; t = t->next)
			busy |= atomic_load_explicit(&t->calls, memory_order_acquire) != 0;
		if (busy)
			sched_yield();
	} while (busy);
}

/*
 * fork() copies only the calling thread; a lock another thread held at
 * that moment stays held in the child forever, and the data it guarded
 * stays half-changed.  So the parent first lets every call into the
 * emulated kernel finish and holds new ones at the door (the kernel's
 * mutexes - ictx->lock, a group's, the drivers' - are then all free and
 * its objects consistent), then takes the shim's own locks.  The child
 * starts its copies of them afresh; its kernel is a consistent copy of
 * the parent's at the fork (docs/preload.md says what the child sees).
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&preload.fork_lock);
	atomic_store(&preload.forking, true);
	calls_drain();
	pthread_mutex_lock(&preload.machine_lock);
	pthread_rwlock_wrlock(&preload.lock);
	pthread_mutex_lock(&preload.ready_lock);
	preload.sharing = fork_share_prepare(preload.fds, preload.cap,
					     &preload.shares, &preload.fork_lock);
}

static void atfork_parent(void)
{
	if (preload.sharing)
		fork_share_parent(preload.sharing);
	preload.sharing = NULL;
	pthread_mutex_unlock(&preload.ready_lock);
	pthread_rwlock_unlock(&preload.lock);
	pthread_mutex_unlock(&preload.machine_lock);
	atomic_store(&preload.forking, false);
	pthread_mutex_unlock(&preload.fork_lock);
}

static void atfork_child(void)
{
	fork_share_child(preload.sharing, &preload.shares);
	preload.sharing = NULL;
	pthread_mutex_init(&preload.ready_lock, NULL);
	pthread_rwlock_init(&preload.lock, NULL);
	pthread_mutex_init(&preload.machine_lock, NULL);
	/* The other threads are gone: their entries are free again. */
	for (struct shim_thread *t = preload.threads; t; t = t->next)
		if (t != self_thread)
			atomic_store(&t->used, false);
	atomic_store(&preload.forking, false);
	pthread_mutex_init(&preload.fork_lock, NULL);
}

static void uaccess_init(void);

__attribute__((constructor)) static void preload_init(void)
{
	libc();
	uaccess_init();
	pthread_key_create(&preload.thread_key, thread_exit);
	preload.membarrier = syscall(SYS_membarrier,
				     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ------------------------------------------------------------ files */

static void file_free(struct shim_file *f)
{
	if (f->ops->release)
		f->ops->release(f);
	free(f);
}

void shim_fget_ref(struct shim_file *f)
{
	atomic_fetch_add(&f->refs, 1);
}

/*
 * Linux's fput() does not release a file in the middle of a system call:
 * the final __fput runs as task work on the way back to user space, so a
 * driver dropping the last reference while it holds its own lock cannot
 * re-enter its release op under that lock.  Here, the entry points that
 * call a file's ops bracket the call with shim_call_begin/end; a last
 * reference dropped inside is queued on the thread and released by the
 * outermost shim_call_end, after the op returned and dropped its locks.
 * A release that drops further last references queues them too, and they
 * run in the same loop.
 */
/* The shim is preloaded: its TLS is in the static block, no lookup call. */
static __thread int call_depth __attribute__((tls_model("initial-exec")));
static __thread struct shim_file *deferred_fput __attribute__((tls_model("initial-exec")));

/*
 * A call counts for fork() (fork_gate_enter: a fork waits for calls in
 * flight, and a call waits for a fork in progress) from its begin to the
 * end of its deferred releases, which may enter the emulated kernel too.
 */
void shim_call_begin(void)
{
	fork_gate_enter();
	call_depth++;
}

/*
 * The releases queued during the call.  Out of line and cold: a call
 * rarely drops a last reference, and keeping the loop (and the registers
 * it needs) out of shim_call_end leaves the common end a few instructions.
 */
static __attribute__((noinline, cold)) void deferred_fput_run(void)
{
	int saved = errno;	/* the call's answer is already set */

	while (deferred_fput) {
		struct shim_file *f = deferred_fput;

		deferred_fput = f->deferred_next;
		file_free(f);
	}
	errno = saved;
}

void shim_call_end(void)
{
	if (call_depth > 1) {
		call_depth--;
	} else {
		if (__builtin_expect(deferred_fput != NULL, 0))
			deferred_fput_run();
		call_depth = 0;
	}
	fork_gate_exit();
}

void shim_fput(struct shim_file *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (call_depth) {
		f->deferred_next = deferred_fput;
		deferred_fput = f;
		return;
	}
	file_free(f);
}

bool shim_any_files(void)
{
	return atomic_load_explicit(&preload.nr_files, memory_order_acquire) != 0;
}

bool shim_fd_is_ours(int fd)
{
	struct shim_file *f = shim_fget(fd);

	shim_fput(f);
	return f != NULL;
}

struct shim_file *shim_fget(int fd)
{
	struct shim_file *f = NULL;

	if (fd < 0 || !atomic_load_explicit(&preload.nr_files, memory_order_acquire))
		return NULL;
	pthread_rwlock_rdlock(&preload.lock);
	if (fd < preload.cap && (f = preload.fds[fd]))
		shim_fget_ref(f);
	pthread_rwlock_unlock(&preload.lock);
	return f;
}

/* Caller holds the write lock.  0, or -ENOMEM. */
static int table_grow(int fd)
{
	int cap = preload.cap ? preload.cap : 64;
	struct shim_file **n;

	while (cap <= fd)
		cap *= 2;
	n = realloc(preload.fds, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n + preload.cap, 0, (cap - preload.cap) * sizeof(*n));
	preload.fds = n;
	preload.cap = cap;
	return 0;
}

/*
 * Points descriptor fd at f (taking a reference for it) and returns what
 * it pointed at before, whose reference passes to the caller.  A stale
 * entry exists only when a descriptor of ours was closed behind the shim's
 * back (close_range, a raw syscall).
 */
static int table_set(int fd, struct shim_file *f, struct shim_file **old)
{
	int ret = 0;

	*old = NULL;
	pthread_rwlock_wrlock(&preload.lock);
	if (fd >= preload.cap) {
		if (!f)
			goto out;
		ret = table_grow(fd);
		if (ret)
			goto out;
	}
	*old = preload.fds[fd];
	preload.fds[fd] = f;
	if (f)
		shim_fget_ref(f);
	atomic_fetch_add_explicit(&preload.nr_files, (f ? 1 : 0) - (*old ? 1 : 0),
				  memory_order_release);
out:
	pthread_rwlock_unlock(&preload.lock);
	return ret;
}

/*
 * A file of ours at descriptor fd (the caller's, closed on failure), in
 * the table, whose reference stands for the descriptor; *out is the file
 * with the creator's reference still held, for the caller to finish
 * setting up and then drop with shim_fput().
 */
static int file_publish(int fd, const struct shim_file_ops *ops, void *priv,
			int flags, struct shim_file **out)
{
	struct shim_file *f = calloc(1, sizeof(*f)), *old;
	int ret;

	if (!f) {
		libc()->close(fd);
		return -ENOMEM;
	}
	atomic_init(&f->refs, 1);
	f->ops = ops;
	f->priv = priv;
	f->efd = fd;
	f->accmode = flags & O_ACCMODE;
	ret = table_set(fd, f, &old);
	if (ret) {
		libc()->close(fd);
		free(f);
		return ret;
	}
	shim_fput(old);
	*out = f;
	return fd;
}

int shim_file_install(const struct shim_file_ops *ops, void *priv, int flags,
		      struct shim_file **out)
{
	struct shim_file *f;
	int fd = eventfd(0, EFD_NONBLOCK | ((flags & O_CLOEXEC) ? EFD_CLOEXEC : 0));

	if (fd < 0)
		return -errno;
	fd = file_publish(fd, ops, priv, flags, &f);
	if (fd < 0)
		return fd;
	/* Without a poll op the VFS reports DEFAULT_POLLMASK: always readable. */
	if (!ops->poll)
		shim_file_set_readable(f, true);
	if (out)
		*out = f;
	/* The table's reference stands for the descriptor; drop the creator's. */
	shim_fput(f);
	return fd;
}

int shim_file_adopt(int fd, const struct shim_file_ops *ops, void *priv,
		    int flags)
{
	int cfd = libc()->fcntl(fd, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	struct shim_file *f;

	if (cfd < 0)
		return -errno;
	cfd = file_publish(cfd, ops, priv, flags, &f);
	if (cfd >= 0)
		shim_fput(f);
	return cfd;
}

/* Drops descriptor fd from the table; the caller then closes it for real. */
struct shim_file *shim_fd_forget(int fd)
{
	struct shim_file *old = NULL;

	if (fd < 0 || !atomic_load_explicit(&preload.nr_files, memory_order_acquire))
		return NULL;
	table_set(fd, NULL, &old);
	return old;
}

void shim_fd_forget_range(unsigned int first, unsigned int last)
{
	if (!atomic_load_explicit(&preload.nr_files, memory_order_acquire))
		return;
	for (;;) {
		struct shim_file *f = NULL;

		pthread_rwlock_wrlock(&preload.lock);
		for (; first < (unsigned int)preload.cap && first <= last; first++) {
			if ((f = preload.fds[first])) {
				preload.fds[first] = NULL;
				atomic_fetch_sub(&preload.nr_files, 1);
				break;
			}
		}
		pthread_rwlock_unlock(&preload.lock);
		if (!f)
			return;
		shim_call_begin();
		shim_fput(f);	/* outside the lock: release may close fds */
		shim_call_end();
	}
}

/* Descriptor newfd now also stands for f (a dup); returns the displaced file. */
int shim_fd_alias(int newfd, struct shim_file *f, struct shim_file **old)
{
	return table_set(newfd, f, old);
}

int shim_fd_internal(int fd, bool add)
{
	int i, ret = 0;

	pthread_rwlock_wrlock(&preload.lock);
	for (i = 0; i < preload.nr_internal && preload.internal[i] < fd; i++)
		;
	if (add) {
		if (preload.nr_internal == SHIM_MAX_INTERNAL_FDS) {
			ret = -EMFILE;
		} else {
			memmove(&preload.internal[i + 1], &preload.internal[i],
				(preload.nr_internal - i) * sizeof(int));
			preload.internal[i] = fd;
			preload.nr_internal++;
		}
	} else if (i < preload.nr_internal && preload.internal[i] == fd) {
		preload.nr_internal--;
		memmove(&preload.internal[i], &preload.internal[i + 1],
			(preload.nr_internal - i) * sizeof(int));
	}
	pthread_rwlock_unlock(&preload.lock);
	return ret;
}

bool shim_fd_is_internal(int fd)
{
	bool found = false;

	pthread_rwlock_rdlock(&preload.lock);
	for (int i = 0; i < preload.nr_internal && !found; i++)
		found = preload.internal[i] == fd;
	pthread_rwlock_unlock(&preload.lock);
	return found;
}

/*
 * The first internal descriptor in [first, last], or -1: close_range
 * closes up to it, steps over it and goes on.
 */
int shim_fd_next_internal(unsigned int first, unsigned int last)
{
	int fd = -1;

	pthread_rwlock_rdlock(&preload.lock);
	for (int i = 0; i < preload.nr_internal && fd < 0; i++)
		if ((unsigned int)preload.internal[i] >= first &&
		    (unsigned int)preload.internal[i] <= last)
			fd = preload.internal[i];
	pthread_rwlock_unlock(&preload.lock);
	return fd;
}

bool shim_fd_is_open(int fd)
{
	return fd >= 0 && libc()->fcntl(fd, F_GETFD) >= 0;
}

void shim_file_set_readable(struct shim_file *f, bool readable)
{
	uint64_t v = 1;

	pthread_mutex_lock(&preload.ready_lock);
	if (atomic_load(&f->readable) != readable) {
		atomic_store(&f->readable, readable);
		if (readable)
			(void)!libc()->write(f->efd, &v, sizeof(v));
		else
			(void)!libc()->read(f->efd, &v, sizeof(v));
	}
	pthread_mutex_unlock(&preload.ready_lock);
}

/* ---------------------------------------------------------- uaccess */

/*
 * Where process_vm_* is forbidden (a seccomp profile without
 * CAP_SYS_PTRACE), a pipe does the same check: write() from an address
 * the process cannot read, or read() into one it cannot write, fails with
 * EFAULT instead of a signal.  One pipe, made at start-up, under a mutex.
 */
static int pipe_copy(void *local, void *remote, size_t len, bool to_user)
{
	int ret = 0;

	pthread_mutex_lock(&preload.uaccess_lock);
	for (size_t off = 0; off < len && !ret;) {
		size_t n = len - off > 4096 ? 4096 : len - off;
		void *src = to_user ? (char *)local + off : (char *)remote + off;
		void *dst = to_user ? (char *)remote + off : (char *)local + off;
		ssize_t w = libc()->write(preload.uaccess_pipe[1], src, n), r = 0;

		if (w > 0)
			r = libc()->read(preload.uaccess_pipe[0], dst, (size_t)w);
		if (w != (ssize_t)n || r != w) {
			char sink[4096];

			/* Drain what a short read left behind. */
			while (libc()->read(preload.uaccess_pipe[0], sink, sizeof(sink)) > 0)
				;
			ret = -EFAULT;
		}
		off += n;
	}
	pthread_mutex_unlock(&preload.uaccess_lock);
	return ret;
}

/*
 * At start-up: can this process use process_vm_readv on itself?
 * IOMMUSIM_PRELOAD_UACCESS=pipe takes the fallback anyway (for its tests).
 */
static void uaccess_init(void)
{
	const char *force = getenv("IOMMUSIM_PRELOAD_UACCESS");
	int probe = 1, copy = 0;
	struct iovec l = { .iov_base = &copy, .iov_len = sizeof(copy) };
	struct iovec r = { .iov_base = &probe, .iov_len = sizeof(probe) };

	if ((!force || strcmp(force, "pipe")) &&
	    process_vm_readv(getpid(), &l, 1, &r, 1, 0) == sizeof(copy))
		return;
	if (pipe2(preload.uaccess_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
		shim_fd_internal(preload.uaccess_pipe[0], true);
		shim_fd_internal(preload.uaccess_pipe[1], true);
		atomic_store(&preload.uaccess_mode, UACCESS_PIPE);
	} else
		atomic_store(&preload.uaccess_mode, UACCESS_DIRECT);
}

/*
 * This thread's stack, [lo, hi), as pthread knows it: learnt on the
 * thread's first check (lo = hi = 1 when pthread cannot tell).
 */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));

/*
 * Whether [p, p + len) lies in the calling thread's stack between this
 * frame and the stack's top: memory the thread's live frames use, so it
 * is mapped and writable (the stack is one mapping growing down, and a
 * program does not mprotect its own live frames) and can be copied
 * without a check.  Most ioctl arguments and the buffers of small reads
 * and writes are locals of the caller, and this spares them the two
 * system calls of the checked copy - which cost more than the emulated
 * device does.  A thread running on another stack (sigaltstack, a
 * coroutine) sees its frame outside [lo, hi) and takes the checked path.
 */
/* The thread's stack bounds, once per thread ([1, 1) when unknown). */
static __attribute__((noinline, cold)) void stack_bounds_init(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	stack_lo = stack_hi = 1;
	if (!pthread_getattr_np(pthread_self(), &attr)) {
		if (!pthread_attr_getstack(&attr, &addr, &size)) {
			stack_lo = (uintptr_t)addr;
			stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
}

static inline __attribute__((always_inline)) bool on_live_stack(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, frame = (uintptr_t)__builtin_frame_address(0);

	if (__builtin_expect(!stack_hi, 0))
		stack_bounds_init();
	return frame >= stack_lo && frame < stack_hi && a >= frame &&
	       a < stack_hi && len <= stack_hi - a;
}

/*
 * The unchecked copies (the caller's live stack, or no check available):
 * the bytes are the program's, not the shim's objects.  A struct whose
 * size field runs past the program's local into its other frames is
 * copied as the kernel would copy it, so the copy is not the sanitizer's
 * business (an instrumented program puts redzones between its locals,
 * which are still its mapped stack): byte by byte through volatile, so no
 * compiler turns it back into an intercepted memcpy.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SHIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHIM_ASAN 1
#endif
#endif

__attribute__((no_sanitize("address")))
static void user_copy(void *dst, const void *src, size_t len)
{
#ifdef SHIM_ASAN
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
#else
	memcpy(dst, src, len);	/* no sanitizer to keep out: the fast copy */
#endif
}

/*
 * The kernel copies ioctl arguments with copy_from_user and answers EFAULT
 * for an address the process cannot access.  process_vm_readv on ourselves
 * does the same check without risking a SIGSEGV in the shim.
 */
static __attribute__((noinline)) int uaccess_checked(void *local, void *remote,
						     size_t len, bool to_user)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = remote, .iov_len = len };
	ssize_t n;

	switch (atomic_load_explicit(&preload.uaccess_mode, memory_order_relaxed)) {
	case UACCESS_PIPE:
		return pipe_copy(local, remote, len, to_user);
	case UACCESS_DIRECT:
		break;
	default:
		n = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
			      process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		return n == (ssize_t)len ? 0 : -EFAULT;
	}
	if (to_user)
		user_copy(remote, local, len);
	else
		user_copy(local, remote, len);
	return 0;
}

/*
 * The caller's live stack is copied in line (most ioctl structs are its
 * locals); anything else takes the checked copy out of line, so the
 * common case carries none of its set-up.
 */
static inline __attribute__((always_inline)) int uaccess(void *local, void *remote,
							 size_t len, bool to_user)
{
	if (!len)
		return 0;
	if (!remote)
		return -EFAULT;
	if (!on_live_stack(remote, len))
		return uaccess_checked(local, remote, len, to_user);
	if (to_user)
		user_copy(remote, local, len);
	else
		user_copy(local, remote, len);
	return 0;
}

/*
 * A large range, from /proc/self/maps: whether readable mappings cover
 * [lo, hi) without a gap.  Probing it page by page would fault in (or map
 * the zero page at) every page of a huge mapping - gigabytes of a
 * program's reserved address space for one hostile size field.
 */
static int maps_readable(uintptr_t lo, uintptr_t hi)
{
	char buf[4096], *line, *nl;
	size_t have = 0;
	ssize_t r;
	int fd = libc()->open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	int ret = -EFAULT;

	if (fd < 0)
		return -EFAULT;
	while (lo < hi && (r = libc()->read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)r;
		buf[have] = '\0';
		for (line = buf; lo < hi && (nl = strchr(line, '\n')); line = nl + 1) {
			unsigned long start, end;
			char perms[8];

			*nl = '\0';
			if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
				continue;
			if (end <= lo)
				continue;
			if (start > lo || perms[0] != 'r')
				goto out;	/* a hole or an unreadable mapping */
			lo = end;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	if (lo >= hi)
		ret = 0;
out:
	libc()->close(fd);
	return ret;
}

/*
 * Whether one byte of each of n pages from page is readable: up to 512
 * pages per process_vm_readv (one 1-byte remote segment each), which
 * stops at the first that faults; page by page otherwise; from the
 * process's map for a range too large to probe.
 */
int shim_check_pages(uintptr_t page, uint64_t n)
{
	enum { BATCH = 512, PROBE_MAX = 4096 };
	struct iovec l, r[BATCH];
	unsigned char sink[BATCH];

	if (n > PROBE_MAX)
		return n > (UINTPTR_MAX - page) / 4096 ? -EFAULT :
		       maps_readable(page, page + n * 4096);

	while (n) {
		unsigned int k = n < BATCH ? (unsigned int)n : BATCH;

		if (atomic_load_explicit(&preload.uaccess_mode,
					 memory_order_relaxed) != UACCESS_VM) {
			if (uaccess(sink, (void *)page, 1, false))
				return -EFAULT;
			k = 1;
		} else {
			for (unsigned int i = 0; i < k; i++)
				r[i] = (struct iovec){ (void *)(page + i * 4096UL), 1 };
			l = (struct iovec){ sink, k };
			if (process_vm_readv(getpid(), &l, 1, r, k, 0) != (ssize_t)k)
				return -EFAULT;
		}
		page += k * 4096UL;
		n -= k;
	}
	return 0;
}

int shim_copy_from_user(void *dst, const void *usrc, size_t len)
{
	return uaccess(dst, (void *)usrc, len, false);
}

int shim_copy_to_user(void *udst, const void *src, size_t len)
{
	return uaccess((void *)src, udst, len, true);
}
