/* unit_localaddr: the bounded set of the host's addresses (src/daemon/localaddr.c)
 * that the UDP echo's loop check asks: addresses, IPv4 as IPv4-mapped,
 * local networks, the bound and what lies past it. No network needed. */
#include "localaddr.h"
#include "unit.h"

static struct addrset set;

static bool add(const char *text, unsigned prefix_len)
{
	struct sockaddr_storage ss = unit_addr(text, 0, NULL);

	return addrset_add(&set, (struct sockaddr *)&ss, prefix_len);
}

static enum addr_verdict find(const char *text, int port)
{
	struct sockaddr_storage ss = unit_addr(text, port, NULL);

	return addrset_find(&set, (struct sockaddr *)&ss);
}

/* text as an IPv4-mapped IPv6 address (a dual-stack socket's view) */
static enum addr_verdict find_mapped(const char *v4)
{
	char text[64];

	snprintf(text, sizeof text, "::ffff:%s", v4);
	return find(text, 7000);
}

static void test_addresses(void)
{
	addrset_clear(&set);
	addrset_finish(&set);
	CHECK(find("10.0.0.2", 7000) == ADDR_NOT_OURS);         /* empty */
	CHECK(add("10.0.0.3", 32) && add("10.0.0.2", 32) && add("2001:db8::1", 64) &&
	      add("10.0.0.2", 32) && add("fe80::1", 64));
	addrset_finish(&set);
	CHECK(set.n == 4);              /* the duplicate dropped */
	CHECK(set.nnets == 0);          /* /32 and IPv6: addresses alone */
	CHECK(find("10.0.0.2", 7000) == ADDR_OURS);
	CHECK(find("10.0.0.3", 1) == ADDR_OURS);                /* any port */
	CHECK(find("10.0.0.4", 7000) == ADDR_NOT_OURS);
	CHECK(find("10.0.0.1", 7000) == ADDR_NOT_OURS);
	CHECK(find("2001:db8::1", 7000) == ADDR_OURS);
	CHECK(find("2001:db8::2", 7000) == ADDR_NOT_OURS);      /* the /64 is not ours */
	CHECK(find("fe80::1", 7000) == ADDR_OURS);
	/* the same address seen by a dual-stack socket */
	CHECK(find_mapped("10.0.0.3") == ADDR_OURS);
	CHECK(find_mapped("10.0.0.9") == ADDR_NOT_OURS);
	/* an IPv4 address is not the IPv6 address of the same bytes */
	CHECK(find("::a00:2", 7000) == ADDR_NOT_OURS);
	/* a family that is neither: no echo goes there */
	{
		struct sockaddr sa = { .sa_family = AF_UNIX };

		CHECK(addrset_find(&set, &sa) == ADDR_NOT_OURS);
		CHECK(!addrset_add(&set, &sa, 32));
	}
	addrset_clear(&set);
	addrset_finish(&set);
	CHECK(find("10.0.0.2", 7000) == ADDR_NOT_OURS);
}

/* An IPv4 address with a prefix on a loopback device: all of it is local
 * (127.0.0.1/8 on lo, 10.0.0.2/24 on lo). */
static void test_networks(void)
{
	addrset_clear(&set);
	CHECK(add("127.0.0.1", 8) && add("10.1.2.3", 24) && add("192.0.2.1", 31) &&
	      add("198.51.100.7", 0 + 29));
	addrset_finish(&set);
	CHECK(set.nnets == 4);
	CHECK(find("127.255.0.9", 7000) == ADDR_OURS);
	CHECK(find("128.0.0.1", 7000) == ADDR_NOT_OURS);
	CHECK(find("10.1.2.0", 7000) == ADDR_OURS && find("10.1.2.255", 7000) == ADDR_OURS);
	CHECK(find("10.1.3.0", 7000) == ADDR_NOT_OURS && find("10.1.1.255", 7000) == ADDR_NOT_OURS);
	CHECK(find("192.0.2.0", 7000) == ADDR_OURS && find("192.0.2.1", 7000) == ADDR_OURS);
	CHECK(find("192.0.2.2", 7000) == ADDR_NOT_OURS);
	CHECK(find("198.51.100.0", 7000) == ADDR_OURS && find("198.51.100.7", 7000) == ADDR_OURS);
	CHECK(find("198.51.100.8", 7000) == ADDR_NOT_OURS);
	CHECK(find_mapped("10.1.2.77") == ADDR_OURS);
	/* an IPv6 prefix length makes no network: the address alone */
	addrset_clear(&set);
	CHECK(add("2001:db8::1", 0));
	addrset_finish(&set);
	CHECK(set.nnets == 0 && find("2001:db8::2", 7000) == ADDR_NOT_OURS);
	/* /0 on a loopback device: every IPv4 address, none of IPv6 */
	addrset_clear(&set);
	CHECK(add("10.0.0.1", 0));
	addrset_finish(&set);
	CHECK(find("203.0.113.5", 7000) == ADDR_OURS && find("2001:db8::5", 7000) == ADDR_NOT_OURS);
}

/* Past LOCALADDR_MAX addresses (or LOCALADDR_NETS_MAX networks) the set is
 * full: what it holds is still ours, what it lacks is unknown (held back
 * by the loop check, never answered on a guess). */
static void test_bound(void)
{
	char text[64];
	bool all = true;

	addrset_clear(&set);
	for (int i = 0; i < LOCALADDR_MAX; i++) {
		snprintf(text, sizeof text, "10.%d.%d.1", i / 256, i % 256);
		all &= add(text, 32);
	}
	addrset_finish(&set);
	CHECK(all && set.n == LOCALADDR_MAX && !set.full);
	CHECK(find("10.15.255.1", 7000) == ADDR_OURS);
	CHECK(find("10.16.0.1", 7000) == ADDR_NOT_OURS);
	CHECK(!add("10.16.0.1", 32));
	addrset_finish(&set);
	CHECK(set.full && set.n == LOCALADDR_MAX);
	CHECK(find("10.0.0.1", 7000) == ADDR_OURS);
	CHECK(find("10.16.0.1", 7000) == ADDR_UNKNOWN);
	CHECK(find("2001:db8::1", 7000) == ADDR_UNKNOWN);
	/* cleared: empty and bounded again */
	addrset_clear(&set);
	addrset_finish(&set);
	CHECK(!set.full && find("10.16.0.1", 7000) == ADDR_NOT_OURS);
	/* the networks have a bound of their own */
	all = true;
	for (int i = 0; i < LOCALADDR_NETS_MAX; i++) {
		snprintf(text, sizeof text, "10.%d.0.1", i);
		all &= add(text, 16);
	}
	CHECK(all && !set.full);
	CHECK(!add("172.16.0.1", 12));
	addrset_finish(&set);
	CHECK(set.full);
	CHECK(find("10.3.4.5", 7000) == ADDR_OURS);
	CHECK(find("172.16.9.9", 7000) == ADDR_UNKNOWN);
}

int main(void)
{
	test_addresses();
	test_networks();
	test_bound();
	return unit_done("unit_localaddr");
}
