/* unit_ratelimit: the token buckets of src/daemon/ratelimit.c, with a clock of
 * the test's own: a burst of rate per source, refilled at rate a second,
 * the total over every source, places taken over from quiet sources. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "ratelimit.h"
#include "unit.h"

static struct sockaddr_storage addr(const char *text)
{
	return unit_addr(text, 0, NULL);
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static int passes(struct ratelimit *rl, const struct sockaddr_storage *ss, int tries, double now)
{
	int n = 0;

	for (int i = 0; i < tries; i++)
		n += ratelimit_take(rl, SA(*ss), now) == RATELIMIT_PASS;
	return n;
}

int main(void)
{
	struct ratelimit *rl = ratelimit_new(1, 2, 5, 100);
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2"),
				mapped = addr("::ffff:192.0.2.1");
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	CHECK(rl != NULL);
	/* a burst of rate, then the source's share is spent */
	CHECK(passes(rl, &a, 20, 1000.0) == 5);
	CHECK(ratelimit_take(rl, SA(a), 1000.0) == RATELIMIT_SOURCE);
	/* an IPv4-mapped address is the same source */
	CHECK(ratelimit_take(rl, SA(mapped), 1000.0) == RATELIMIT_SOURCE);
	/* another source has its own */
	CHECK(passes(rl, &b, 20, 1000.0) == 5);
	/* time refills: rate a second, never more than the burst */
	CHECK(passes(rl, &a, 20, 1000.2) == 1);
	CHECK(passes(rl, &a, 20, 1001.2) == 5);
	CHECK(passes(rl, &a, 20, 2000.0) == 5);
	/* a clock that goes back gives nothing */
	CHECK(passes(rl, &a, 20, 1500.0) == 0);
	CHECK(ratelimit_take(rl, (struct sockaddr *)&un, 3000.0) == RATELIMIT_BADADDR);
	ratelimit_free(rl);

	/* the total: 1,000 sources of one each against a total of 100 */
	rl = ratelimit_new(3, 4, 5, 100);
	{
		int pass = 0, total = 0;

		for (int i = 0; i < 1000; i++) {
			char text[32];
			struct sockaddr_storage x;
			enum ratelimit_verdict v;

			snprintf(text, sizeof text, "10.0.%d.%d", i / 256, i % 256);
			x = addr(text);
			v = ratelimit_take(rl, SA(x), 50.0);
			pass += v == RATELIMIT_PASS;
			total += v == RATELIMIT_TOTAL;
		}
		CHECK(pass == 100 && total == 900);
		/* a second later, 100 more */
		CHECK(passes(rl, &a, 5, 51.0) == 5);
	}
	ratelimit_free(rl);

	/* more sources than places: the table keeps working, and a new limit
	 * (a reload) applies at once */
	rl = ratelimit_new(5, 6, 1, 1e9);
	{
		int pass = 0;

		for (int i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
			char text[64];
			struct sockaddr_storage x;

			snprintf(text, sizeof text, "2001:db8::%x:%x", i / 65536, i % 65536);
			x = addr(text);
			pass += passes(rl, &x, 3, 7.0);
		}
		CHECK(pass == 3 * RATELIMIT_SLOTS);
		ratelimit_set(rl, 2, 1e9);
		CHECK(passes(rl, &a, 5, 7.0) == 2);     /* a new source: the new burst */
	}
	ratelimit_free(rl);
	return unit_done("unit_ratelimit");
}
