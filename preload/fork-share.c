// SPDX-License-Identifier: MIT
/*
 * /dev/iommu shared across fork(), as Linux shares the struct file.
 *
 * A forked child's descriptors of /dev/iommu stand for the parent's open
 * files: one iommufd context, the same IOASes, what the child maps the
 * parent sees (the kernel selftest's fork_gone and fork_present cases).
 * The emulated kernel lives in the parent's memory, so the parent serves
 * the child: at fork a socket pair links the two, a thread of the parent
 * runs each ioctl the child sends on the file it names, and answers.
 *
 * User pointers are the child's, and the parent reads them in its own
 * address space; right for the one pointer the served commands carry -
 * IOAS_MAP's user_va, which names memory that fork() left shared
 * (MAP_SHARED) at the same address, as the selftest's buffer is.  The
 * mapping records the child as its source (iommufd_source): pinning it
 * after the child is gone fails with EFAULT, as pinning from its exited
 * mm does.  Commands whose structs point at more memory answer
 * EOPNOTSUPP in the child; private memory the child maps is the parent's
 * copy of it (docs/preload.md).  Only the forking process's own files
 * are shared: a grandchild's copies of files its parent got from a
 * grandparent are its parent's kernel copy, unshared.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/iommufd/iommufd.h"
#include "preload/preload.h"

#define ARG_MAX_SIZE	4096

struct share_req {
	uint64_t file;			/* the shim_file, same address in both */
	uint32_t cmd;
	uint32_t size;
	uint8_t arg[ARG_MAX_SIZE];
};

struct share_rep {
	int64_t ret;
	uint8_t arg[ARG_MAX_SIZE];
};

/* The child as a mapping's source: alive while its end of the pair is. */
struct share_source {
	struct iommufd_source ops;
	atomic_int refs;
	int fd;				/* a dup of the parent's end */
};

struct fork_share {
	struct fork_share *next;	/* in the parent's live list ... */
	struct fork_share **live;	/* ... whose head is here ... */
	pthread_mutex_t *live_lock;	/* ... under this lock */
	int sock[2];			/* [0] the parent's end, [1] the child's */
	pthread_mutex_t lock;		/* the child's calls, one at a time */
	struct share_source *src;
	int nr_files;
	struct shim_file *files[];
};

static bool source_alive(struct iommufd_source *s)
{
	struct share_source *src = (struct share_source *)s;
	struct pollfd p = { .fd = src->fd, .events = POLLIN | POLLRDHUP };

	return libc()->poll(&p, 1, 0) == 0 ||
	       !(p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static void source_get(struct iommufd_source *s)
{
	atomic_fetch_add(&((struct share_source *)s)->refs, 1);
}

static void source_put(struct iommufd_source *s)
{
	struct share_source *src = (struct share_source *)s;

	if (atomic_fetch_sub(&src->refs, 1) == 1) {
		libc()->close(src->fd);
		free(src);
	}
}

/* The commands whose structs carry no pointer but IOAS_MAP's user_va. */
static bool served(unsigned int cmd)
{
	switch (cmd) {
	case IOMMU_DESTROY:
	case IOMMU_IOAS_ALLOC:
	case IOMMU_IOAS_MAP:
	case IOMMU_IOAS_UNMAP:
	case IOMMU_IOAS_COPY:
	case IOMMU_OPTION:
		return true;
	}
	return false;
}

struct fork_share *fork_share_prepare(struct shim_file *const *fds, int cap,
				      struct fork_share **live,
				      pthread_mutex_t *live_lock)
{
	struct fork_share *sh;
	int n = 0;

	for (int i = 0; i < cap; i++)
		n += fds[i] && iommufd_file_is(fds[i]) &&
		     !iommufd_file_remote(fds[i]);
	if (!n)
		return NULL;
	sh = calloc(1, sizeof(*sh) + n * sizeof(sh->files[0]));
	if (!sh)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sh->sock)) {
		free(sh);
		return NULL;
	}
	pthread_mutex_init(&sh->lock, NULL);
	sh->live = live;
	sh->live_lock = live_lock;
	for (int i = 0; i < cap; i++) {
		struct shim_file *f = fds[i];
		bool dup = false;

		if (!f || !iommufd_file_is(f) || iommufd_file_remote(f))
			continue;
		for (int j = 0; j < sh->nr_files && !dup; j++)
			dup = sh->files[j] == f;
		if (!dup) {
			shim_fget_ref(f);
			sh->files[sh->nr_files++] = f;
		}
	}
	return sh;
}

/* The parent's thread: one request, one answer, until the child is gone. */
static void *share_serve(void *p)
{
	struct fork_share *sh = p;
	struct share_req *rq = malloc(sizeof(*rq));
	struct share_rep *rp = malloc(sizeof(*rp));
	ssize_t n;

	while (rq && rp &&
	       (n = recv(sh->sock[0], rq, sizeof(*rq), 0)) >= (ssize_t)offsetof(struct share_req, arg)) {
		struct shim_file *f = NULL;
		size_t size = (size_t)n - offsetof(struct share_req, arg);

		for (int i = 0; i < sh->nr_files; i++)
			if ((uintptr_t)sh->files[i] == rq->file)
				f = sh->files[i];
		rp->ret = -EBADF;
		if (f && served(rq->cmd) && size >= sizeof(uint32_t)) {
			shim_call_begin();
			rp->ret = iommufd_ioctl_source(iommufd_file_ctx(f), rq->cmd,
						       (unsigned long)rq->arg,
						       &sh->src->ops);
			shim_call_end();
		}
		memcpy(rp->arg, rq->arg, size);
		if (send(sh->sock[0], rp, offsetof(struct share_rep, arg) + size,
			 MSG_NOSIGNAL) < 0)
			break;
	}
	free(rq);
	free(rp);
	pthread_mutex_lock(sh->live_lock);
	for (struct fork_share **pp = sh->live; *pp; pp = &(*pp)->next) {
		if (*pp == sh) {
			*pp = sh->next;
			break;
		}
	}
	pthread_mutex_unlock(sh->live_lock);
	for (int i = 0; i < sh->nr_files; i++) {
		shim_call_begin();
		shim_fput(sh->files[i]);
		shim_call_end();
	}
	libc()->close(sh->sock[0]);
	source_put(&sh->src->ops);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
	return NULL;
}

/*
 * After the fork, in the parent (live_lock held): serve the child, or
 * give up, when the child's calls answer EIO.
 */
void fork_share_parent(struct fork_share *sh)
{
	pthread_attr_t attr;
	pthread_t t;
	bool ok;

	libc()->close(sh->sock[1]);
	sh->src = calloc(1, sizeof(*sh->src));
	ok = sh->src && (sh->src->fd = libc()->fcntl(sh->sock[0], F_DUPFD_CLOEXEC, 0)) >= 0;
	if (ok) {
		sh->src->ops = (struct iommufd_source){ source_alive, source_get,
							source_put };
		atomic_init(&sh->src->refs, 1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		sh->next = *sh->live;
		*sh->live = sh;	/* before the thread can unlink itself */
		ok = !pthread_create(&t, &attr, share_serve, sh);
		pthread_attr_destroy(&attr);
		if (!ok)
			*sh->live = sh->next;
	}
	if (ok)
		return;
	if (sh->src) {
		if (sh->src->fd >= 0)
			libc()->close(sh->src->fd);
		free(sh->src);
	}
	libc()->close(sh->sock[0]);
	for (int i = 0; i < sh->nr_files; i++)
		shim_fput(sh->files[i]);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

/*
 * After the fork, in the child: its copies of the files become remote.
 * The parent's other channels are not the child's: their ends close.
 */
void fork_share_child(struct fork_share *sh, struct fork_share **live)
{
	for (struct fork_share *o = *live; o; o = o->next) {
		libc()->close(o->sock[0]);
		libc()->close(o->src->fd);
	}
	*live = NULL;	/* their memory stays: a thread of the parent owned it */
	if (!sh)
		return;
	libc()->close(sh->sock[0]);
	pthread_mutex_init(&sh->lock, NULL);
	for (int i = 0; i < sh->nr_files; i++) {
		iommufd_file_set_remote(sh->files[i], sh);
		shim_fput(sh->files[i]);	/* the parent's reference */
	}
}

/* In the child, a file of the parent's: the ioctl runs there. */
long fork_share_call(struct fork_share *sh, struct shim_file *f,
		     unsigned int cmd, unsigned long arg)
{
	struct share_req *rq;
	struct share_rep *rp;
	uint32_t size;
	ssize_t n;
	long ret;

	if (!served(cmd))
		return -EOPNOTSUPP;
	if (shim_copy_from_user(&size, (void *)arg, sizeof(size)))
		return -EFAULT;
	if (size > ARG_MAX_SIZE)
		return -E2BIG;
	rq = malloc(sizeof(*rq));
	rp = malloc(sizeof(*rp));
	ret = -ENOMEM;
	if (!rq || !rp)
		goto out;
	ret = -EFAULT;
	if (shim_copy_from_user(rq->arg, (void *)arg, size))
		goto out;
	rq->file = (uintptr_t)f;
	rq->cmd = cmd;
	rq->size = size;
	pthread_mutex_lock(&sh->lock);
	ret = -EIO;	/* the parent went away */
	if (send(sh->sock[1], rq, offsetof(struct share_req, arg) + size,
		 MSG_NOSIGNAL) >= 0 &&
	    (n = recv(sh->sock[1], rp, sizeof(*rp), 0)) >=
	    (ssize_t)offsetof(struct share_rep, arg)) {
		ret = rp->ret;
		if (!ret && shim_copy_to_user((void *)arg, rp->arg, size))
			ret = -EFAULT;
	}
	pthread_mutex_unlock(&sh->lock);
out:
	free(rq);
	free(rp);
	return ret;
}
