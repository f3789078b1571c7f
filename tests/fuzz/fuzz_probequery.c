/* fuzz_probequery: libFuzzer target for a /probe request's query parser
 * (src/daemon/probequery.c). Any bytes: never a read past them (the
 * sanitizers watch); a refusal always says why; a target accepted is an
 * IPv4 or IPv6 address with a port other than 0; a module accepted is a
 * well-formed name. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probequery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_query q;
	const char *why = NULL;
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (probequery_parse(copy, size, &q, &why) != 0) {
		free(copy);
		if (why == NULL)
			abort();
		return 0;
	}
	free(copy);
	if (q.target.ss_family == AF_INET) {
		if (q.target_len != sizeof(struct sockaddr_in) ||
		    ((struct sockaddr_in *)&q.target)->sin_port == 0)
			abort();
	} else if (q.target.ss_family == AF_INET6) {
		if (q.target_len != sizeof(struct sockaddr_in6) ||
		    ((struct sockaddr_in6 *)&q.target)->sin6_port == 0)
			abort();
	} else
		abort();
	if (!probequery_module_valid(q.module, strlen(q.module)))
		abort();
	/* the budget of any header is a time within its bounds */
	double b = probequery_budget(q.module, 5, 0.5, 30);
	if (!(b >= 0.1 && b <= 30))
		abort();
	return 0;
}
