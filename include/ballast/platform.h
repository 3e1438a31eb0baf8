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
	char hypervisor[64];     /* "" bare, "Xen 4.17" ... */
	void (*poweroff)(void);  /* may return if it failed */
	void (*reboot)(void);
	void (*idle)(void);      /* wait for an interrupt/event */
	void (*halt)(void);      /* stop for good after a crash */
};

extern struct platform platform;

void machine_poweroff(void) __noreturn;
void machine_reboot(void) __noreturn;

/* The generic part of boot, after the arch entry filled boot_mem_map and
 * boot_cmdline and set up traps and a console. */
void start_kernel(void) __noreturn;

#endif
