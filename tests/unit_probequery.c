/* unit_probequery: a /probe request's query (src/daemon/probequery.c):
 * numeric targets with their port, the module, escapes, refusals with
 * their reason, and the time budget from Prometheus's scrape timeout. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "probequery.h"
#include "unit.h"

static struct probe_query q;
static const char *why;

static int parse(const char *s)
{
	why = NULL;
	return probequery_parse(s, strlen(s), &q, &why);
}

static int port(void)
{
	return ntohs(((struct sockaddr_in *)&q.target)->sin_port);
}

static void accepted(void)
{
	char text[INET6_ADDRSTRLEN];
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&q.target;

	CHECK(parse("target=192.0.2.1:7&module=udp") == 0);
	CHECK(q.target.ss_family == AF_INET && port() == 7);
	CHECK(q.target_len == sizeof(struct sockaddr_in));
	CHECK_STR(q.module, "udp");
	CHECK(parse("module=path&target=192.0.2.9:65535") == 0);
	CHECK(port() == 65535);
	CHECK_STR(q.module, "path");
	CHECK(parse("target=192.0.2.1:7") == 0);
	CHECK_STR(q.module, "tcp");
	CHECK(parse("target=%5B2001%3Adb8%3A%3A1%5D%3A2007&module=my-tcp_2") == 0);
	CHECK(q.target.ss_family == AF_INET6 && ntohs(in6->sin6_port) == 2007);
	CHECK_STR(inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text), "2001:db8::1");
	CHECK_STR(q.module, "my-tcp_2");
	CHECK(parse("target=[::1]:7") == 0);
	/* others ignored, empty pieces skipped */
	CHECK(parse("&&foo=bar&target=192.0.2.1:7&x&&") == 0);
	CHECK(probequery_parse("target=192.0.2.1:7garbage", 18, &q, &why) == 0);
}

#define NOT_UNICAST4 "the target is not a unicast address (0.0.0.0/8, multicast, broadcast)"
#define NOT_UNICAST6 "the target is not a unicast address (::, multicast)"

static void refused(const char *s, const char *want)
{
	CHECK(parse(s) == -1);
	CHECK_STR(why, want);
}

static void refusals(void)
{
	char big[PROBEQUERY_MAX + 2];

	refused("", "no target (target=address:port)");
	refused("module=tcp", "no target (target=address:port)");
	refused("target=192.0.2.1", "the target has no port (address:port)");
	refused("target=192.0.2.1:0", "the target's port is not a number in 1-65535");
	refused("target=192.0.2.1:65536", "the target's port is not a number in 1-65535");
	refused("target=192.0.2.1:+7", "the target's port is not a number in 1-65535");
	refused("target=192.0.2.1:-7", "the target's port is not a number in 1-65535");
	refused("target=192.0.2.1: 7", "the target's port is not a number in 1-65535");
	refused("target=192.0.2.1:7x", "the target's port is not a number in 1-65535");
	refused("target=example.org:7",
		"the target is not a numeric IPv4 address ([address] for IPv6; no names)");
	refused("target=2001:db8::1:7",
		"the target is not a numeric IPv4 address ([address] for IPv6; no names)");
	refused("target=[2001:db8::1]7", "an IPv6 target is [address]:port");
	refused("target=[2001:db8::1", "an IPv6 target is [address]:port");
	refused("target=[fe80::1%25eth0]:7", "the target is not a numeric IPv6 address");
	refused("target=[192.0.2.1]:7", "the target is not a numeric IPv6 address");
	/* connect() takes 0.0.0.0 and :: for this host, whatever probe_allow
	 * says of them; multicast and broadcast reach many hosts at once */
	refused("target=0.0.0.0:7", NOT_UNICAST4);
	refused("target=0.1.2.3:7", NOT_UNICAST4);
	refused("target=224.0.0.1:7", NOT_UNICAST4);
	refused("target=239.255.255.250:7", NOT_UNICAST4);
	refused("target=255.255.255.255:7", NOT_UNICAST4);
	refused("target=[::]:7", NOT_UNICAST6);
	refused("target=[::ffff:0.0.0.0]:7", NOT_UNICAST6);
	refused("target=[::ffff:224.0.0.1]:7", NOT_UNICAST6);
	refused("target=[ff02::1]:7", NOT_UNICAST6);
	CHECK(parse("target=1.0.0.0:7") == 0 && parse("target=223.255.255.255:7") == 0);
	CHECK(parse("target=[::ffff:192.0.2.1]:7") == 0);
	refused("target=192.0.2.1:7&target=192.0.2.2:7", "target given twice");
	refused("target=192.0.2.1:7&module=a&module=b", "module given twice");
	refused("target=192.0.2.1:7&module=", "the module's name is not 1-32 of A-Z a-z 0-9 _ -");
	refused("target=192.0.2.1:7&module=a.b",
		"the module's name is not 1-32 of A-Z a-z 0-9 _ -");
	refused("target=192.0.2.1:7&module=abcdefghijklmnopqrstuvwxyz0123456",
		"the module's name is not 1-32 of A-Z a-z 0-9 _ -");
	CHECK(parse("target=192.0.2.1:7&module=abcdefghijklmnopqrstuvwxyz012345") == 0);
	refused("target=192.0.2.1%3", "a badly escaped, control or too long value");
	refused("target=192.0.2.1%", "a badly escaped, control or too long value");
	refused("target=192.0.2.1%zz:7", "a badly escaped, control or too long value");
	refused("target=192.0.2.1%00:7", "a badly escaped, control or too long value");
	refused("target=192.0.2.1%0a:7", "a badly escaped, control or too long value");
	refused("target=1111111111111111111111111111111111111111111111111111111111111111:7",
		"a badly escaped, control or too long value");
	refused("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q&target=192.0.2.1:7", "too many parameters");
	CHECK(parse("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&target=192.0.2.1:7") == 0);
	memset(big, 'a', sizeof big);
	CHECK(probequery_parse(big, PROBEQUERY_MAX + 1, &q, &why) == -1);
	CHECK_STR(why, "the query is too long");
	/* a NUL inside the bytes given is not the end */
	CHECK(probequery_parse("target=192.0.2.1:7\0&", 20, &q, &why) == -1);
	CHECK_STR(why, "a badly escaped, control or too long value");
}

static void budget(void)
{
	CHECK(probequery_budget(NULL, 5, 0.5, 30) == 5);
	CHECK(probequery_budget("10", 5, 0.5, 30) == 9.5);
	CHECK(probequery_budget("9.5", 5, 0.5, 30) == 9);
	CHECK(probequery_budget("100", 5, 0.5, 30) == 30);
	CHECK(probequery_budget("0.2", 5, 0.5, 30) == 0.1);
	CHECK(probequery_budget("abc", 5, 0.5, 30) == 5);
	CHECK(probequery_budget("-3", 5, 0.5, 30) == 5);
	CHECK(probequery_budget("99999", 5, 0.5, 30) == 5);
	CHECK(probequery_budget("", 5, 0.5, 30) == 5);
}

int main(void)
{
	accepted();
	refusals();
	budget();
	CHECK(probequery_module_valid("tcp", 3));
	CHECK(!probequery_module_valid("tcp", 0));
	return unit_done("unit_probequery");
}
