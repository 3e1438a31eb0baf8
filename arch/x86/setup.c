/* Early x86 setup shared by the boot paths: traps, PIC, serial console. */
#include <ballast/boot_mem_map.h>
#include <ballast/console.h>
#include <ballast/platform.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/setup.h>
#include <asm/paging.h>
#include <asm/traps.h>

bool uart_init(void);
void xen_hvm_early_detect(void);

static void uart_irq(struct regs *r)
{
	/* Nothing to do: waking from hlt is the point; the shell polls. */
}

void arch_early_init(void)
{
	gdt_init();
	idt_init();
	pic_init();
	paging_drop_identity();
	if (uart_init()) {
		set_irq_handler(IRQ_BASE + 4, uart_irq);
		pic_unmask(4);
	}
	xen_hvm_early_detect(); /* Xen HVM: PV console, xenstore, events */
}

/* Boot paths that load the image at its link address (multiboot2, PVH). */
void arch_reserve_kernel_image(void)
{
	bootmem_reserve(PHYS(_kernel_start), _kernel_end - _kernel_start,
			"kernel image");
}
