/* Early x86 setup shared by the boot paths: traps, PIC, Xen HVM detection. */
#include <ballast/boot_mem_map.h>
#include <ballast/console.h>
#include <ballast/init.h>
#include <ballast/platform.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/setup.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <asm/xen/setup.h>

void arch_early_init(void)
{
	gdt_init();
	idt_init();
	pic_init();
	paging_drop_identity();
	init_hooks_run(INIT_LEVEL_EARLYCON); /* COM1, before anything can fail */
	xen_hvm_early_detect(); /* Xen HVM: hypercalls, shared_info */
}

/* Boot paths that load the image at its link address (multiboot2, PVH). */
void arch_reserve_kernel_image(void)
{
	bootmem_reserve(PHYS(_kernel_start), _kernel_end - _kernel_start,
			"kernel image");
}
