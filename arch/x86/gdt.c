/*
 * The kernel's own GDT: 64-bit code and data, and a TSS whose IST1 gives the
 * double-fault handler a stack of its own (a #DF from a blown stack must not
 * run on that stack).
 */
#include <ballast/string.h>
#include <asm/traps.h>

struct tss {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3;
	u16 iomap_base;
} __packed;

static struct tss tss;
static u8 df_stack[8192] __aligned(16);
static u64 gdt[7] __aligned(16);

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

void gdt_init(void)
{
	u64 base = (u64)&tss, limit = sizeof(tss) - 1;
	struct desc_ptr p = { sizeof(gdt) - 1, (u64)gdt };

	tss.ist[0] = (u64)(df_stack + sizeof(df_stack));
	tss.iomap_base = sizeof(tss);
	gdt[1] = 0x00af9a000000ffffULL; /* 0x08 code */
	gdt[2] = 0x00cf92000000ffffULL; /* 0x10 data */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56); /* 0x28: available 64-bit TSS */
	gdt[6] = base >> 32;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw $0x28, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(p)
			 : "rax", "memory");
}
