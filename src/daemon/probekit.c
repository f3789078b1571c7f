/* probekit.c: what every /probe module shares (see probekit.h).
 *
 * It must not know a module, nor wait past a deadline or a stop. */
#include "probekit.h"

#include <errno.h>

#include "clock.h"

void probe_gauge(struct promtext *p, const char *name, const char *help, double v)
{
	promtext_family(p, name, PROM_GAUGE, help);
	promtext_sample(p, "", NULL, 0, v);
}

bool probe_stopping(const struct probe_params *pp)
{
	return pp->stop != NULL && atomic_load_explicit(pp->stop, memory_order_relaxed);
}

int probe_poll(const struct probe_params *pp, struct pollfd *pfd, double deadline)
{
	for (;;) {
		int ms = clock_ms_until(deadline), n;

		if (probe_stopping(pp))
			return 0;
		n = poll(pfd, 1, ms > PROBE_STOP_SLICE_MS ? PROBE_STOP_SLICE_MS : ms);
		if (n != 0 && !(n < 0 && errno == EINTR))
			return n;
		if (n == 0 && ms <= PROBE_STOP_SLICE_MS)
			return 0;
	}
}
