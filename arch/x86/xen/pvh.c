/*
 * Xen PVH boot: xen_pvh_start, from the 32-bit entry shared with multiboot2
 * (head32.S), reads hvm_start_info (command line, modules, memory map).
 * The HVM-container setup it shares with HVM is in hvm.c.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/cmdline.h>
#include <ballast/errno.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/arch_mm.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/setup.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/setup.h>
#include <asm/paging.h>
#include <asm/traps.h>

static void pvh_memmap_from_xen(void)
{
	static struct e820entry {
		u64 addr, size;
		u32 type;
	} __packed map[BOOT_MEM_MAX];
	struct xen_memory_map mm = { .nr_entries = BOOT_MEM_MAX };
	long rc;

	set_xen_guest_handle(mm.buffer, map);
	rc = HYPERVISOR_memory_op(XENMEM_memory_map, &mm);
	if (rc < 0)
		panic("pvh: no memory map in hvm_start_info and "
		      "XENMEM_memory_map failed (%ld)", rc);
	for (unsigned i = 0; i < mm.nr_entries; i++)
		bootmem_add_region(map[i].addr, map[i].size, map[i].type);
}

static void pvh_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *e;

	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries) {
		pvh_memmap_from_xen();
		return;
	}
	e = phys_to_virt(si->memmap_paddr);
	bootmem_reserve(si->memmap_paddr, si->memmap_entries * sizeof(*e),
			"hvm_start_info memmap");
	for (u32 i = 0; i < si->memmap_entries; i++)
		if (bootmem_add_region(e[i].addr, e[i].size, e[i].type))
			pr_warn("pvh: dropped region %#llx+%#llx\n",
				(unsigned long long)e[i].addr,
				(unsigned long long)e[i].size);
}

static void pvh_parse(u32 info)
{
	struct hvm_start_info *si = phys_to_virt(info);

	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		panic("pvh: bad hvm_start_info magic %#x", si->magic);
	xen.hvm_start_info = si;
	bootmem_reserve(info, sizeof(*si), "hvm_start_info");
	if (si->cmdline_paddr)
		cmdline_set(phys_to_virt(si->cmdline_paddr));
	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m = phys_to_virt(si->modlist_paddr);

		for (u32 i = 0; i < si->nr_modules; i++)
			bootmem_reserve(m[i].paddr, m[i].size, "boot module");
	}
	pvh_memmap(si);
}

void xen_pvh_main(u32 magic, u32 info)
{
	gdt_init();
	idt_init();
	paging_drop_identity();
	if (xen_hvm_setup(XEN_PVH))
		halt_forever(); /* no hypercalls: no way to say anything */
	pvh_parse(info);
	arch_reserve_kernel_image();
	boot_loader_name = "xen-pvh";
	start_kernel();
}
