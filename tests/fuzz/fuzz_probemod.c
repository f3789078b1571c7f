/* fuzz_probemod: libFuzzer target for a [metrics] module line's parser
 * (src/daemon/probemod.c). Any bytes: never a read past them (the
 * sanitizers watch); a refusal always says why; a module accepted has a
 * well-formed name that is no built-in's, a prober, and settings within
 * their bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probemod.h"
#include "probequery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_module m;
	enum probe_module pm;
	const char *why = NULL;
	char *copy = malloc(size ? size : 1);   /* exactly size bytes: a read past them is seen */

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	int r = probemod_parse(copy, size, &m, &why);
	free(copy);
	if (r != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (!probequery_module_valid(m.name, strlen(m.name)) || probe_module(m.name, &pm) == 0)
		abort();
	if (m.prober != PROBE_TCP && m.prober != PROBE_UDP && m.prober != PROBE_PATH)
		abort();
	if (m.count > PROBE_COUNT_MAX || (m.count > 0 && m.prober == PROBE_PATH))
		abort();
	if (m.interval != 0 && (m.prober != PROBE_UDP || m.interval < PROBEMOD_INTERVAL_MIN ||
				m.interval > PROBEMOD_INTERVAL_MAX))
		abort();
	if (m.dscp > 63 || (m.dscp >= 0 && m.prober != PROBE_PATH))
		abort();
	return 0;
}
