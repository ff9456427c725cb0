// SPDX-License-Identifier: MIT
/*
 * Event queues with a file descriptor (drivers/iommu/iommufd/eventq.c):
 * the vEVENTQ, where a driver reports a vIOMMU's events (an SMMUv3 event
 * record with the virtual StreamID), and the fault queue of I/O page
 * faults.  Each has a real eventfd so user space can poll and close it;
 * read() and write() are served by iommufd_fd_read/write with the
 * kernel's rules:
 *   vEVENTQ read: whole {iommufd_vevent_header, payload} records only, as
 *     many as fit (0 when the first does not).  A full queue (depth events)
 *     drops a new event and puts the queue's one LOST_EVENTS header at its
 *     tail carrying the dropped event's sequence; the header stays at the
 *     tail, re-stamped, while drops go on, and leaves when a real event
 *     comes after it (the sequence gap then tells), as Linux's
 *     iommufd_vevent_handler does.  The sequence counts every reported
 *     event, dropped ones included, and wraps after INT_MAX.
 *   fault read/write: multiples of struct iommu_hwpt_pgfault /
 *     iommu_hwpt_page_response, else -ESPIPE.  Nothing produces I/O page
 *     faults here yet (the core has no IOPF), so reads return 0 and a
 *     response names no pending cookie (-EINVAL).
 * The fd holds the object (IOMMU_DESTROY says -EBUSY until it is closed).
 */
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kernel/iommufd/iommufd-priv.h"

int iommufd_eventq_init(struct iommufd_ctx *ictx, struct iommufd_eventq *q)
{
	INIT_LIST_HEAD(&q->deliver);
	q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->fd < 0)
		return -EMFILE;
	q->obj.users = 1;	/* the fd */
	mutex_lock(&ictx->events_lock);
	list_add_tail(&q->fd_node, &ictx->eventqs);
	mutex_unlock(&ictx->events_lock);
	return 0;
}

static void eventq_signal(struct iommufd_eventq *q)
{
	u64 one = 1;

	if (q->fd >= 0 && write(q->fd, &one, sizeof(one)) < 0)
		return;	/* counter saturated: still readable */
}

static void eventq_drain_signal(struct iommufd_eventq *q)
{
	u64 v;

	if (q->fd >= 0 && list_empty(&q->deliver) && read(q->fd, &v, sizeof(v)) < 0)
		return;	/* nothing was pending */
}

void iommufd_eventq_destroy(struct iommufd_object *obj)
{
	struct iommufd_eventq *q = container_of(obj, struct iommufd_eventq, obj);
	struct iommufd_event *e, *en, *lost = NULL;
	struct iommufd_ctx *ictx = NULL;

	if (obj->type == IOMMUFD_OBJ_VEVENTQ) {
		struct iommufd_veventq *vq =
			container_of(q, struct iommufd_veventq, common);

		ictx = vq->viommu->ictx;
		mutex_lock(&ictx->events_lock);
		list_del(&vq->node);
		mutex_unlock(&ictx->events_lock);
		vq->viommu->obj.users--;
		lost = vq->lost;
	} else {
		struct iommufd_fault *f = container_of(q, struct iommufd_fault, common);

		list_for_each_entry_safe(e, en, &f->response, node)
			kfree(e);
	}
	list_for_each_entry_safe(e, en, &q->deliver, node)
		if (e != lost)
			kfree(e);
	kfree(lost);
	kfree(q);
}

/* ------------------------------------------------------------ fault */

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *f;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	f = kzalloc(ucmd->ictx->k, sizeof(*f));
	if (!f)
		return -ENOMEM;
	INIT_LIST_HEAD(&f->response);
	rc = iommufd_object_add(ucmd->ictx, &f->common.obj, IOMMUFD_OBJ_FAULT);
	if (rc)
		goto err_free;
	rc = iommufd_eventq_init(ucmd->ictx, &f->common);
	if (rc)
		goto err_remove;
	cmd->out_fault_id = f->common.obj.id;
	cmd->out_fault_fd = f->common.fd;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));

err_remove:
	iommufd_object_remove(ucmd->ictx, &f->common.obj);
err_free:
	kfree(f);
	return rc;
}

static ssize_t fault_read(struct iommufd_fault *f, void *ubuf, size_t count,
			  iommufd_copy_out_fn copy_out)
{
	const size_t fault_size = sizeof(struct iommu_hwpt_pgfault);
	struct iommufd_event *e, *en;
	size_t done = 0;
	int rc = 0;

	if (count % fault_size)
		return -ESPIPE;
	list_for_each_entry_safe(e, en, &f->common.deliver, node) {
		if (count - done < fault_size)
			break;
		if (copy_out((u8 *)ubuf + done, e->data, fault_size)) {
			rc = -EFAULT;	/* stays queued */
			break;
		}
		done += fault_size;
		list_del(&e->node);
		list_add_tail(&e->node, &f->response);
	}
	return done ? (ssize_t)done : rc;
}

ssize_t iommufd_fault_write(struct iommufd_ctx *ictx, struct iommufd_fault *f,
			    const void *buf, size_t count)
{
	const size_t response_size = sizeof(struct iommu_hwpt_page_response);
	size_t done = 0;
	int rc = 0;

	(void)ictx;
	if (count % response_size)
		return -ESPIPE;
	while (count > done) {
		struct iommu_hwpt_page_response resp;
		struct iommufd_event *e, *found = NULL;

		memcpy(&resp, (const u8 *)buf + done, response_size);
		list_for_each_entry(e, &f->response, node) {
			const struct iommu_hwpt_pgfault *pf = (const void *)e->data;

			if (pf->cookie == resp.cookie) {
				found = e;
				break;
			}
		}
		if (!found) {
			rc = -EINVAL;
			break;
		}
		list_del(&found->node);
		kfree(found);
		done += response_size;
	}
	return done == 0 ? rc : (ssize_t)done;
}

/*
 * A device's I/O page fault reaching a HWPT with a fault queue: Linux's
 * iommufd_fault_iopf_handler for a group that is complete (its last page
 * request came).  The record gets the queue's next cookie, for the
 * response write() gives back.
 */
int iommufd_fault_report(struct iommufd_ctx *ictx, struct iommufd_fault *f,
			 const struct iommu_hwpt_pgfault *pf)
{
	struct iommufd_event *e = kzalloc(ictx->k, sizeof(*e) + sizeof(*pf));
	struct iommu_hwpt_pgfault *rec;

	if (!e)
		return -ENOMEM;
	e->data_len = sizeof(*pf);
	rec = (struct iommu_hwpt_pgfault *)e->data;
	*rec = *pf;
	mutex_lock(&ictx->events_lock);
	rec->cookie = f->next_cookie++;
	list_add_tail(&e->node, &f->common.deliver);
	eventq_signal(&f->common);
	mutex_unlock(&ictx->events_lock);
	return 0;
}

/* ------------------------------------------------------------ vEVENTQ */

int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_veventq *vq;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	int rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth)
		return -EINVAL;
	obj = iommufd_get_object(ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct iommufd_viommu, obj);
	list_for_each_entry(vq, &viommu->veventqs, node)
		if (vq->type == cmd->type)
			return -EEXIST;
	vq = kzalloc(ictx->k, sizeof(*vq));
	if (!vq)
		return -ENOMEM;
	/* The one LOST_EVENTS header, queued and re-queued, never freed before vq. */
	vq->lost = kzalloc(ictx->k, sizeof(*vq->lost));
	if (!vq->lost) {
		kfree(vq);
		return -ENOMEM;
	}
	vq->lost->header.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
	INIT_LIST_HEAD(&vq->lost->node);
	vq->viommu = viommu;
	vq->type = cmd->type;
	vq->depth = cmd->veventq_depth;
	rc = iommufd_object_add(ictx, &vq->common.obj, IOMMUFD_OBJ_VEVENTQ);
	if (rc)
		goto err_free;
	rc = iommufd_eventq_init(ictx, &vq->common);
	if (rc)
		goto err_remove;
	mutex_lock(&ictx->events_lock);
	list_add_tail(&vq->node, &viommu->veventqs);
	mutex_unlock(&ictx->events_lock);
	viommu->obj.users++;
	cmd->out_veventq_id = vq->common.obj.id;
	cmd->out_veventq_fd = vq->common.fd;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));

err_remove:
	iommufd_object_remove(ictx, &vq->common.obj);
err_free:
	kfree(vq->lost);
	kfree(vq);
	return rc;
}

/*
 * Linux's iommufd_vevent_handler: the LOST_EVENTS header leaves the tail
 * as anything (itself included, re-stamped) is queued behind it.
 */
static void veventq_queue(struct iommufd_veventq *vq, struct iommufd_event *e)
{
	struct list_head *deliver = &vq->common.deliver;

	if (!list_empty(&vq->lost->node) && deliver->prev == &vq->lost->node)
		list_del(&vq->lost->node);
	list_add_tail(&e->node, deliver);
	e->header.sequence = vq->sequence;
	vq->sequence = (vq->sequence + 1) & INT32_MAX;
	eventq_signal(&vq->common);
}

int iommufd_viommu_report_event(struct iommufd_viommu *viommu,
				enum iommu_veventq_type type,
				const void *event_data, size_t data_len)
{
	struct iommufd_ctx *ictx = viommu->ictx;
	struct iommufd_veventq *vq, *found = NULL;
	struct iommufd_event *e;
	int rc = 0;

	if (!data_len || !event_data)
		return -EINVAL;
	mutex_lock(&ictx->events_lock);
	list_for_each_entry(vq, &viommu->veventqs, node)
		if (vq->type == type)
			found = vq;
	if (!found) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	vq = found;
	if (vq->common.num_events >= vq->depth) {
		e = vq->lost;
	} else {
		e = kzalloc(ictx->k, sizeof(*e) + data_len);
		if (e) {
			e->data_len = data_len;
			memcpy(e->data, event_data, data_len);
			vq->common.num_events++;
		} else {
			rc = -ENOMEM;	/* lost all the same, and said so */
			e = vq->lost;
		}
	}
	veventq_queue(vq, e);
out:
	mutex_unlock(&ictx->events_lock);
	return rc;
}

/*
 * iommufd_veventq_fops_read: whole records while they fit, the header then
 * the payload copied out; a record either copy fails on stays queued, and
 * a header already copied still counts in the bytes returned (the
 * kernel's done).
 */
static ssize_t veventq_read(struct iommufd_veventq *vq, void *ubuf, size_t count,
			    iommufd_copy_out_fn copy_out)
{
	const size_t hdr = sizeof(struct iommufd_vevent_header);
	struct iommufd_event *e, *en;
	size_t done = 0;
	int rc = 0;

	list_for_each_entry_safe(e, en, &vq->common.deliver, node) {
		if (done >= count || hdr + e->data_len > count - done)
			break;
		if (copy_out((u8 *)ubuf + done, &e->header, hdr)) {
			rc = -EFAULT;
			break;
		}
		done += hdr;
		if (e->data_len && copy_out((u8 *)ubuf + done, e->data, e->data_len)) {
			rc = -EFAULT;
			break;
		}
		done += e->data_len;
		if (e == vq->lost) {
			list_del(&e->node);
			continue;
		}
		vq->common.num_events--;
		list_del(&e->node);
		kfree(e);
	}
	return done ? (ssize_t)done : rc;
}

ssize_t iommufd_eventq_read(struct iommufd_ctx *ictx, struct iommufd_eventq *q,
			    void *ubuf, size_t count, iommufd_copy_out_fn copy_out)
{
	ssize_t ret;

	mutex_lock(&ictx->events_lock);
	if (q->obj.type == IOMMUFD_OBJ_VEVENTQ)
		ret = veventq_read(container_of(q, struct iommufd_veventq, common),
				   ubuf, count, copy_out);
	else
		ret = fault_read(container_of(q, struct iommufd_fault, common),
				 ubuf, count, copy_out);
	eventq_drain_signal(q);
	mutex_unlock(&ictx->events_lock);
	return ret;
}
