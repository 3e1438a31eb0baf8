/*
 * Power off, reboot, idle and halt for bare x86 (and QEMU): ACPI sleep state
 * S5 through the PM1a control port QEMU's chipsets use, then the reset
 * register and the keyboard controller. Xen boots replace these hooks.
 */
#include <ballast/console.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/time.h>
#include <asm/traps.h>

/* QEMU acts on the request between instructions: give it a moment. */
static void settle(void)
{
	for (int i = 0; i < 20000; i++)
		io_delay();
}

static void acpi_poweroff(void)
{
	outw(0x604, 0x2000);  /* QEMU q35 / i440fx with SeaBIOS */
	settle();
	outw(0xb004, 0x2000); /* older QEMU, Bochs */
	settle();
	outw(0x4004, 0x3400); /* VirtualBox */
	settle();
	/*
	 * QEMU stops the machine from its main loop, which may be busy (a
	 * loaded host, a terminal being written): "failed" only after 2 s.
	 */
	for (u64 t0 = tsc_clock_ns(); tsc_clock_ns() - t0 < 2000000000ULL;)
		io_delay();
}

static void reset_reboot(void)
{
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06); /* PCI reset control: hard reset */
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe); /* keyboard controller reset line */
	settle();
}

static void hlt_idle(void)
{
	/* sti; hlt is atomic: an interrupt between the two still wakes us. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void hlt_forever(void)
{
	halt_forever();
}

struct platform platform = {
	.boot_mode = "bare",
	.legacy_io = true,
	.poweroff = acpi_poweroff,
	.reboot = reset_reboot,
	.idle = hlt_idle,
	.halt = hlt_forever,
	.backtrace = dump_backtrace,
	.clock_ns = tsc_clock_ns,
	.set_timer = pit_set_timer,
};

void machine_halt(void)
{
	platform.halt();
	halt_forever();
}

void machine_poweroff(void)
{
	printk("Power down.\n");
	console_flush();
	platform.poweroff();
	printk(KERN_ERR "poweroff failed; halting\n");
	machine_halt();
}

void machine_reboot(void)
{
	printk("Restarting system.\n");
	console_flush();
	platform.reboot();
	printk(KERN_ERR "reboot failed; halting\n");
	machine_halt();
}
