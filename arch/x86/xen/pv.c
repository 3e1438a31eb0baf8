/* Xen PV boot: not implemented yet; tell Xen we crashed. */
#include <ballast/xen.h>

void xen_pv_main(start_info_t *si);

void xen_pv_main(start_info_t *si)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_crash };

	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}
