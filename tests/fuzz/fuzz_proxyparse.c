/* fuzz_proxyparse: libFuzzer target for the PROXY protocol header parser
 * (src/daemon/proxyparse.c). Any bytes: never a read past them (the sanitizers
 * watch); a whole header is never longer than the bytes given nor than
 * the limits; every prefix of a whole header asks for more, never
 * succeeds nor fails differently; the addresses it gives are IPv4 or
 * IPv6. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "proxyparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h, p;
	const char *why;
	enum proxy_result r = proxy_parse(data, size, &h, &why);

	if (r == PROXY_BAD && why == NULL)
		abort();
	if (r != PROXY_OK)
		return 0;
	if (h.length == 0 || h.length > size || h.length > PROXY_MAX ||
	    (h.version == 1 && h.length > PROXY_V1_MAX))
		abort();
	if (!h.local && ((h.src.ss_family != AF_INET && h.src.ss_family != AF_INET6) ||
			 h.src.ss_family != h.dst.ss_family))
		abort();
	/* the header alone parses the same; each prefix of it asks for more */
	if (proxy_parse(data, h.length, &p, &why) != PROXY_OK || p.length != h.length)
		abort();
	for (size_t i = 1; i < h.length; i += 1 + i / 16)
		if (proxy_parse(data, i, &p, &why) != PROXY_MORE)
			abort();
	return 0;
}
