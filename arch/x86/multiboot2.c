/*
 * Multiboot2 boot path: read the boot information GRUB left (command line,
 * memory map, modules), reserve what must survive, then start the kernel.
 */
#include <ballast/boot_mem_map.h>
#include <ballast/cmdline.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/string.h>
#include <ballast/arch_mm.h>
#include <asm/layout.h>
#include <asm/setup.h>
#include <asm/traps.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_mmap {
	u32 type;
	u32 size;
	u32 entry_size;
	u32 entry_version;
	struct {
		u64 addr;
		u64 len;
		u32 type;
		u32 zero;
	} entries[];
};

struct mb2_module {
	u32 type;
	u32 size;
	u32 start;
	u32 end;
	char cmdline[];
};


static void parse_mmap(const struct mb2_mmap *m)
{
	const u8 *p = (const u8 *)m->entries;
	const u8 *end = (const u8 *)m + m->size;

	/* A size from the loader drives the loop: 0 would never end it. */
	if (m->entry_size < 24) {
		pr_warn("e820: multiboot2 memory map entry size %u, ignored\n",
			m->entry_size);
		return;
	}
	for (; p + m->entry_size <= end; p += m->entry_size) {
		const u64 *e = (const u64 *)p;
		u32 type = *(const u32 *)(p + 16);
		if (bootmem_add_region(e[0], e[1], type))
			pr_warn("e820: dropped region %#llx+%#llx\n",
				(unsigned long long)e[0],
				(unsigned long long)e[1]);
	}
}

static void parse_tags(u32 info)
{
	const u8 *base = phys_to_virt(info);
	u32 total = *(const u32 *)base;

	bootmem_reserve(info, total, "multiboot2 info");
	for (const u8 *p = base + 8; p < base + total;) {
		const struct mb2_tag *t = (const void *)p;
		if (t->type == MB2_TAG_END)
			break;
		if (t->size < sizeof(*t)) { /* would never advance */
			pr_warn("multiboot2: tag %u of size %u, rest ignored\n",
				t->type, t->size);
			break;
		}
		if (t->type == MB2_TAG_CMDLINE)
			cmdline_set((const char *)(t + 1));
		else if (t->type == MB2_TAG_MMAP)
			parse_mmap((const void *)t);
		else if (t->type == MB2_TAG_MODULE) {
			const struct mb2_module *m = (const void *)t;
			if (m->end > m->start)
				bootmem_reserve(m->start, m->end - m->start,
						"boot module");
		}
		p += ALIGN_UP(t->size, 8);
	}
}

void multiboot2_main(u32 magic, u32 info)
{
	arch_early_init();
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 loader (magic %#x)", magic);
	parse_tags(info);
	bootmem_reserve(0, 1 * MiB, "low memory (BIOS)");
	arch_reserve_kernel_image();
	boot_loader_name = "multiboot2";
	start_kernel();
}
