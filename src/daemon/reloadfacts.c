/* reloadfacts.c: how the last reload went (see reloadfacts.h).
 *
 * It must not decide anything nor block: relaxed atomics, set by reload.c
 * and read by /metrics. */
#include "reloadfacts.h"

#include <stdatomic.h>
#include <time.h>

static atomic_int failed;               /* the last reload was refused */
static atomic_llong success_at;         /* epoch seconds of the last success; 0: none */

void reloadfacts_note(bool ok)
{
	atomic_store_explicit(&failed, !ok, memory_order_relaxed);
	if (ok)
		atomic_store_explicit(&success_at, (long long)time(NULL), memory_order_relaxed);
}

void reloadfacts_write(struct promtext *p, double started)
{
	long long at = atomic_load_explicit(&success_at, memory_order_relaxed);

	promtext_family(p, "netecho_config_last_reload_successful", PROM_GAUGE,
			"Whether the last reload was committed (1) or refused (0); 1 before any.");
	promtext_sample(p, "", NULL, 0, !atomic_load_explicit(&failed, memory_order_relaxed));
	promtext_family(p, "netecho_config_last_reload_success_timestamp_seconds", PROM_GAUGE,
			"When the configuration in force was committed, in seconds since the epoch (the metrics service's start before any reload).");
	promtext_sample(p, "", NULL, 0, at != 0 ? (double)at : started);
}
