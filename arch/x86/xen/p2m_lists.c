/*
 * The P2M as the toolstack's saver reads it (facts doc, section 3): in
 * shared_info.arch, max_pfn and the machine frame of one "frame list list"
 * page, whose entries are the frames of "frame list" pages, whose entries
 * are the frames of the P2M leaves (512 entries each: a leaf covers 2 MiB
 * of pfns, a frame list 1 GiB, the list list 512 GiB). The saver reads it
 * *before* it asks us to suspend, so it is kept valid at all times:
 * republished whenever a leaf comes or goes or the map grows (p2m.c), and
 * after a restore, where every frame is new. A missing leaf is one shared
 * leaf of invalid entries (a page of ours, so in the P2M itself).
 */
#include <ballast/errno.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/arch_mm.h>
#include <asm/xen/p2m.h>
#include <asm/layout.h>

#define PER_PAGE (PAGE_SIZE / sizeof(xen_pfn_t))

static xen_pfn_t *fll;           /* the frame list list */
static xen_pfn_t *fl[PER_PAGE];  /* frame lists */
static xen_pfn_t *invalid_leaf;

/* Leaves of Xen's boot list live in the bootstrap region at KERNEL_VMA. */
static u64 virt_mfn(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	phys_addr_t p = v >= KERNEL_VMA ? PHYS(v) : virt_to_phys(va);

	return xen_pfn_to_mfn(PFN_DOWN(p));
}

static xen_pfn_t *filled_page(xen_pfn_t fill)
{
	xen_pfn_t *p = xen_p2m_alloc(0);

	if (p)
		for (unsigned long i = 0; i < PER_PAGE; i++)
			p[i] = fill;
	return p;
}

/*
 * A frame list past the map's end goes back once the map shrank (no longer
 * published). It was allocated when the map first grew past its GiB, so it
 * may sit in a hot-added block (the newest online one, then): kept, that
 * block could never be emptied and removed, and the blocks below it, whose
 * page tables and leaves it holds in turn, neither.
 */
static void free_unused_lists(unsigned long leaves)
{
	for (unsigned long f = (leaves + PER_PAGE - 1) / PER_PAGE; f < PER_PAGE; f++)
		if (fl[f]) {
			free_pages_virt(fl[f], 0);
			fl[f] = NULL;
		}
}

/*
 * Write the lists for the map as it is now. Pages for them are allocated
 * on first need; without one the published max_pfn stops short (what is
 * past it would not be saved: said once, loudly).
 */
int xen_p2m_publish(void)
{
	unsigned long entries = xen_p2m_size();
	unsigned long leaves = (entries + PER_PAGE - 1) / PER_PAGE, l;
	struct arch_shared_info *a;

	if (xen.mode != XEN_PV || !xen.shared)
		return -ENODEV;
	if (!invalid_leaf && !(invalid_leaf = filled_page(INVALID_P2M_ENTRY)))
		return -ENOMEM;
	if (!fll && !(fll = filled_page(0)))
		return -ENOMEM;
	if (leaves > PER_PAGE * PER_PAGE)
		leaves = PER_PAGE * PER_PAGE;
	for (l = 0; l < leaves; l++) {
		xen_pfn_t *leaf = xen_p2m_leaf(l);
		unsigned long f = l / PER_PAGE;

		if (!fl[f] && !(fl[f] = filled_page(0))) {
			pr_err("xen p2m: no page for a frame list: a save "
			       "would miss pfns from %#lx\n", l * PER_PAGE);
			break;
		}
		fl[f][l % PER_PAGE] = virt_mfn(leaf ? leaf : invalid_leaf);
	}
	for (unsigned long f = 0; f < PER_PAGE; f++)
		fll[f] = fl[f] && f * PER_PAGE < l ? virt_mfn(fl[f]) : 0;
	a = &xen.shared->arch;
	__asm__ volatile("" ::: "memory");
	a->max_pfn = MIN(entries, l * PER_PAGE);
	a->pfn_to_mfn_frame_list_list = virt_mfn(fll);
	free_unused_lists(l);
	return 0;
}
