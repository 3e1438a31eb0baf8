/*
 * Split virtqueues (virtio 1.x, 2.7): a descriptor table, the available
 * ring the driver fills and the used ring the device fills, all in guest
 * memory the device reads and writes.
 *
 * One physically contiguous, zeroed allocation from the page allocator holds
 *   desc[size]   16 B each, at offset 0 (16-aligned: page-aligned)
 *   avail        flags, idx, ring[size], used_event (2-aligned)
 *   used         flags, idx, ring[size] {id, len}, avail_event (4-aligned)
 *   tokens[size] and the struct virtqueue itself (the driver's side only:
 *                the device is never told about them)
 * Free descriptors are chained through desc.next from free_head; a chain
 * handed to the device is a run of that list, so adding keeps the links as
 * they are and only the last descriptor of a chain loses VRING_DESC_F_NEXT.
 *
 * No event index and no indirect descriptors: the core never accepts those
 * features, so the flags words (VRING_USED_F_NO_NOTIFY) are what counts.
 */
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/timer.h>
#include <ballast/virtio.h>
#include <linux/virtio_ring.h>

#include "internal.h"

/* The spec's largest split queue; QEMU's is 1024. */
#define VQ_MAX_SIZE 32768U

/* Without a clock a wait still ends: this many polls. */
#define VQ_WAIT_POLLS_NO_CLOCK (1U << 24)

struct vq_layout {
	size_t avail, used, tokens, vq, total;
};

static void vq_layout(unsigned int size, struct vq_layout *l)
{
	l->avail = 16 * (size_t)size;
	l->used = ALIGN_UP(l->avail + 6 + 2 * (size_t)size, 4);
	l->tokens = ALIGN_UP(l->used + 6 + 8 * (size_t)size, 8);
	l->vq = ALIGN_UP(l->tokens + sizeof(void *) * size, 16);
	l->total = l->vq + sizeof(struct virtqueue);
}

static unsigned int order_for(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* The device's word for the size, cut to a power of two within bounds. */
static unsigned int pick_size(unsigned int dev_max, unsigned int max_size)
{
	unsigned int want = dev_max, size = 1;

	if (max_size && max_size < want)
		want = max_size;
	if (want > VQ_MAX_SIZE)
		want = VQ_MAX_SIZE;
	while (size * 2 <= want)
		size *= 2;
	return size;
}

static void vq_init(struct virtqueue *vq, struct virtio_device *vdev,
		    unsigned int idx, unsigned int size, char *base,
		    const struct vq_layout *l)
{
	memset(vq, 0, sizeof(*vq));
	vq->vdev = vdev;
	vq->idx = idx;
	vq->size = size;
	vq->ring = base;
	vq->desc = (struct vring_desc *)base;
	vq->avail = (struct vring_avail *)(base + l->avail);
	vq->used = (struct vring_used *)(base + l->used);
	vq->tokens = (void **)(base + l->tokens);
	for (unsigned int i = 0; i < size; i++)
		vq->desc[i].next = (u16)(i + 1 < size ? i + 1 : 0);
	vq->free_head = 0;
	vq->num_free = (u16)(size > 0xffff ? 0xffff : size);
}

static struct virtqueue *find_vq(struct virtio_device *vdev, unsigned int idx)
{
	for (struct virtqueue *vq = vdev->vqs; vq; vq = vq->next)
		if (vq->idx == idx)
			return vq;
	return NULL;
}

static void link_vq(struct virtqueue *vq)
{
	struct virtqueue **p = &vq->vdev->vqs;

	while (*p)
		p = &(*p)->next;
	vq->next = NULL;
	*p = vq;
}

struct virtqueue *virtqueue_setup(struct virtio_device *vdev, unsigned int idx,
				  unsigned int max_size, const char *name,
				  void (*callback)(struct virtqueue *vq),
				  int *err)
{
	unsigned int dev_max, size, order;
	struct vq_layout l;
	struct virtqueue *vq;
	struct page *page;
	char *base;

	*err = -ENOENT;
	if (idx >= vdev->ops->num_queues(vdev))
		return NULL;
	dev_max = vdev->ops->queue_max_size(vdev, idx);
	if (!dev_max)
		return NULL;
	*err = -EBUSY;
	if (find_vq(vdev, idx))
		return NULL;
	size = pick_size(dev_max, max_size);
	vq_layout(size, &l);
	order = order_for(l.total);
	*err = -ENOMEM;
	page = alloc_pages(order);
	if (!page)
		return NULL;
	base = page_address(page);
	memset(base, 0, PAGE_SIZE << order);
	vq = (struct virtqueue *)(base + l.vq);
	vq_init(vq, vdev, idx, size, base, &l);
	vq->name = name;
	vq->callback = callback;
	vq->ring_phys = page_to_phys(page);
	vq->ring_order = order;
	*err = vdev->ops->enable_queue(vdev, idx, size, vq->ring_phys,
				       vq->ring_phys + l.avail,
				       vq->ring_phys + l.used);
	if (*err) {
		free_pages(page, order);
		return NULL;
	}
	link_vq(vq);
	return vq;
}

/* The device must be reset (or never told about the queue) first. */
void virtqueue_free(struct virtqueue *vq)
{
	struct virtqueue **p = &vq->vdev->vqs;
	struct page *page = virt_to_page(vq->ring);
	unsigned int order = vq->ring_order;

	while (*p && *p != vq)
		p = &(*p)->next;
	if (*p)
		*p = vq->next;
	free_pages(page, order); /* vq itself lives in there */
}

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *out,
		  unsigned int n_out, const struct vq_buf *in,
		  unsigned int n_in, void *token)
{
	unsigned int n = n_out + n_in;
	u16 head = vq->free_head, i = head, last = head;

	if (!n || !token || n_out > vq->size || n_in > vq->size)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	for (unsigned int k = 0; k < n; k++) {
		const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
		struct vring_desc *d = &vq->desc[i];

		d->addr = b->addr;
		d->len = b->len;
		d->flags = (u16)((k < n_out ? 0 : VRING_DESC_F_WRITE) |
				 (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		last = i;
		i = d->next; /* the free list's next is the chain's next */
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free = (u16)(vq->num_free - n);
	vq->tokens[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	vq->added++;
	return 0;
}

void virtqueue_kick(struct virtqueue *vq)
{
	/* Descriptors and ring entries before the index (x86 keeps stores in
	 * order; the compiler must too)... */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*(volatile u16 *)&vq->avail->idx = vq->avail_idx;
	/* ...and the index before the flags read: a store-load pair, which
	 * even x86 reorders without a full fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (*(volatile u16 *)&vq->used->flags & VRING_USED_F_NO_NOTIFY)
		return;
	vq->vdev->ops->notify(vq->vdev, vq->idx);
	vq->kicks++;
}

static u16 used_idx(const struct virtqueue *vq)
{
	return *(volatile const u16 *)&vq->used->idx;
}

bool virtqueue_has_used(const struct virtqueue *vq)
{
	return used_idx(vq) != vq->last_used;
}

/* Back to the free list; the walk is bounded: the device cannot loop us. */
static void free_chain(struct virtqueue *vq, u16 head)
{
	u16 i = head, n = 1;

	while (vq->desc[i].flags & VRING_DESC_F_NEXT && n < vq->size) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (u16)(vq->num_free + n);
}

void *virtqueue_get_used(struct virtqueue *vq, u32 *len)
{
	while (virtqueue_has_used(vq)) {
		struct vring_used_elem e;
		void *token;

		/* The entry after the index (loads are ordered on x86). */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		e = vq->used->ring[vq->last_used & (vq->size - 1)];
		vq->last_used++;
		if (e.id >= vq->size || !vq->tokens[e.id]) {
			pr_err("virtio: %s %s: device returned descriptor %u, "
			       "which it does not hold: ignored\n",
			       vq->vdev->name, vq->name, e.id);
			continue;
		}
		token = vq->tokens[e.id];
		vq->tokens[e.id] = NULL;
		free_chain(vq, (u16)e.id);
		vq->completed++;
		*len = e.len;
		return token;
	}
	return NULL;
}

int virtqueue_wait(struct virtqueue *vq, void *token, u64 timeout_ns, u32 *len)
{
	u64 start = clock_ns(), polls = 0;

	for (;;) {
		u32 l;
		void *t;

		while ((t = virtqueue_get_used(vq, &l))) {
			if (t == token) {
				*len = l;
				return 0;
			}
			pr_warn("virtio: %s %s: a buffer nobody waits for came "
				"back: dropped\n", vq->vdev->name, vq->name);
		}
		if (start ? clock_ns() - start >= timeout_ns
			  : ++polls >= VQ_WAIT_POLLS_NO_CLOCK) {
			vq->timeouts++;
			return -ETIMEDOUT;
		}
		virtio_wait_relax();
	}
}
