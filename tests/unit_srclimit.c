/* unit_srclimit: connections per client address (src/srclimit.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/un.h>

#include "../src/srclimit.h"
#include "unit.h"

static struct sockaddr_storage addr(const char *text, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
	} else {
		abort();
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

int main(void)
{
	struct srclimit *sl = srclimit_new(1, 2);
	struct sockaddr_storage a = addr("192.0.2.1", 1000), a2 = addr("192.0.2.1", 2000);
	struct sockaddr_storage b = addr("192.0.2.2", 1000), v6 = addr("2001:db8::1", 1);
	struct sockaddr_storage mapped = addr("::ffff:192.0.2.1", 3000);
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	CHECK(sl != NULL);
	/* up to the limit per address, whatever the port */
	CHECK(srclimit_take(sl, SA(a), 2));
	CHECK(srclimit_take(sl, SA(a2), 2));
	CHECK(!srclimit_take(sl, SA(a), 2));
	CHECK(srclimit_count(sl, SA(a)) == 2);
	/* other addresses are counted apart */
	CHECK(srclimit_take(sl, SA(b), 2));
	CHECK(srclimit_take(sl, SA(v6), 2));
	CHECK(srclimit_sources(sl) == 3);
	/* an IPv4-mapped IPv6 address is its IPv4 address */
	CHECK(!srclimit_take(sl, SA(mapped), 2));
	CHECK(srclimit_count(sl, SA(mapped)) == 2);
	/* a connection leaving makes room */
	srclimit_put(sl, SA(mapped));
	CHECK(srclimit_count(sl, SA(a)) == 1);
	CHECK(srclimit_take(sl, SA(a), 2));
	/* the last one leaving forgets the address */
	srclimit_put(sl, SA(b));
	CHECK(srclimit_count(sl, SA(b)) == 0);
	CHECK(srclimit_sources(sl) == 2);
	srclimit_put(sl, SA(b));        /* unknown: no effect */
	CHECK(srclimit_sources(sl) == 2);
	/* a limit of zero admits nobody */
	CHECK(!srclimit_take(sl, SA(b), 0));
	/* neither IPv4 nor IPv6 */
	errno = 0;
	CHECK(!srclimit_take(sl, (struct sockaddr *)&un, 5) && errno == EAFNOSUPPORT);
	/* many addresses, many collisions in the buckets: all exact */
	for (int i = 0; i < 20000; i++) {
		char text[32];
		struct sockaddr_storage x;

		snprintf(text, sizeof text, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		x = addr(text, 1);
		CHECK(srclimit_take(sl, SA(x), 1));
		if (i % 7 == 0)
			CHECK(!srclimit_take(sl, SA(x), 1));
	}
	CHECK(srclimit_sources(sl) == 20002);
	for (int i = 0; i < 20000; i += 2) {
		char text[32];
		struct sockaddr_storage x;

		snprintf(text, sizeof text, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		x = addr(text, 1);
		srclimit_put(sl, SA(x));
	}
	CHECK(srclimit_sources(sl) == 10002);
	srclimit_free(sl);
	return unit_done("unit_srclimit");
}
