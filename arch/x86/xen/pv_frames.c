/*
 * Frames coming and going under Xen PV, for the balloon. A PV guest maps
 * machine frames itself: after XENMEM_populate_physmap (which set the M2P)
 * it writes its P2M and maps the frames in the direct map; before
 * XENMEM_decrease_reservation it must drop every mapping of a frame (Xen
 * keeps a frame that is still mapped charged to the domain) and invalidate
 * its P2M entry. The PTE writes go to Xen in batches of mmu_update, and one
 * TLB flush covers a whole batch of unmaps.
 */
#include <ballast/arch_mm.h>
#include <ballast/errno.h>
#include <ballast/printk.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>
#include <asm/xen/setup.h>

#define BATCH 512

static struct mmu_update batch[BATCH];
static unsigned nr_batch;

static int flush_batch(void)
{
	long rc = 0;

	if (nr_batch)
		rc = HYPERVISOR_mmu_update(batch, nr_batch, NULL, DOMID_SELF);
	nr_batch = 0;
	return (int)rc;
}

static int queue_pte(u64 *ptep, u64 val)
{
	u64 pt_mfn = xen_pfn_to_mfn(PFN_DOWN(virt_to_phys(ptep)));

	batch[nr_batch].ptr = PFN_PHYS(pt_mfn) + ((uintptr_t)ptep & ~PAGE_MASK);
	batch[nr_batch].ptr |= MMU_NORMAL_PT_UPDATE;
	batch[nr_batch].val = val;
	return ++nr_batch == BATCH ? flush_batch() : 0;
}

static void tlb_flush_local(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/*
 * pfn..pfn+n-1 just got the machine frames mfns[i]: P2M, then the
 * direct-map PTEs. A new, not-present entry needs no TLB flush.
 */
int xen_pv_map_frames(unsigned long pfn, const xen_pfn_t *mfns, unsigned long n)
{
	int err = 0;

	for (unsigned long i = 0; i < n && !err; i++) {
		uintptr_t va = DIRECT_MAP_BASE + PFN_PHYS(pfn + i);
		u64 *ptep;

		err = xen_set_p2m(pfn + i, mfns[i]);
		if (err)
			break;
		/* A table created here goes to Xen at once (pte_write): the
		 * queued entries below it need it linked first. */
		ptep = arch_pte_ptr(va, true, &err);
		if (!ptep)
			break;
		err = queue_pte(ptep, PFN_PHYS(mfns[i]) | PTE_P | PTE_W);
	}
	if (!err)
		err = flush_batch();
	nr_batch = 0;
	return err;
}

/*
 * Before giving pfn..pfn+n-1 back: their machine frames into mfns[], the
 * direct-map PTEs zapped (one flush), the P2M entries invalidated. A pfn
 * without a frame is an error (the caller's bookkeeping is wrong): nothing
 * past it is touched.
 */
int xen_pv_unmap_frames(unsigned long pfn, xen_pfn_t *mfns, unsigned long n)
{
	int err = 0;
	unsigned long i;

	for (i = 0; i < n && !err; i++) {
		uintptr_t va = DIRECT_MAP_BASE + PFN_PHYS(pfn + i);
		u64 mfn = xen_pfn_to_mfn(pfn + i);
		u64 *ptep;

		if (mfn == INVALID_P2M_ENTRY) {
			err = -ENOENT;
			break;
		}
		mfns[i] = mfn;
		ptep = arch_pte_ptr(va, false, &err);
		if (ptep)
			err = queue_pte(ptep, 0);
		else if (err == -ENOENT)
			err = 0; /* not mapped: nothing to zap */
	}
	if (!err)
		err = flush_batch();
	nr_batch = 0;
	tlb_flush_local();
	if (err) {
		/* Keep the frames usable: map back what was collected. */
		if (xen_pv_map_frames(pfn, mfns, i))
			pr_err("pv: pfns %#lx+%lu lost their mappings\n", pfn, i);
		return err;
	}
	for (i = 0; i < n; i++)
		xen_set_p2m(pfn + i, INVALID_P2M_ENTRY);
	return 0;
}

unsigned long xen_pv_forget_frames(unsigned long pfn, unsigned long n)
{
	unsigned long had = 0;
	int err = 0;

	for (unsigned long i = 0; i < n; i++) {
		u64 *ptep;

		if (xen_pfn_to_mfn(pfn + i) == INVALID_P2M_ENTRY)
			continue;
		ptep = arch_pte_ptr(DIRECT_MAP_BASE + PFN_PHYS(pfn + i), false, &err);
		if (ptep && (*ptep & PTE_P) && queue_pte(ptep, 0))
			pr_err("pv: pfn %#lx: PTE not cleared\n", pfn + i);
		xen_set_p2m(pfn + i, INVALID_P2M_ENTRY);
		had++;
	}
	if (flush_batch())
		pr_err("pv: pfns %#lx+%lu: PTEs not cleared\n", pfn, n);
	tlb_flush_local();
	return had;
}
