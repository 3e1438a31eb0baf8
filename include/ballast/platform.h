/*
 * What the machine below ballast is, and how to stop or idle it. Bare x86
 * fills in defaults (ACPI power-off, reset, hlt); a Xen boot path overrides
 * them (SCHEDOP_shutdown, SCHEDOP_block).
 */
#ifndef BALLAST_PLATFORM_H
#define BALLAST_PLATFORM_H

#include <ballast/types.h>

struct platform {
	const char *boot_mode;   /* "bare", "hvm", "pv", "pvh" */
	bool legacy_io;          /* PC ports (COM1, PIT, PIC): bare and HVM */
	char hypervisor[64];     /* "" bare, "Xen 4.17" ... */
	void (*poweroff)(void);  /* may return if it failed */
	void (*reboot)(void);
	void (*idle)(void);      /* wait for an interrupt/event */
	void (*halt)(void);      /* stop for good after a crash */
	void (*backtrace)(void); /* print the caller's stack (panic) */
	/* Time (see timer.h): a clock in ns, and a one-shot wake-up at an
	 * absolute clock time (0: none). Either may be NULL (no clock). */
	u64 (*clock_ns)(void);
	void (*set_timer)(u64 deadline_ns);
	/* Before mm_init: clip the boot memory map to what is backed. */
	void (*adjust_memory_map)(void);
};

extern struct platform platform;
/* Who started us ("multiboot2", "xen-pv", "xen-pvh"); set by the entry. */
extern const char *boot_loader_name;

void machine_poweroff(void) __noreturn;
/* Stop for good after a crash report (platform.halt, then a hlt loop). */
void machine_halt(void) __noreturn;
void machine_reboot(void) __noreturn;

/* The generic part of boot, after the arch entry filled boot_mem_map and
 * boot_cmdline and set up traps and a console. */
void start_kernel(void) __noreturn;

#endif
