/* SPDX-License-Identifier: MIT */
/*
 * The LD_PRELOAD shim's inside: emulated files behind real descriptors.
 *
 * A program under libiommusim-preload.so that opens /dev/iommu or
 * /dev/vfio/devices/vfioN gets a real descriptor (an eventfd, so the number
 * is unique in the process, close()-able and poll/select/epoll-able), and
 * the shim remembers which emulated file that number stands for.  ioctl,
 * read, write, poll and close on such a number are served by the file's
 * ops, as the kernel's VFS would call a driver's file_operations; every
 * other descriptor passes through to libc untouched.
 *
 * The eventfd doubles as the readiness signal: its counter is non-zero
 * exactly when the file would report POLLIN, so even calls the shim does
 * not intercept (select, epoll_wait) wake up when they should.
 *
 * The shim necessarily has process-wide state (the descriptor table, the
 * emulated machine); all of it lives in struct preload (preload.c).  The
 * kernel it drives has none.
 */
#ifndef IOMMUSIM_PRELOAD_PRELOAD_H
#define IOMMUSIM_PRELOAD_PRELOAD_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct shim_file;
struct epoll_event;

/* A driver's file_operations, reduced to what the shim serves. */
struct shim_file_ops {
	const char *name;
	/* 0 or a positive result, or -errno.  NULL: -ENOTTY. */
	long (*ioctl)(struct shim_file *f, unsigned long cmd, unsigned long arg);
	/* Bytes or -errno.  NULL: -EINVAL, as the VFS answers. */
	ssize_t (*read)(struct shim_file *f, void *buf, size_t count);
	ssize_t (*write)(struct shim_file *f, const void *buf, size_t count);
	/* pread/pwrite at an offset.  NULL: -EINVAL (no read/write op). */
	ssize_t (*pread)(struct shim_file *f, void *buf, size_t count, off_t off);
	ssize_t (*pwrite)(struct shim_file *f, const void *buf, size_t count,
			  off_t off);
	/* POLL* mask.  NULL: the VFS's DEFAULT_POLLMASK. */
	unsigned int (*poll)(struct shim_file *f);
	/* The last descriptor for the file was closed. */
	void (*release)(struct shim_file *f);
};

#define SHIM_DEFAULT_POLLMASK	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct shim_file {
	atomic_int refs;		/* descriptors + calls in flight */
	const struct shim_file_ops *ops;
	void *priv;
	int efd;			/* the eventfd every dup of it shares */
	int accmode;			/* O_RDONLY, O_WRONLY or O_RDWR */
	atomic_bool readable;		/* mirrored in the eventfd's counter */
	struct shim_file *deferred_next; /* a release waiting for shim_call_end */
};

/*
 * A new file with one reference, behind a new descriptor (O_CLOEXEC and
 * O_NONBLOCK honoured).  Returns the descriptor or -errno; on failure the
 * file is not created and release is not called.
 */
int shim_file_install(const struct shim_file_ops *ops, void *priv, int flags,
		      struct shim_file **out);
/*
 * The same for a descriptor some layer below already opened (an event
 * queue's eventfd): the client gets a dup of fd standing for the new file,
 * whose readiness stays whatever fd's owner makes it.  The file's release
 * op hands fd back to that owner.
 */
int shim_file_adopt(int fd, const struct shim_file_ops *ops, void *priv,
		    int flags);
/* Whether any descriptor stands for a file of ours (a lock-free hint). */
bool shim_any_files(void);
/* Whether fd stands for a file of ours now. */
bool shim_fd_is_ours(int fd);
/*
 * Around every call that may enter the emulated kernel (a file op, a
 * release): a fork() waits until none is in flight, and a last reference
 * dropped inside is released at the outermost end, after the op returned
 * and dropped its locks, as Linux defers __fput (preload.c).
 */
void shim_call_begin(void);
void shim_call_end(void);
/* The file behind fd with a reference held, or NULL when fd is not ours. */
struct shim_file *shim_fget(int fd);
void shim_fget_ref(struct shim_file *f);
/* Drops a reference; the last one's release waits for shim_call_end. */
void shim_fput(struct shim_file *f);
/* Descriptor fd no longer stands for a file of ours: returns it (referenced). */
struct shim_file *shim_fd_forget(int fd);
/* Every descriptor of ours in [first, last] is being closed (close_range). */
void shim_fd_forget_range(unsigned int first, unsigned int last);
/* Descriptor newfd (a dup) stands for f too; *old is what it stood for. */
int shim_fd_alias(int newfd, struct shim_file *f, struct shim_file **old);
/*
 * Descriptors the emulated kernel keeps for itself (add, or remove): the
 * program's close/close_range pass them by.  0, or -EMFILE when the
 * table of SHIM_MAX_INTERNAL_FDS is full.
 */
#define SHIM_MAX_INTERNAL_FDS	256
int shim_fd_internal(int fd, bool add);
bool shim_fd_is_internal(int fd);
int shim_fd_next_internal(unsigned int first, unsigned int last);
/* Whether fd is an open descriptor at all (ours or the real kernel's). */
bool shim_fd_is_open(int fd);
/* Sets POLLIN readiness: the eventfd counter follows. */
void shim_file_set_readable(struct shim_file *f, bool readable);

/*
 * copy_from_user/copy_to_user: 0, or -EFAULT where the process could not
 * read or write the range, as the kernel would answer rather than crash.
 */
int shim_copy_from_user(void *dst, const void *usrc, size_t len);
int shim_copy_to_user(void *udst, const void *src, size_t len);
/* 0 when a byte of each of n 4K pages from page can be read, or -EFAULT. */
int shim_check_pages(uintptr_t page, uint64_t n);
/*
 * The address of field in the program's struct at up: by byte offset, as
 * the kernel's &uarg->field, without dereferencing a pointer the program
 * may have misaligned (C's member access would be undefined there).
 */
#define SHIM_UFIELD(up, type, field)					\
	((void *)((char *)(up) + offsetof(type, field)))

/* The real libc functions, resolved once. */
struct libc_fns {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const void *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	void *(*opendir)(const char *);
	struct dirent *(*readdir)(void *);
	struct dirent *(*readdir64)(void *);
	int (*dirfd)(void *);
	int (*closedir)(void *);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	/* _FORTIFY_SOURCE's checked opens; NULL if this libc lacks one. */
	int (*open_2)(const char *, int);
	int (*open64_2)(const char *, int);
	int (*openat_2)(int, const char *, int);
	int (*openat64_2)(int, const char *, int);
};
const struct libc_fns *libc(void);

/* The emulated machine and its devices, built on first use (machine.c). */
struct phys_mem;
struct preload_machine;
struct preload_config;
struct kernel;
struct device;

/* 0 and *m, or -errno (a bad configuration prints why on stderr). */
int preload_machine_get(struct preload_machine **m);
/* The process's address space as the machine sees it; NULL before the first open. */
struct phys_mem *preload_host_mem(void);
int preload_machine_build(struct phys_mem *mem, struct preload_machine **m);
struct kernel *preload_machine_kernel(struct preload_machine *m);
int preload_machine_nr_devices(struct preload_machine *m);
struct preload_vdev *preload_machine_vdev(struct preload_machine *m, int idx);

/*
 * fault-inject.c: fail-nth and the debugfs fault-injection knobs.  The
 * opener answers -ENOENT with *served false for a path it does not serve.
 */
struct dirent;
int fault_inject_open(int dirfd, const char *path, int flags, bool *served);
bool fault_inject_is_dir_path(const char *path);
void *fault_inject_opendir(void);
bool fault_inject_is_dir(const void *dir);
struct dirent *fault_inject_readdir(void *dir);
int fault_inject_dirfd(void *dir);
int fault_inject_closedir(void *dir);

/*
 * fork-share.c: the parent's /dev/iommu files served to a fork()ed child.
 * prepare (fork_lock and the table held) takes the files to share, or
 * NULL; parent/child finish it on each side of the fork.
 */
struct fork_share;
struct fork_share *fork_share_prepare(struct shim_file *const *fds, int cap,
				      struct fork_share **live,
				      pthread_mutex_t *live_lock);
void fork_share_parent(struct fork_share *sh);
void fork_share_child(struct fork_share *sh, struct fork_share **live);
long fork_share_call(struct fork_share *sh, struct shim_file *f,
		     unsigned int cmd, unsigned long arg);
/* A child's file whose ioctls its parent serves (NULL: a local file). */
struct fork_share *iommufd_file_remote(struct shim_file *f);
void iommufd_file_set_remote(struct shim_file *f, struct fork_share *sh);

/* Openers for the paths the shim serves. */
int iommufd_file_open(int flags);
bool iommufd_file_is(struct shim_file *f);
struct iommufd_ctx *iommufd_file_ctx(struct shim_file *f);
int vfio_cdev_open(int index, int flags);

/*
 * The vfio device backing /dev/vfio/devices/vfioN (vfio.c): the board
 * file's device for a machine endpoint, whose register BAR is region 0.
 */
#define PRELOAD_EP_VECTORS	8	/* each endpoint's MSI vectors */
struct platform;
struct ep_device;
struct preload_vdev *preload_vdev_create(struct preload_machine *m,
					 struct platform *p,
					 struct ep_device *epd, int index);
void preload_vdev_destroy(struct preload_vdev *vdev);

/*
 * The host's interrupt routing (machine.c): the LPI an MSI vector was
 * given is delivered to vfio_irqs_fire(irqs, vec).  0, or -ENOSPC.
 */
struct vfio_irqs;
int preload_machine_route_lpi(struct preload_machine *m, uint32_t lpi,
			      struct vfio_irqs *irqs, unsigned int vec);
void preload_machine_unroute_lpis(struct preload_machine *m,
				  const struct vfio_irqs *irqs);

#endif
