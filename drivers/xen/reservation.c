/*
 * XENMEM_populate_physmap / XENMEM_decrease_reservation for the balloon.
 *
 * Translated guests (PVH, HVM) name guest frames; Xen backs or frees them.
 * A PV guest names guest pfns to populate and gets machine frames back in
 * the same list (Xen set their M2P); it must then write its P2M and map
 * them. To release, it names machine frames, unmapped beforehand. An order-9
 * PV release needs 512 machine-contiguous frames: a run that is not (boot
 * memory often is not) stops the call there, and the caller goes on with
 * order 0, as for any short count.
 */
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <ballast/xen/reservation.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>

#define LIST_MAX 1024 /* extents per hypercall */
static xen_pfn_t list[LIST_MAX];
static xen_pfn_t frames[1u << XEN_MAX_EXTENT_ORDER];

static long memory_op(unsigned cmd, unsigned long n, unsigned order)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(cmd, &r);
}

/*
 * PV: extents [from, done) got frames (list[] holds their first mfns) but
 * extent `from` could not be mapped (no memory for a page table or a P2M
 * leaf). Forget what was mapped of it and give all of them back: a frame
 * the guest does not count must not stay the domain's.
 */
static void pv_unpopulate(const unsigned long *pfns, long from, long done,
			  unsigned order)
{
	long n = done - from, back;

	pr_err("xen: pfn %#lx: populated but not mapped: %ld extent(s) go back\n",
	       pfns[from], n);
	xen_pv_forget_frames(pfns[from], 1ul << order);
	for (long i = 0; i < n; i++)
		list[i] = list[from + i];
	back = memory_op(XENMEM_decrease_reservation, (unsigned long)n, order);
	if (back != n)
		pr_err("xen: %ld of %ld extent(s) populated and not mapped stay the domain's\n",
		       n - (back < 0 ? 0 : back), n);
}

/* PV: the list's PTE writes were refused: every extent goes back. */
static long pv_unpopulate_all(const unsigned long *pfns, long done,
			      unsigned order)
{
	for (long i = 1; i < done; i++)
		xen_pv_forget_frames(pfns[i], 1ul << order);
	pv_unpopulate(pfns, 0, done, order); /* forgets the first, gives all back */
	return -ENOMEM;
}

static long populate_chunk(const unsigned long *pfns, unsigned long n,
			   unsigned order)
{
	long done;

	for (unsigned long i = 0; i < n; i++)
		list[i] = pfns[i];
	if (xen.mode == XEN_PV) {
		unsigned long end = 0;

		for (unsigned long i = 0; i < n; i++)
			end = MAX(end, pfns[i] + (1ul << order));
		/* Hot-added blocks lie past the P2M: cover them first. */
		if (end > xen_p2m_size() && xen_p2m_grow(end))
			return -ENOMEM;
	}
	done = memory_op(XENMEM_populate_physmap, n, order);
	if (done <= 0 || xen.mode != XEN_PV)
		return done;
	for (long i = 0; i < done; i++) {
		for (unsigned long j = 0; j < (1ul << order); j++)
			frames[j] = list[i] + j;
		if (xen_pv_map_frames_queued(pfns[i], frames, 1ul << order)) {
			pv_unpopulate(pfns, i, done, order);
			/* the caller sees them as not populated; mapping fails
			 * for want of the guest's memory (a table, a P2M leaf) */
			return i ? i : -ENOMEM;
		}
	}
	if (xen_pv_map_flush()) /* Xen refused a PTE: none of them is usable */
		return pv_unpopulate_all(pfns, done, order);
	return done;
}

/* Run one op over the list LIST_MAX extents at a time, until one is short. */
static long in_chunks(long (*chunk)(const unsigned long *, unsigned long, unsigned),
		      const unsigned long *pfns, unsigned long n, unsigned order)
{
	unsigned long done = 0;

	if (order > XEN_MAX_EXTENT_ORDER)
		return -EINVAL;
	while (done < n) {
		unsigned long k = MIN(n - done, (unsigned long)LIST_MAX);
		long got = chunk(pfns + done, k, order);

		if (got < 0)
			return done ? (long)done : got;
		done += (unsigned long)got;
		if ((unsigned long)got < k)
			break;
	}
	return (long)done;
}

long xen_populate_physmap(const unsigned long *pfns, unsigned long n,
			  unsigned order)
{
	return in_chunks(populate_chunk, pfns, n, order);
}

/* PV: one extent's machine frame, after unmapping; -1 when not contiguous. */
static long pv_unmap_extent(unsigned long pfn, unsigned order, xen_pfn_t *mfn)
{
	unsigned long nr = 1ul << order;

	for (unsigned long j = 1; j < nr; j++)
		if (xen_pfn_to_mfn(pfn + j) != xen_pfn_to_mfn(pfn) + j)
			return -1;
	if (xen_pv_unmap_frames(pfn, frames, nr))
		return -1;
	*mfn = frames[0];
	return 0;
}

/* PV frames Xen did not take go back into the P2M and the direct map. */
static void pv_remap(const unsigned long *pfns, unsigned long from,
		     unsigned long to, unsigned order)
{
	for (unsigned long i = from; i < to; i++) {
		for (unsigned long j = 0; j < (1ul << order); j++)
			frames[j] = list[i] + j;
		if (xen_pv_map_frames(pfns[i], frames, 1ul << order))
			pr_err("xen: pfn %#lx: kept but not mapped\n", pfns[i]);
	}
}

static long decrease_chunk(const unsigned long *pfns, unsigned long n,
			   unsigned order)
{
	unsigned long ready = n;
	long done;

	for (unsigned long i = 0; i < n; i++) {
		if (xen.mode != XEN_PV) {
			list[i] = pfns[i];
		} else if (pv_unmap_extent(pfns[i], order, &list[i])) {
			ready = i; /* stop before a run Xen could not take */
			break;
		}
	}
	/* The list's PTE zaps in as few mmu_updates as fit, one TLB flush,
	 * before the frames go; zaps Xen refused: none of them may go. */
	if (xen.mode == XEN_PV && ready && xen_pv_unmap_flush()) {
		pr_err("xen: pfn %#lx: direct-map entries not cleared: kept\n", pfns[0]);
		pv_remap(pfns, 0, ready, order);
		return 0;
	}
	done = ready ? memory_op(XENMEM_decrease_reservation, ready, order) : 0;
	if (done < 0)
		done = 0;
	if (xen.mode == XEN_PV)
		pv_remap(pfns, (unsigned long)done, ready, order);
	return done;
}

long xen_decrease_reservation(const unsigned long *pfns, unsigned long n,
			      unsigned order)
{
	return in_chunks(decrease_chunk, pfns, n, order);
}

long xen_current_reservation(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

long xen_maximum_reservation(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
}
