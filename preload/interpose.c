// SPDX-License-Identifier: MIT
/*
 * The libc entry points the shim interposes, and nothing else.
 *
 * open/openat (and their 64-bit and _FORTIFY_SOURCE __*_2 variants) serve
 * /dev/iommu, /dev/vfio/devices/vfioN and the fault-injection files
 * (fault-inject.c, with opendir and friends for /sys/kernel/debug); every
 * other path goes to libc.
 * ioctl, read, write, pread, pwrite, poll, ppoll, epoll_ctl and close on a
 * descriptor of ours go to its emulated file, following the VFS's order
 * of checks (access mode before a missing read op, the generic
 * FIOCLEX/FIONBIO ioctls before the driver's); on any other descriptor
 * they are libc's, untouched.  dup, dup2, dup3 and fcntl(F_DUPFD*)
 * duplicate the real eventfd and make the new number stand for the same
 * file, as a dup shares a struct file.  mmap and munmap are mmap.c's.
 *
 * Each entry point sets errno and returns -1 exactly where the kernel's
 * system call would fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "preload/preload.h"

/* The exported symbols: see preload/preload.map. */
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int close(int fd);
int close_range(unsigned int first, unsigned int last, int flags);
void closefrom(int lowfd);
int ioctl(int fd, unsigned long request, ...);
ssize_t read(int fd, void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count);
int poll(struct pollfd *fds, nfds_t nfds, int timeout);
int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
	  const sigset_t *sigmask);
int dup(int fd);
int dup2(int oldfd, int newfd);
int dup3(int oldfd, int newfd, int flags);
int fcntl(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...);
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
ssize_t pread(int fd, void *buf, size_t count, off_t off);
ssize_t pread64(int fd, void *buf, size_t count, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t count, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off);
DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
struct dirent64 *readdir64(DIR *dir);
int dirfd(DIR *dir);
int closedir(DIR *dir);

static long set_errno(long ret)
{
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* Drops a reference that may be the last: release enters the kernel. */
static void put_call(struct shim_file *f)
{
	if (!f)
		return;
	shim_call_begin();
	shim_fput(f);
	shim_call_end();
}

/* ------------------------------------------------------------ open */

#define VFIO_CDEV_PREFIX	"/dev/vfio/devices/vfio"

/*
 * -ENOENT when path is not one the shim serves (the caller then asks
 * libc), else the result of opening it: a descriptor or -errno.
 */
static int serve_open(int dirfd, const char *path, int flags, bool *served)
{
	const char *p;
	long idx = 0;
	int ret;

	*served = false;
	if (!path)
		return -EFAULT;
	ret = fault_inject_open(dirfd, path, flags, served);
	if (*served)
		return ret;
	if (!strcmp(path, "/dev/iommu")) {
		*served = true;
	} else if (!strncmp(path, VFIO_CDEV_PREFIX, strlen(VFIO_CDEV_PREFIX))) {
		p = path + strlen(VFIO_CDEV_PREFIX);
		/* vfio0, vfio1, ...: the names the kernel gives, nothing else. */
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
			return -ENOENT;
		for (; *p >= '0' && *p <= '9'; p++)
			if ((idx = idx * 10 + (*p - '0')) > 1 << 20)
				return -ENOENT;
		if (*p)
			return -ENOENT;
		*served = true;
	} else {
		return -ENOENT;
	}
	/* A character device node: what open(2) says about such flags. */
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	shim_call_begin();
	ret = path[5] == 'i' ? iommufd_file_open(flags) :
			       vfio_cdev_open((int)idx, flags);
	shim_call_end();
	return ret;
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	bool served;
	int ret = serve_open(dirfd, path, flags, &served);

	if (served)
		return (int)set_errno(ret);
	if (dirfd == AT_FDCWD)
		return libc()->open(path, flags, mode);
	return libc()->openat(dirfd, path, flags, mode);
}

/* The mode argument is there only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last) ({					\
	mode_t __m = 0;							\
	if ((flags) & (O_CREAT | __O_TMPFILE)) {			\
		va_list ap;						\
		va_start(ap, last);					\
		__m = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	__m;								\
})

int open(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags, OPEN_MODE(flags, flags));
}

int open64(const char *path, int flags, ...)
{
	return do_openat(AT_FDCWD, path, flags, OPEN_MODE(flags, flags));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags, OPEN_MODE(flags, flags));
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	return do_openat(dirfd, path, flags, OPEN_MODE(flags, flags));
}

/*
 * _FORTIFY_SOURCE's checked opens: a served path is ours; any other path
 * goes to libc's own __*_2, which keeps its O_CREAT-without-mode abort.
 */
int __open_2(const char *path, int flags)
{
	bool served;
	int ret = serve_open(AT_FDCWD, path, flags, &served);

	if (served)
		return (int)set_errno(ret);
	return libc()->open_2 ? libc()->open_2(path, flags) :
				do_openat(AT_FDCWD, path, flags, 0);
}

int __open64_2(const char *path, int flags)
{
	bool served;
	int ret = serve_open(AT_FDCWD, path, flags, &served);

	if (served)
		return (int)set_errno(ret);
	return libc()->open64_2 ? libc()->open64_2(path, flags) :
				  do_openat(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	bool served;
	int ret = serve_open(dirfd, path, flags, &served);

	if (served)
		return (int)set_errno(ret);
	return libc()->openat_2 ? libc()->openat_2(dirfd, path, flags) :
				  do_openat(dirfd, path, flags, 0);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	bool served;
	int ret = serve_open(dirfd, path, flags, &served);

	if (served)
		return (int)set_errno(ret);
	return libc()->openat64_2 ? libc()->openat64_2(dirfd, path, flags) :
				    do_openat(dirfd, path, flags, 0);
}

/* ------------------------------------------------- close and dup */

int close(int fd)
{
	struct shim_file *f;
	int ret;

	/* Not a descriptor of the program's: on Linux it does not exist. */
	if (shim_fd_is_internal(fd)) {
		errno = EBADF;
		return -1;
	}
	f = shim_fd_forget(fd);
	ret = libc()->close(fd);
	put_call(f);
	return ret;
}

/*
 * close_range and closefrom close descriptors of ours behind close()'s
 * back: forget them first, or a file opened later at one of their numbers
 * would be taken for ours.  (CLOSE_RANGE_CLOEXEC only marks them.)  The
 * emulated kernel's own descriptors are stepped over: the program never
 * had them.
 */
static int close_range_around(unsigned int first, unsigned int last, int flags)
{
	int ret = 0, skip;

	if (!(flags & CLOSE_RANGE_CLOEXEC))
		shim_fd_forget_range(first, last);
	while (!ret && first <= last &&
	       (skip = shim_fd_next_internal(first, last)) >= 0) {
		if ((unsigned int)skip > first)
			ret = libc()->close_range(first, (unsigned int)skip - 1, flags);
		if ((unsigned int)skip == last)
			return ret;
		first = (unsigned int)skip + 1;
	}
	return ret ? ret : libc()->close_range(first, last, flags);
}

int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!libc()->close_range) {
		errno = ENOSYS;
		return -1;
	}
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	return close_range_around(first, last, flags);
}

void closefrom(int lowfd)
{
	if (lowfd < 0)
		return;
	if (libc()->close_range) {
		close_range_around((unsigned int)lowfd, ~0U, 0);
		return;
	}
	shim_fd_forget_range((unsigned int)lowfd, ~0U);
	if (libc()->closefrom)
		libc()->closefrom(lowfd);
}

/*
 * After a real dup of f's descriptor (or of some other file, f NULL) into
 * newfd: newfd stands for f now, and whatever of ours it stood for before
 * has lost that descriptor, as dup2 closes its target.
 */
static int dup_done(struct shim_file *f, int newfd)
{
	struct shim_file *old = NULL;
	int err = 0;

	if (newfd >= 0) {
		if (f)
			err = shim_fd_alias(newfd, f, &old);
		else
			old = shim_fd_forget(newfd);
		put_call(old);
		if (err) {
			libc()->close(newfd);
			newfd = (int)set_errno(err);
		}
	}
	put_call(f);
	return newfd;
}
int dup(int fd)
{
	struct shim_file *f = shim_fget(fd);

	return dup_done(f, libc()->dup(fd));
}

int dup2(int oldfd, int newfd)
{
	struct shim_file *f = shim_fget(oldfd);
	int ret = libc()->dup2(oldfd, newfd);

	if (ret >= 0 && oldfd == newfd) {
		put_call(f);
		return ret;
	}
	return dup_done(f, ret);
}

int dup3(int oldfd, int newfd, int flags)
{
	struct shim_file *f = shim_fget(oldfd);

	return dup_done(f, libc()->dup3(oldfd, newfd, flags));
}

static int do_fcntl(int fd, int cmd, void *arg)
{
	struct shim_file *f;

	if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
		return libc()->fcntl(fd, cmd, arg);
	f = shim_fget(fd);
	return dup_done(f, libc()->fcntl(fd, cmd, arg));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* ----------------------------------------------------- ioctl, rw */

int ioctl(int fd, unsigned long request, ...)
{
	unsigned int cmd = (unsigned int)request;	/* the kernel's width */
	struct shim_file *f;
	unsigned long arg;
	va_list ap;
	long ret;

	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	f = shim_fget(fd);
	if (!f)
		return libc()->ioctl(fd, request, arg);
	shim_call_begin();
	switch (cmd) {
	/* do_vfs_ioctl handles these on any file: the eventfd does them. */
	case FIOCLEX:
	case FIONCLEX:
	case FIONBIO:
	case FIOASYNC:
		ret = libc()->ioctl(fd, request, arg);
		break;
	default:
		ret = f->ops->ioctl ? set_errno(f->ops->ioctl(f, cmd, arg)) :
				      set_errno(-ENOTTY);
		break;
	}
	shim_fput(f);
	shim_call_end();
	return (int)ret;
}

/*
 * read, write, pread and pwrite on a file of ours, with the VFS's checks
 * in its order: the file's mode (EBADF), a negative offset (EINVAL), an op
 * the file lacks (EINVAL).  pos: the positional pair, at off.
 */
static ssize_t file_rw(struct shim_file *f, bool write, void *buf, size_t count,
		       off_t off, bool pos)
{
	const struct shim_file_ops *ops = f->ops;
	bool have = pos ? (write ? !!ops->pwrite : !!ops->pread) :
			  (write ? !!ops->write : !!ops->read);
	ssize_t ret;

	shim_call_begin();
	if (f->accmode == (write ? O_RDONLY : O_WRONLY))
		ret = -EBADF;
	else if ((pos && off < 0) || !have)
		ret = -EINVAL;
	else if (pos)
		ret = write ? ops->pwrite(f, buf, count, off) : ops->pread(f, buf, count, off);
	else
		ret = write ? ops->write(f, buf, count) : ops->read(f, buf, count);
	shim_fput(f);
	shim_call_end();
	return set_errno(ret);
}

ssize_t read(int fd, void *buf, size_t count)
{
	struct shim_file *f = shim_fget(fd);

	return f ? file_rw(f, false, buf, count, 0, false) : libc()->read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	struct shim_file *f = shim_fget(fd);

	return f ? file_rw(f, true, (void *)buf, count, 0, false) :
		   libc()->write(fd, buf, count);
}

/* pread/pwrite: a VFIO device's regions live at offsets of its fd. */
ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	struct shim_file *f = shim_fget(fd);

	return f ? file_rw(f, false, buf, count, off, true) :
		   libc()->pread(fd, buf, count, off);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t off)
{
	return pread(fd, buf, count, off);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	struct shim_file *f = shim_fget(fd);

	return f ? file_rw(f, true, (void *)buf, count, off, true) :
		   libc()->pwrite(fd, buf, count, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off)
{
	return pwrite(fd, buf, count, off);
}

/* ------------------------------------------------------------ poll */

static long ts_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * Our entries are answered from their file's poll op.  While none of them
 * is ready, the real ppoll waits on the others and on our eventfds for
 * POLLIN, which a file raises when it becomes readable; a file already
 * readable (whose caller wants something else) has nothing more to say
 * and is left out of the wait.  tmo NULL waits forever.
 *
 * The array is the program's: do_sys_poll copies it in (EINVAL past
 * RLIMIT_NOFILE entries, EFAULT where unreadable) and puts each revents
 * back (EFAULT where unwritable), so the shim works on a copy, in[], and
 * hands libc its own wait[] behind it.
 */
static int poll_copy_in(struct pollfd *ufds, nfds_t n, struct pollfd **in)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && n > rl.rlim_cur)
		return -EINVAL;
	*in = malloc(2 * (n ? n : 1) * sizeof(**in));
	if (!*in)
		return -ENOMEM;
	if (shim_copy_from_user(*in, ufds, n * sizeof(**in))) {
		free(*in);
		return -EFAULT;
	}
	return 0;
}

/* One pass over our files: how many are ready, and wait[] for the rest. */
static int poll_files(struct pollfd *in, struct pollfd *wait,
		      struct shim_file **files, nfds_t n)
{
	int ready = 0;

	for (nfds_t i = 0; i < n; i++) {
		struct shim_file *f = files[i];
		unsigned int mask;

		if (!f)
			continue;
		shim_call_begin();
		mask = f->ops->poll ? f->ops->poll(f) : SHIM_DEFAULT_POLLMASK;
		shim_call_end();
		in[i].revents = (short)(mask & ((unsigned short)in[i].events |
						POLLERR | POLLHUP));
		ready += !!in[i].revents;
		wait[i].fd = (mask & POLLIN) ? -1 : in[i].fd;
		wait[i].events = POLLIN;
	}
	return ready;
}

static void poll_deadline(const struct timespec *tmo, struct timespec *deadline)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += tmo->tv_sec;
	deadline->tv_nsec += tmo->tv_nsec;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

static int shim_poll(struct pollfd *ufds, nfds_t n, const struct timespec *tmo,
		     const sigset_t *sigmask)
{
	struct timespec deadline, wait = { 0, 0 };
	struct pollfd *in, *wait_fds;
	struct shim_file **files;
	bool ours = false;
	int ret;
	nfds_t i;

	if (!shim_any_files())
		return libc()->ppoll(ufds, n, tmo, sigmask);
	ret = poll_copy_in(ufds, n, &in);
	if (ret)
		return (int)set_errno(ret);
	for (i = 0; i < n && !ours; i++)
		ours = shim_fd_is_ours(in[i].fd);
	files = ours ? calloc(n, sizeof(*files)) : NULL;
	if (!files) {
		free(in);
		if (ours)
			return (int)set_errno(-ENOMEM);
		return libc()->ppoll(ufds, n, tmo, sigmask);
	}
	wait_fds = in + n;
	memcpy(wait_fds, in, n * sizeof(*in));
	for (i = 0; i < n; i++)
		files[i] = shim_fget(in[i].fd);
	if (tmo)
		poll_deadline(tmo, &deadline);
	for (;;) {
		int ready = poll_files(in, wait_fds, files, n), others = 0, r;

		if (ready) {
			for (i = 0; i < n; i++)
				if (files[i])
					wait_fds[i].fd = -1;
			wait.tv_sec = wait.tv_nsec = 0;
		} else if (tmo) {
			long ms = ts_ms_left(&deadline);

			ms = ms < 0 ? 0 : ms;
			wait.tv_sec = ms / 1000;
			wait.tv_nsec = (ms % 1000) * 1000000L;
		}
		r = libc()->ppoll(wait_fds, n, (ready || tmo) ? &wait : NULL, sigmask);
		if (r < 0) {
			ret = -1;
			break;
		}
		for (i = 0; i < n; i++) {
			if (files[i])
				continue;
			in[i].revents = wait_fds[i].revents;
			others += !!wait_fds[i].revents;
		}
		ret = ready + others;
		/* Done, unless only an eventfd of ours woke the wait. */
		if (ready || others || r == 0)
			break;
	}
	for (i = 0; i < n; i++)
		put_call(files[i]);
	/* __put_user of each revents. */
	for (i = 0; i < n && ret >= 0; i++)
		if (shim_copy_to_user(SHIM_UFIELD((char *)ufds + i * sizeof(*ufds),
						  struct pollfd, revents),
				      &in[i].revents, sizeof(in[i].revents)))
			ret = (int)set_errno(-EFAULT);
	free(files);
	free(in);
	return ret;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec ts = {
		.tv_sec = timeout / 1000, .tv_nsec = (timeout % 1000) * 1000000L,
	};

	return shim_poll(fds, nfds, timeout < 0 ? NULL : &ts, NULL);
}

int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
	  const sigset_t *sigmask)
{
	return shim_poll(fds, nfds, tmo, sigmask);
}

/*
 * epoll: a file without a poll op cannot be watched (EPERM, as ep_insert
 * answers for /dev/iommu and a VFIO device); one with a poll op is watched
 * through its eventfd, which is readable exactly when the file is.
 */
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct shim_file *f = shim_fget(fd);
	bool pollable = !f || f->ops->poll;

	put_call(f);
	if (!pollable && op == EPOLL_CTL_ADD) {
		errno = EPERM;
		return -1;
	}
	return libc()->epoll_ctl(epfd, op, fd, event);
}

/* ---------------------------------------------------- directories */

/*
 * opendir("/sys/kernel/debug") lists the fault-injection directories the
 * shim serves (fault-inject.c); every other directory is libc's.  The
 * directory functions tell the shim's DIR from libc's by its first word.
 */
DIR *opendir(const char *path)
{
	if (fault_inject_is_dir_path(path))
		return fault_inject_opendir();
	return libc()->opendir(path);
}

struct dirent *readdir(DIR *dir)
{
	if (fault_inject_is_dir(dir))
		return fault_inject_readdir(dir);
	return libc()->readdir(dir);
}

struct dirent64 *readdir64(DIR *dir)
{
	if (fault_inject_is_dir(dir))
		return (struct dirent64 *)(void *)fault_inject_readdir(dir);
	return (struct dirent64 *)(void *)libc()->readdir64(dir);
}

int dirfd(DIR *dir)
{
	if (fault_inject_is_dir(dir))
		return fault_inject_dirfd(dir);
	return libc()->dirfd(dir);
}

int closedir(DIR *dir)
{
	if (fault_inject_is_dir(dir))
		return fault_inject_closedir(dir);
	return libc()->closedir(dir);
}
