/* unit_net: the address helpers of src/lib/net.c, which need no network:
 * formatting (with IPv6 scopes), comparing, overlapping, the address
 * bytes, and resolving numeric addresses and "*". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "net.h"
#include "unit.h"

static struct net_addr addr(const char *text, int port, unsigned scope)
{
	struct net_addr a;

	a.ss = unit_addr(text, port, &a.len);
	if (a.ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a.ss)->sin6_scope_id = scope;
	return a;
}

#define SA(a) ((const struct sockaddr *)&(a).ss)

static const char *fmt(struct net_addr a)
{
	static char buf[NET_ADDRSTRLEN];

	return net_format(SA(a), a.len, buf, sizeof buf);
}

static void test_format(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char buf[NET_ADDRSTRLEN], small[8];
	struct net_addr a;

	CHECK_STR(fmt(addr("192.0.2.1", 50000, 0)), "192.0.2.1:50000");
	CHECK_STR(fmt(addr("2001:db8::1", 7, 0)), "[2001:db8::1]:7");
	/* the scope is kept, as the interface's index */
	CHECK_STR(fmt(addr("fe80::1", 7000, 3)), "[fe80::1%3]:7000");
	CHECK_STR(fmt(addr("::ffff:192.0.2.1", 1, 0)), "[::ffff:192.0.2.1]:1");
	/* the longest there is fits NET_ADDRSTRLEN */
	a = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 4294967295u);
	CHECK_STR(fmt(a), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535");
	CHECK(strlen(fmt(a)) < NET_ADDRSTRLEN);
	/* the address alone */
	a = addr("fe80::2", 9, 2);
	CHECK_STR(net_format_host(SA(a), a.len, buf, sizeof buf), "fe80::2%2");
	a = addr("198.51.100.7", 9, 0);
	CHECK_STR(net_format_host(SA(a), a.len, buf, sizeof buf), "198.51.100.7");
	/* anything else, or a length too short for the family: "?" */
	CHECK_STR(net_format((struct sockaddr *)&un, sizeof un, buf, sizeof buf), "?");
	CHECK_STR(net_format(SA(a), 4, buf, sizeof buf), "?");
	/* a small buffer is cut, not overrun */
	net_format(SA(a), a.len, small, sizeof small);
	CHECK(strlen(small) == sizeof small - 1);
}

static void test_compare(void)
{
	struct net_addr a = addr("127.0.0.1", 7000, 0), b = addr("127.0.0.1", 7001, 0);
	struct net_addr any4 = addr("0.0.0.0", 7000, 0), any6 = addr("::", 7000, 0);
	struct net_addr lo6 = addr("::1", 7000, 0), ll1 = addr("fe80::1", 7000, 1),
			ll2 = addr("fe80::1", 7000, 2);
	struct net_addr other = addr("127.0.0.2", 7000, 0);
	unsigned char bytes[16];

	CHECK(net_same_addr(&a, &a, false));
	CHECK(!net_same_addr(&a, &b, false));
	CHECK(net_same_addr(&a, &b, true));             /* any port */
	CHECK(!net_same_addr(&a, &lo6, true));          /* families differ */
	CHECK(!net_same_addr(&ll1, &ll2, true));        /* scopes differ */
	/* overlap: same family and port, the same address or a wildcard */
	CHECK(net_overlap(&a, &any4) && net_overlap(&any4, &a));
	CHECK(net_overlap(&a, &a));
	CHECK(!net_overlap(&a, &other));
	CHECK(!net_overlap(&a, &b));                    /* another port */
	CHECK(!net_overlap(&any4, &any6));              /* IPv6 sockets are IPv6 only */
	CHECK(net_overlap(&lo6, &any6));
	CHECK(net_port(SA(b)) == 7001 && net_port(SA(lo6)) == 7000);
	/* the bytes that identify an address; a mapped one is its IPv4 */
	CHECK(net_addr_bytes(SA(a), bytes) == 4 && memcmp(bytes, "\x7f\0\0\x01", 4) == 0);
	b = addr("::ffff:10.1.2.3", 1, 0);
	CHECK(net_addr_bytes(SA(b), bytes) == 4 && memcmp(bytes, "\x0a\x01\x02\x03", 4) == 0);
	CHECK(net_addr_bytes(SA(lo6), bytes) == 16 && bytes[15] == 1);
	{
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		CHECK(net_addr_bytes((struct sockaddr *)&un, bytes) == 0 &&
		      net_port((struct sockaddr *)&un) == 0);
	}
}

static void test_resolve(void)
{
	struct net_addr out[NET_MAX_ADDRS];
	char err[NET_ERRLEN];
	int n;
	bool v4 = false, v6 = false;

	/* a numeric address is converted, with no look-up */
	n = net_resolve("192.0.2.9", 7000, AF_UNSPEC, SOCK_STREAM, true, out, NET_MAX_ADDRS, 1000,
			err, sizeof err);
	CHECK(n == 1 && strcmp(fmt(out[0]), "192.0.2.9:7000") == 0);
	n = net_resolve("fe80::1%1", 7000, AF_UNSPEC, SOCK_DGRAM, false, out, NET_MAX_ADDRS, 1000,
			err, sizeof err);
	CHECK(n == 1 && strcmp(fmt(out[0]), "[fe80::1%1]:7000") == 0);
	/* an IPv4-mapped address to bind is the IPv4 address it names; to
	 * connect to, as given */
	n = net_resolve("::ffff:127.0.0.1", 7000, AF_UNSPEC, SOCK_STREAM, true, out,
			NET_MAX_ADDRS, 1000, err, sizeof err);
	CHECK(n == 1 && out[0].ss.ss_family == AF_INET && out[0].len == sizeof(struct sockaddr_in) &&
	      strcmp(fmt(out[0]), "127.0.0.1:7000") == 0);
	n = net_resolve("::ffff:127.0.0.1", 7000, AF_UNSPEC, SOCK_STREAM, false, out,
			NET_MAX_ADDRS, 1000, err, sizeof err);
	CHECK(n == 1 && out[0].ss.ss_family == AF_INET6);
	/* "*" passive: every local address, IPv4 and IPv6, once each */
	n = net_resolve("*", 0, AF_UNSPEC, SOCK_STREAM, true, out, NET_MAX_ADDRS, 1000, err,
			sizeof err);
	for (int i = 0; i < n; i++) {
		v4 = v4 || strcmp(fmt(out[i]), "0.0.0.0:0") == 0;
		v6 = v6 || strcmp(fmt(out[i]), "[::]:0") == 0;
	}
	CHECK(n == 2 && v4 && v6);
	/* the family asked for */
	n = net_resolve("*", 9, AF_INET6, SOCK_STREAM, true, out, NET_MAX_ADDRS, 1000, err,
			sizeof err);
	CHECK(n == 1 && strcmp(fmt(out[0]), "[::]:9") == 0);
	/* a port out of range is said so, before any look-up */
	errno = 0;
	CHECK(net_resolve("192.0.2.9", 65536, AF_UNSPEC, SOCK_STREAM, true, out, 1, 1000, err,
			  sizeof err) == -1);
	CHECK_STR(err, "port 65536 is out of range (0 to 65535)");
	CHECK(errno == EINVAL);
	/* an address of the other family than asked for */
	CHECK(net_resolve("192.0.2.9", 1, AF_INET6, SOCK_STREAM, false, out, 1, 1000, err,
			  sizeof err) == -1);
	CHECK(strncmp(err, "cannot resolve 192.0.2.9: ", 26) == 0);
	/* at most max addresses */
	n = net_resolve("*", 1, AF_UNSPEC, SOCK_STREAM, true, out, 1, 1000, err, sizeof err);
	CHECK(n == 1);
}

int main(void)
{
	test_format();
	test_compare();
	test_resolve();
	return unit_done("unit_net");
}
