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

/* Machine address of a PTE: its table's frame is looked up once a table. */
static u64 pte_machine(u64 *ptep)
{
	u64 pt_mfn = xen_pfn_to_mfn(PFN_DOWN(virt_to_phys(ptep)));

	return PFN_PHYS(pt_mfn) + ((uintptr_t)ptep & ~PAGE_MASK);
}

static int queue_at(u64 machine, u64 val)
{
	batch[nr_batch].ptr = machine | MMU_NORMAL_PT_UPDATE;
	batch[nr_batch].val = val;
	return ++nr_batch == BATCH ? flush_batch() : 0;
}

static int queue_pte(u64 *ptep, u64 val)
{
	return queue_at(pte_machine(ptep), val);
}

/* Entries from pfn to the end of its page table (512 a table), at most n. */
static unsigned long table_run(unsigned long pfn, unsigned long n)
{
	return MIN(n, 512 - pfn % 512);
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
int xen_pv_map_frames_queued(unsigned long pfn, const xen_pfn_t *mfns,
			     unsigned long n)
{
	int err = 0;

	for (unsigned long i = 0; i < n && !err;) {
		unsigned long run = table_run(pfn + i, n - i);
		u64 *ptep, pt;

		for (unsigned long k = 0; k < run && !err; k++)
			err = xen_set_p2m(pfn + i + k, mfns[i + k]);
		if (err)
			break;
		/* One walk a page table. A table created here goes to Xen at
		 * once (pte_write): the queued entries below it need it linked. */
		ptep = arch_pte_ptr(DIRECT_MAP_BASE + PFN_PHYS(pfn + i), true, &err);
		if (!ptep)
			break;
		pt = pte_machine(ptep);
		for (unsigned long k = 0; k < run && !err; k++)
			err = queue_at(pt + k * sizeof(u64),
				       PFN_PHYS(mfns[i + k]) | PTE_P | PTE_W);
		i += run;
	}
	if (err)
		flush_batch(); /* earlier callers' entries; the caller forgets ours */
	return err;
}

int xen_pv_map_flush(void)
{
	return flush_batch();
}

int xen_pv_map_frames(unsigned long pfn, const xen_pfn_t *mfns, unsigned long n)
{
	int err = xen_pv_map_frames_queued(pfn, mfns, n);

	return err ? err : flush_batch();
}

/* The zaps queued since, then the TLB: before the frames go back. */
int xen_pv_unmap_flush(void)
{
	int err = flush_batch();

	tlb_flush_local();
	return err;
}

/* Zap the direct-map PTEs of pfn.. (one page table, run entries): their
 * machine frames into mfns[] (*got of them); a pfn without a frame is
 * -ENOENT. */
static int zap_run(unsigned long pfn, xen_pfn_t *mfns, unsigned long run,
		   unsigned long *got)
{
	int err = 0;
	u64 *ptep = arch_pte_ptr(DIRECT_MAP_BASE + PFN_PHYS(pfn), false, &err);
	u64 pt = ptep ? pte_machine(ptep) : 0;

	*got = 0;
	if (!ptep && err != -ENOENT)
		return err;
	err = 0; /* no table: nothing mapped, nothing to zap */
	while (*got < run && !err) {
		unsigned long k = (*got)++;

		mfns[k] = xen_pfn_to_mfn(pfn + k);
		if (mfns[k] == INVALID_P2M_ENTRY) {
			--*got;
			return -ENOENT;
		}
		if (ptep && ptep[k])
			err = queue_at(pt + k * sizeof(u64), 0);
	}
	return err;
}

/*
 * Before giving pfn..pfn+n-1 back: their machine frames into mfns[], the
 * direct-map PTEs zapped, the P2M entries invalidated. The zaps stay
 * queued (one mmu_update for many single-page extents): the caller sends
 * them and flushes the TLB with xen_pv_unmap_flush, once for everything
 * it unmapped, before the frames go. A pfn without a frame is an error
 * (the caller's bookkeeping is wrong): the range is mapped as it was.
 */
int xen_pv_unmap_frames(unsigned long pfn, xen_pfn_t *mfns, unsigned long n)
{
	int err = 0;
	unsigned long i;

	for (i = 0; i < n && !err;) {
		unsigned long got;

		err = zap_run(pfn + i, mfns + i, table_run(pfn + i, n - i), &got);
		i += got;
	}
	if (err) {
		/* Send what is queued (earlier callers' zaps too), then map
		 * this range's collected frames back. */
		if (flush_batch() || xen_pv_map_frames(pfn, mfns, i))
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
