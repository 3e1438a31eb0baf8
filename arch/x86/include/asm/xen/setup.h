/*
 * Bring-up of the Xen guest modes in arch/x86/xen: detection (CPUID), the
 * hypercall page, HVM parameters, and the entry points Xen starts.
 */
#ifndef ASM_XEN_SETUP_H
#define ASM_XEN_SETUP_H

#include <ballast/xen/guest.h>

/* CPUID leaf of Xen's signature, or 0 when not running on Xen. */
u32 xen_cpuid_base(void);
/* HVM/PVH: fill the hypercall page through the MSR CPUID names. */
int xen_hvm_init_hypercall_page(void);
/* Map shared_info, read the version, take over the platform hooks. */
void xen_common_init(void);
/* Read an HVM parameter; negative errno on failure. */
int xen_hvm_get_param(u32 index, u64 *value);
/* HVM and PVH: read the ring parameters and map what they name. */
void xen_hvm_read_params(void);
/* HVM and PVH: hypercall page, params, shared_info; -ENODEV if not Xen. */
int xen_hvm_setup(enum xen_mode mode);
/* Called from arch_early_init on the multiboot2 path: detects HVM. */
void xen_hvm_early_detect(void);

/* PVH/HVM with memory < maxmem: keep only backed RAM (pod.c). */
void xen_pod_clip_memory_map(void);
/* PV failsafe callback (pv_entry.S): a bad segment on return. */
void xen_pv_failsafe(void);

/* C entry points, called by the assembly entries xen_pv_start
 * (xen_head.S) and _start32 (head32.S, PVH through xen_pvh_start). */
void xen_pv_main(start_info_t *si) __noreturn;
void xen_pvh_main(u32 magic, u32 info) __noreturn;

/* Xen system time and the single-shot timer (arch/x86/xen/time.c). */
u64 xen_clock_ns(void);
/* Clock reads mended: TSC behind Xen's stamp, a step back held. */
extern u64 xen_clock_tsc_behind, xen_clock_held;
/* HVM/PVH idle: sti; hlt; cli (enlighten.c). */
void xen_sti_hlt(void);
extern const char xen_idle_hlt_insn[];
/* Upcalls taken at that hlt (sti shadow lost), stepped over unless
 * xen_idle=plain; called from the upcall vector with its frame. */
struct regs;
void xen_idle_fixup(struct regs *r);
extern u64 xen_idle_hlt_upcalls;
extern bool xen_idle_fix;
u64 xen_tsc_khz(void);
void xen_time_suspend(void);
void xen_time_resume(bool cancelled);
extern s64 xen_clock_last_jump;

/* Suspend the domain for save/restore/migrate (suspend.c). */
int xen_suspend(void);
void xen_hvm_read_ports(void);
void xen_pv_pre_suspend(void);
void xen_pv_post_suspend(bool cancelled);
u64 xen_pv_start_info_mfn(void);
int xen_hvm_remap_shared_info(void);

#endif
