/*
 * The PV physical-to-machine map. A PV guest sees machine frames: Xen hands
 * it the P2M list (start_info.mfn_list, one machine frame number per guest
 * pfn in [0, nr_pages)) and keeps the reverse, the M2P, as a read-only table
 * at MACH2PHYS_VIRT_START. Page tables hold machine frames, so every mapping
 * goes through these two tables.
 *
 * The balloon needs entries past nr_pages (maxmem > memory, hot-add), so
 * once mm is up the map becomes two levels: a top array with one pointer
 * per 512 pfns (a "leaf", one page), the leaves covering [0, nr_pages)
 * being the pages of Xen's own list, further leaves allocated when an entry
 * in them is first set. A missing leaf reads as INVALID_P2M_ENTRY.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/errno.h>
#include <ballast/init.h>
#include <ballast/mm.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>

#define P2M_PER_LEAF (PAGE_SIZE / sizeof(xen_pfn_t))

static xen_pfn_t *boot_list;        /* Xen's flat list, until the grow */
static unsigned long boot_entries;  /* nr_pages */
static xen_pfn_t **top;             /* after xen_p2m_grow */
static unsigned long top_leaves;    /* leaves the top array can hold */
static unsigned long p2m_entries;   /* pfns the map covers */
static unsigned long p2m_base;      /* ...at boot (the memory map): kept */

void xen_p2m_init(xen_pfn_t *list, unsigned long entries)
{
	boot_list = list;
	boot_entries = p2m_entries = entries;
}

unsigned long xen_p2m_size(void)
{
	return p2m_entries;
}

u64 xen_pfn_to_mfn(unsigned long pfn)
{
	if (pfn >= p2m_entries)
		return INVALID_P2M_ENTRY;
	if (!top)
		return boot_list[pfn];
	xen_pfn_t *leaf = top[pfn / P2M_PER_LEAF];
	return leaf ? leaf[pfn % P2M_PER_LEAF] : INVALID_P2M_ENTRY;
}

xen_pfn_t *xen_p2m_leaf(unsigned long l)
{
	if (!top)
		return l * P2M_PER_LEAF < boot_entries ? boot_list + l * P2M_PER_LEAF
						       : NULL;
	return l < top_leaves ? top[l] : NULL;
}

unsigned long xen_mfn_to_pfn(u64 mfn)
{
	return M2P[mfn];
}

static xen_pfn_t *new_leaf(void)
{
	xen_pfn_t *leaf = alloc_pages_virt(0);

	if (leaf)
		for (unsigned long i = 0; i < P2M_PER_LEAF; i++)
			leaf[i] = INVALID_P2M_ENTRY;
	return leaf;
}

static unsigned int top_order(unsigned long leaves)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < leaves * sizeof(*top))
		order++;
	return order;
}

/*
 * The top array and the saver's frame lists live as long as the map covers
 * a range, so they come from boot memory (below the boot map's end): one
 * left in a hot-added block would keep it, and the blocks below whose page
 * tables it holds, from ever being removed. Anywhere when boot memory is
 * full (that block stays, which costs memory but loses nothing).
 */
void *xen_p2m_alloc(unsigned int order)
{
	void *p = p2m_base ? alloc_pages_virt_below(order, p2m_base) : NULL;

	return p ? p : alloc_pages_virt(order);
}

/* A top array for at least `leaves` leaves, the old one's pointers copied. */
static int grow_top(unsigned long leaves)
{
	unsigned int order = top_order(leaves);
	xen_pfn_t **t = xen_p2m_alloc(order);

	if (!t)
		return -ENOMEM;
	memset(t, 0, PAGE_SIZE << order);
	if (top) {
		memcpy(t, top, top_leaves * sizeof(*top));
		free_pages_virt(top, top_order(top_leaves));
	}
	top = t;
	top_leaves = (PAGE_SIZE << order) / sizeof(*top);
	return 0;
}

/* The first grow: Xen's list becomes the first leaves. */
static int adopt_boot_list(void)
{
	for (unsigned long l = 0; l * P2M_PER_LEAF < boot_entries; l++)
		top[l] = boot_list + l * P2M_PER_LEAF;
	/* Xen's list ends mid-page: own the last leaf, so entries past
	 * nr_pages never land in whatever follows the list. */
	if (boot_entries % P2M_PER_LEAF) {
		unsigned long l = boot_entries / P2M_PER_LEAF;
		xen_pfn_t *leaf = new_leaf();

		if (!leaf)
			return -ENOMEM;
		memcpy(leaf, top[l], (boot_entries % P2M_PER_LEAF) * sizeof(*leaf));
		top[l] = leaf;
	}
	return 0;
}

/*
 * Cover pfns up to max_pfn. The top array is sized for what the guest can
 * reach now (its memory map) and grows, copied, when hot-add goes further,
 * so a small guest does not pay for the whole physical address space.
 */
int xen_p2m_grow(unsigned long max_pfn)
{
	unsigned long want = (max_pfn + P2M_PER_LEAF - 1) / P2M_PER_LEAF;
	bool first = !top;
	int err;

	if (max_pfn > PFN_DOWN(arch_max_phys_addr))
		return -ERANGE;
	if (want > top_leaves && (err = grow_top(want)))
		return err;
	if (first && (err = adopt_boot_list()))
		return err;
	if (max_pfn > p2m_entries)
		p2m_entries = max_pfn;
	xen_p2m_publish(); /* the saver may read it any time */
	return 0;
}

/* Leaves holding Xen's list are never freed; later ones are counted. */
static bool boot_leaf(unsigned long l)
{
	return l * P2M_PER_LEAF < boot_entries;
}

/* Valid entries of a leaf we allocated: in its struct page, the owner's. */
static u64 *leaf_count(xen_pfn_t *leaf)
{
	return &virt_to_page(leaf)->private;
}

/* After a leaf went: a smaller top array when the map shrank back. */
static void maybe_shrink_top(void)
{
	unsigned long need = (p2m_base + P2M_PER_LEAF - 1) / P2M_PER_LEAF;
	xen_pfn_t **t;

	for (unsigned long l = top_leaves; l > need; l--)
		if (top[l - 1]) {
			need = l;
			break;
		}
	if (top_order(need) >= top_order(top_leaves))
		return;
	t = xen_p2m_alloc(top_order(need));
	if (!t)
		return; /* keep the bigger one */
	memset(t, 0, PAGE_SIZE << top_order(need));
	memcpy(t, top, need * sizeof(*top));
	free_pages_virt(top, top_order(top_leaves));
	top = t;
	top_leaves = (PAGE_SIZE << top_order(need)) / sizeof(*top);
	p2m_entries = MIN(p2m_entries, top_leaves * P2M_PER_LEAF);
}

/*
 * A leaf that holds no frame any more (a removed block's pfns) is given
 * back, and the top array shrinks with it: grow/shrink cycles end with
 * the guest's free memory exactly where it started.
 */
int xen_set_p2m(unsigned long pfn, u64 mfn)
{
	unsigned long l = pfn / P2M_PER_LEAF;
	xen_pfn_t **slot, old;

	if (!top || pfn >= p2m_entries)
		return -ERANGE;
	slot = &top[l];
	if (!*slot) {
		if (mfn == INVALID_P2M_ENTRY)
			return 0;
		if (!(*slot = new_leaf()))
			return -ENOMEM;
		xen_p2m_publish();
	}
	old = (*slot)[pfn % P2M_PER_LEAF];
	(*slot)[pfn % P2M_PER_LEAF] = mfn;
	if (boot_leaf(l) || (old == INVALID_P2M_ENTRY) == (mfn == INVALID_P2M_ENTRY))
		return 0;
	if (mfn != INVALID_P2M_ENTRY) {
		(*leaf_count(*slot))++;
	} else if (--(*leaf_count(*slot)) == 0) {
		xen_pfn_t *gone = *slot;

		*slot = NULL;
		maybe_shrink_top();
		xen_p2m_publish(); /* before the leaf is anyone else's */
		free_pages_virt(gone, 0);
	}
	return 0;
}

/*
 * Every pfn with a machine frame must be that frame's pfn in the M2P.
 * Returns 0 when they agree, else -EFAULT with the first bad pfn in *bad.
 */
int xen_p2m_check(unsigned long *backed, unsigned long *bad)
{
	*backed = 0;
	for (unsigned long pfn = 0; pfn < p2m_entries; pfn++) {
		u64 mfn = xen_pfn_to_mfn(pfn);

		if (mfn == INVALID_P2M_ENTRY)
			continue;
		(*backed)++;
		if (M2P[mfn] != pfn) {
			*bad = pfn;
			return -EFAULT;
		}
	}
	return 0;
}

/* Once mm is up: cover every pfn of the memory map (maxmem, not nr_pages). */
static int xen_p2m_late_init(void)
{
	u64 s, e, end = 0;

	if (xen.mode != XEN_PV)
		return -ENODEV;
	for (int i = 0; bootmem_ram_range(i, &s, &e); i++)
		end = MAX(end, e);
	p2m_base = MAX(PFN_DOWN(end), p2m_entries);
	return xen_p2m_grow(p2m_base);
}
/* Before the balloon (INIT_LEVEL_MM), which sets entries past nr_pages. */
INIT_HOOK(xen_p2m, xen_p2m_late_init, INIT_LEVEL_MM - 1);
