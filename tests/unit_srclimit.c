/* unit_srclimit: connections per client address (src/daemon/srclimit.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/un.h>

#include "srclimit.h"
#include "unit.h"

static struct sockaddr_storage addr(const char *text, int port)
{
	return unit_addr(text, port, NULL);
}

#define SA(ss) ((const struct sockaddr *)&(ss))

int main(void)
{
	struct srclimit *sl = srclimit_new(1, 2, 32, 128);
	struct sockaddr_storage a = addr("192.0.2.1", 1000), a2 = addr("192.0.2.1", 2000);
	struct sockaddr_storage b = addr("192.0.2.2", 1000), v6 = addr("2001:db8::1", 1);
	struct sockaddr_storage mapped = addr("::ffff:192.0.2.1", 3000);
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	CHECK(sl != NULL);
	/* up to the limit per address, whatever the port */
	CHECK(srclimit_take(sl, SA(a), 2) == SRCLIMIT_TAKEN);
	CHECK(srclimit_take(sl, SA(a2), 2) == SRCLIMIT_TAKEN);
	CHECK(srclimit_take(sl, SA(a), 2) == SRCLIMIT_FULL);
	CHECK(srclimit_count(sl, SA(a)) == 2);
	/* other addresses are counted apart */
	CHECK(srclimit_take(sl, SA(b), 2) == SRCLIMIT_TAKEN);
	CHECK(srclimit_take(sl, SA(v6), 2) == SRCLIMIT_TAKEN);
	CHECK(srclimit_sources(sl) == 3);
	/* an IPv4-mapped IPv6 address is its IPv4 address */
	CHECK(srclimit_take(sl, SA(mapped), 2) == SRCLIMIT_FULL);
	CHECK(srclimit_count(sl, SA(mapped)) == 2);
	/* a connection leaving makes room */
	srclimit_put(sl, SA(mapped));
	CHECK(srclimit_count(sl, SA(a)) == 1);
	CHECK(srclimit_take(sl, SA(a), 2) == SRCLIMIT_TAKEN);
	/* the last one leaving forgets the address */
	srclimit_put(sl, SA(b));
	CHECK(srclimit_count(sl, SA(b)) == 0);
	CHECK(srclimit_sources(sl) == 2);
	srclimit_put(sl, SA(b));        /* unknown: no effect */
	CHECK(srclimit_sources(sl) == 2);
	/* a limit of zero admits nobody */
	CHECK(srclimit_take(sl, SA(b), 0) == SRCLIMIT_FULL);
	/* neither IPv4 nor IPv6: said so, whatever errno was before */
	errno = ENOMEM;
	CHECK(srclimit_take(sl, (struct sockaddr *)&un, 5) == SRCLIMIT_BADADDR);
	/* many addresses, many collisions in the buckets: all exact */
	for (int i = 0; i < 20000; i++) {
		char text[32];
		struct sockaddr_storage x;

		snprintf(text, sizeof text, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		x = addr(text, 1);
		CHECK(srclimit_take(sl, SA(x), 1) == SRCLIMIT_TAKEN);
		if (i % 7 == 0)
			CHECK(srclimit_take(sl, SA(x), 1) == SRCLIMIT_FULL);
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

	/* per network: a /24 and a /64 count as one source */
	sl = srclimit_new(3, 4, 24, 64);
	{
		struct sockaddr_storage n1 = addr("198.51.100.7", 1),
					n2 = addr("198.51.100.200", 2);
		struct sockaddr_storage n3 = addr("198.51.101.7", 1),
					m1 = addr("::ffff:198.51.100.9", 4);
		struct sockaddr_storage s1 = addr("2001:db8:1:2::1", 1),
					s2 = addr("2001:db8:1:2:ffff::9", 1);
		struct sockaddr_storage s3 = addr("2001:db8:1:3::1", 1);

		CHECK(srclimit_take(sl, SA(n1), 2) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(n2), 2) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(m1), 2) == SRCLIMIT_FULL);   /* mapped, same /24 */
		CHECK(srclimit_take(sl, SA(n3), 2) == SRCLIMIT_TAKEN);  /* the next /24 */
		CHECK(srclimit_count(sl, SA(n2)) == 2);
		CHECK(srclimit_take(sl, SA(s1), 2) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(s2), 2) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(s1), 2) == SRCLIMIT_FULL);
		CHECK(srclimit_take(sl, SA(s3), 2) == SRCLIMIT_TAKEN);
		CHECK(srclimit_sources(sl) == 4);
		srclimit_put(sl, SA(n1));
		CHECK(srclimit_count(sl, SA(n2)) == 1);
		srclimit_free(sl);
	}
	/* /0: everyone is one source; odd prefixes mask within a byte */
	sl = srclimit_new(5, 6, 0, 0);
	{
		struct sockaddr_storage x = addr("10.0.0.1", 1), y = addr("203.0.113.1", 1);

		CHECK(srclimit_take(sl, SA(x), 1) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(y), 1) == SRCLIMIT_FULL);
		srclimit_free(sl);
	}
	sl = srclimit_new(7, 8, 25, 128);
	{
		struct sockaddr_storage lo = addr("192.0.2.127", 1), hi = addr("192.0.2.128", 1);
		struct sockaddr_storage lo2 = addr("192.0.2.0", 1);

		CHECK(srclimit_take(sl, SA(lo), 1) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(hi), 1) == SRCLIMIT_TAKEN);
		CHECK(srclimit_take(sl, SA(lo2), 1) == SRCLIMIT_FULL);
		srclimit_free(sl);
	}
	return unit_done("unit_srclimit");
}
