/* PV physical-to-machine map (arch/x86/xen/p2m.c) and Xen's M2P table. */
#ifndef ASM_XEN_P2M_H
#define ASM_XEN_P2M_H

#include <ballast/xen/guest.h>

/* Xen's read-only machine-to-phys table, mapped into every PV guest. */
#define M2P ((const unsigned long *)MACH2PHYS_VIRT_START)

#define INVALID_P2M_ENTRY (~0ULL)
void xen_p2m_init(xen_pfn_t *list, unsigned long entries);
unsigned long xen_p2m_size(void);
/* INVALID_P2M_ENTRY where no frame backs the pfn. */
u64 xen_pfn_to_mfn(unsigned long pfn);
unsigned long xen_mfn_to_pfn(u64 mfn);
int xen_p2m_check(unsigned long *backed, unsigned long *bad);
/* After mm_init: make the map two-level and cover pfns below max_pfn. */
int xen_p2m_grow(unsigned long max_pfn);
/* Set one entry (INVALID_P2M_ENTRY to clear); -ERANGE past the map. */
int xen_set_p2m(unsigned long pfn, u64 mfn);
/* Leaf l (512 entries) of the map, NULL when none (all invalid). */
xen_pfn_t *xen_p2m_leaf(unsigned long l);
/* A page for the map's own bookkeeping, from boot memory when it can. */
void *xen_p2m_alloc(unsigned int order);
/* The lists in shared_info the toolstack's saver reads (p2m_lists.c). */
int xen_p2m_publish(void);

/*
 * PV frame plumbing for the balloon (pv_frames.c): after populate, set the
 * P2M and map the frames; before release, collect their machine frames,
 * unmap them and invalidate the P2M. Batched (one walk and 512 PTEs an
 * mmu_update a page table); negative errno on failure. Unmapping leaves
 * its PTE zaps queued and the TLB to the caller: xen_pv_unmap_flush once
 * for everything unmapped, before the frames go back to Xen.
 */
int xen_pv_map_frames(unsigned long pfn, const xen_pfn_t *mfns, unsigned long n);
/* The same with the PTE writes left queued (shared batches of 512 for
 * many small extents); xen_pv_map_flush sends them before the frames are
 * used. On an error what was queued before is sent, this range's P2M may
 * be partly set: xen_pv_forget_frames undoes it. */
int xen_pv_map_frames_queued(unsigned long pfn, const xen_pfn_t *mfns,
			     unsigned long n);
int xen_pv_map_flush(void);
int xen_pv_unmap_frames(unsigned long pfn, xen_pfn_t *mfns, unsigned long n);
int xen_pv_unmap_flush(void);
/*
 * Undo a xen_pv_map_frames that failed part way: every pfn of the range
 * whose P2M entry is set loses its PTE (if any) and its entry. Returns
 * how many had one.
 */
unsigned long xen_pv_forget_frames(unsigned long pfn, unsigned long n);

#endif
