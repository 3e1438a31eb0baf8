/*
 * The PV physical-to-machine map. A PV guest sees machine frames: Xen hands
 * it the P2M list (start_info.mfn_list, one machine frame number per guest
 * pfn in [0, nr_pages)) and keeps the reverse, the M2P, as a read-only table
 * at MACH2PHYS_VIRT_START. Page tables hold machine frames, so every mapping
 * goes through these two tables; the balloon will change them frame by
 * frame, and `xen p2m` checks that both still agree.
 */
#include <ballast/errno.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/p2m.h>

static xen_pfn_t *p2m;
static unsigned long p2m_entries;

void xen_p2m_init(xen_pfn_t *list, unsigned long entries)
{
	p2m = list;
	p2m_entries = entries;
}

unsigned long xen_p2m_size(void)
{
	return p2m_entries;
}

u64 xen_pfn_to_mfn(unsigned long pfn)
{
	return pfn < p2m_entries ? p2m[pfn] : INVALID_P2M_ENTRY;
}

unsigned long xen_mfn_to_pfn(u64 mfn)
{
	return M2P[mfn];
}

/*
 * Every pfn with a machine frame must be that frame's pfn in the M2P.
 * Returns 0 when they agree, else -EFAULT with the first bad pfn in *bad.
 */
int xen_p2m_check(unsigned long *backed, unsigned long *bad)
{
	*backed = 0;
	for (unsigned long pfn = 0; pfn < p2m_entries; pfn++) {
		u64 mfn = p2m[pfn];
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
