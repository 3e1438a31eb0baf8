/* Helpers shared by the xenstore client tests: see xenstore_fixture.h. */
#include "xenstore_fixture.h"
#include "sim_xenstore.h"
#include "unit.h"

struct xst_fired xst_fired;

void xst_clean(void)
{
	CHECK_EQ(sim_xs_stats.stalls, 0);
	CHECK_EQ(sim_xs_stats.bad_reqs, 0);
}

void xst_record(struct xs_watch *w, const char *path)
{
	int i = xst_fired.n++;
	char *value;

	if (i >= XST_MAX_FIRED)
		return;
	value = xst_fired.value[i];
	xst_fired.w[i] = w;
	snprintf(xst_fired.path[i], sizeof(xst_fired.path[i]), "%s", path);
	if (xs_read(0, path, value, sizeof(xst_fired.value[i])) < 0)
		strcpy(value, "<gone>");
}

void xst_fired_reset(void)
{
	memset(&xst_fired, 0, sizeof(xst_fired));
}
