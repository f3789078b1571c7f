/* unit_proxyparse: the PROXY protocol header (src/daemon/proxyparse.c): the
 * specification's examples of version 1 (the longest lines included) and
 * version 2 (IPv4, IPv6, LOCAL, unix, TLVs), every prefix of a header
 * asking for more, and the malformed ones refused. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "proxyparse.h"
#include "unit.h"

static enum proxy_result parse(const void *buf, size_t len, struct proxy_header *h)
{
	const char *why;

	return proxy_parse(buf, len, h, &why);
}

static const char *why_of(const char *s)
{
	struct proxy_header h;
	const char *why = NULL;

	CHECK(proxy_parse(s, strlen(s), &h, &why) == PROXY_BAD);
	return why;
}

static const char *src_of(const struct proxy_header *h, char *buf, size_t size)
{
	return net_format((const struct sockaddr *)&h->src, h->srclen, buf, size);
}

/* Every prefix of a whole header asks for more (or, shorter than a
 * signature, is a signature so far). */
static void check_prefixes(const void *buf, size_t len)
{
	struct proxy_header h;

	for (size_t i = 1; i < len; i++)
		CHECK(parse(buf, i, &h) == PROXY_MORE);
}

static void test_v1(void)
{
	static const char tcp4[] = "PROXY TCP4 192.0.2.1 198.51.100.7 40000 7000\r\nhello";
	static const char longest4[] = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
	static const char longest6[] =
		"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	static const char worst[] =
		"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	struct proxy_header h;
	char addr[NET_ADDRSTRLEN];

	CHECK(parse(tcp4, strlen(tcp4), &h) == PROXY_OK);
	CHECK(h.version == 1 && !h.local && h.length == strlen(tcp4) - 5);
	CHECK_STR(src_of(&h, addr, sizeof addr), "192.0.2.1:40000");
	CHECK_STR(net_format((struct sockaddr *)&h.dst, h.dstlen, addr, sizeof addr),
		  "198.51.100.7:7000");
	check_prefixes(tcp4, strlen(tcp4) - 5);
	CHECK(parse(longest4, strlen(longest4), &h) == PROXY_OK && h.length == 56);
	CHECK(parse(longest6, strlen(longest6), &h) == PROXY_OK && h.length == 104);
	CHECK_STR(src_of(&h, addr, sizeof addr), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* the specification's worst case: 107 bytes, UNKNOWN and ignored */
	CHECK(strlen(worst) == PROXY_V1_MAX);
	CHECK(parse(worst, strlen(worst), &h) == PROXY_OK && h.local && h.length == 107);
	CHECK(parse("PROXY UNKNOWN\r\n", 15, &h) == PROXY_OK && h.local && h.length == 15);
	/* 107 bytes and no CRLF yet: too long */
	{
		char longer[PROXY_V1_MAX + 2];

		memcpy(longer, worst, PROXY_V1_MAX - 2);
		memcpy(longer + PROXY_V1_MAX - 2, "55\r\n", 4);
		CHECK(parse(longer, sizeof longer, &h) == PROXY_BAD);
		CHECK(parse(longer, PROXY_V1_MAX, &h) == PROXY_BAD);
		CHECK(parse(longer, PROXY_V1_MAX - 1, &h) == PROXY_MORE);
	}
	/* malformed */
	CHECK_STR(why_of("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n"),
		  "a version 1 header's protocol is neither TCP4, TCP6 nor UNKNOWN");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"),
		  "a version 1 header without exactly two addresses and two ports");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"),
		  "a version 1 header without exactly two addresses and two ports");
	CHECK_STR(why_of("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n"),
		  "a version 1 header without exactly two addresses and two ports");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n"),
		  "a version 1 header's port is not a number from 0 to 65535");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n"),
		  "a version 1 header's port is not a number from 0 to 65535");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n"),
		  "a version 1 header's port is not a number from 0 to 65535");
	CHECK_STR(why_of("PROXY TCP4 ::1 1.2.3.4 1 2\r\n"),
		  "a version 1 header's address is not of its protocol");
	CHECK_STR(why_of("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"),
		  "a version 1 header's address is not of its protocol");
	CHECK_STR(why_of("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\nX"),
		  "a version 1 header holds a byte that is not printable");
	CHECK_STR(why_of("PROXY \r\n"), "a version 1 header without a protocol");
	CHECK(parse("PROXY TCP4 1.2.3.4\x01", 19, &h) == PROXY_BAD);
	/* not a header at all; a signature so far */
	CHECK(parse("GET / HTTP/1.0\r\n", 16, &h) == PROXY_NONE);
	CHECK(parse("PROX", 4, &h) == PROXY_MORE);
	CHECK(parse("PROXX", 5, &h) == PROXY_NONE);
	CHECK(parse("", 0, &h) == PROXY_NONE);
}

/* A version 2 header: command, family and transport, the addresses (or
 * none), then TLVs of tlvlen bytes. */
static size_t v2(unsigned char *b, unsigned cmd, unsigned fam_proto, const void *addrs,
		 size_t addrlen, const void *tlvs, size_t tlvlen)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	size_t body = addrlen + tlvlen;

	memcpy(b, sig, 12);
	b[12] = (unsigned char)(0x20 | cmd);
	b[13] = (unsigned char)fam_proto;
	b[14] = (unsigned char)(body >> 8);
	b[15] = (unsigned char)body;
	if (addrlen > 0)
		memcpy(b + 16, addrs, addrlen);
	if (tlvlen > 0)
		memcpy(b + 16 + addrlen, tlvs, tlvlen);
	return 16 + body;
}

static void test_v2(void)
{
	unsigned char b[PROXY_V2_MAX + 64], a4[12], a6[36], tlv[16] = { 0 };
	struct proxy_header h;
	char addr[NET_ADDRSTRLEN];
	size_t n;

	inet_pton(AF_INET, "192.0.2.1", a4);
	inet_pton(AF_INET, "198.51.100.7", a4 + 4);
	a4[8] = 0x9c, a4[9] = 0x40;                     /* 40000 */
	a4[10] = 0x1b, a4[11] = 0x58;                   /* 7000 */
	n = v2(b, 1, 0x11, a4, 12, NULL, 0);            /* PROXY, INET, STREAM */
	CHECK(parse(b, n, &h) == PROXY_OK && h.version == 2 && !h.local && h.length == 28);
	CHECK_STR(src_of(&h, addr, sizeof addr), "192.0.2.1:40000");
	check_prefixes(b, n);
	/* IPv6, with TLVs (an ALPN, a NOOP), which are skipped */
	inet_pton(AF_INET6, "2001:db8::1", a6);
	inet_pton(AF_INET6, "2001:db8::7", a6 + 16);
	a6[32] = 0x9c, a6[33] = 0x40, a6[34] = 0x1b, a6[35] = 0x58;
	tlv[0] = 0x01, tlv[1] = 0, tlv[2] = 2, tlv[3] = 'h', tlv[4] = '2';
	tlv[5] = 0x04, tlv[6] = 0, tlv[7] = 0;
	n = v2(b, 1, 0x21, a6, 36, tlv, 8);
	CHECK(parse(b, n, &h) == PROXY_OK && h.length == 16 + 44);
	CHECK_STR(src_of(&h, addr, sizeof addr), "[2001:db8::1]:40000");
	check_prefixes(b, n);
	/* a TLV that runs past the end */
	tlv[6] = 0, tlv[7] = 9;
	n = v2(b, 1, 0x21, a6, 36, tlv, 8);
	CHECK(parse(b, n, &h) == PROXY_BAD);
	tlv[7] = 0;
	n = v2(b, 1, 0x21, a6, 36, tlv, 7);              /* a TLV cut within its type and length */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	/* LOCAL (a health check), UNSPEC, unix: the connection's own address */
	n = v2(b, 0, 0x00, NULL, 0, NULL, 0);
	CHECK(parse(b, n, &h) == PROXY_OK && h.local && h.length == 16);
	n = v2(b, 0, 0x11, a4, 12, NULL, 0);            /* LOCAL with addresses: ignored */
	CHECK(parse(b, n, &h) == PROXY_OK && h.local);
	n = v2(b, 0, 0x11, NULL, 0, NULL, 0);           /* LOCAL, INET, no address: accepted */
	CHECK(parse(b, n, &h) == PROXY_OK && h.local && h.length == 16);
	n = v2(b, 0, 0x4f, a4, 3, NULL, 0);             /* LOCAL, nonsense family: ignored */
	CHECK(parse(b, n, &h) == PROXY_OK && h.local && h.length == 19);
	{
		unsigned char unixaddrs[216] = { 0 };

		n = v2(b, 1, 0x31, unixaddrs, 216, NULL, 0);
		CHECK(parse(b, n, &h) == PROXY_OK && h.local && h.length == 232);
	}
	/* malformed */
	n = v2(b, 1, 0x11, a4, 8, NULL, 0);             /* too short for IPv4 */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	n = v2(b, 2, 0x11, a4, 12, NULL, 0);            /* a command of 2 */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	n = v2(b, 1, 0x41, a4, 12, NULL, 0);            /* a family of 4 */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	n = v2(b, 1, 0x13, a4, 12, NULL, 0);            /* a transport of 3 */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	n = v2(b, 1, 0x11, a4, 12, NULL, 0);
	b[12] = 0x11;                                   /* version 1 in a version 2 header */
	CHECK(parse(b, n, &h) == PROXY_BAD);
	/* longer than netechod takes: refused as soon as the length says so */
	n = v2(b, 1, 0x11, a4, 12, NULL, 0);
	b[14] = (unsigned char)((PROXY_V2_MAX - 16 + 1) >> 8);
	b[15] = (unsigned char)(PROXY_V2_MAX - 16 + 1);
	CHECK(parse(b, 16, &h) == PROXY_BAD);
	b[14] = (unsigned char)((PROXY_V2_MAX - 16) >> 8);
	b[15] = (unsigned char)(PROXY_V2_MAX - 16);
	CHECK(parse(b, 16, &h) == PROXY_MORE);
	/* the signature and the checks of a peek */
	CHECK(proxy_signature(b, 5) && proxy_signature("PRO", 3) && !proxy_signature("hello", 5));
	CHECK(!proxy_signature("", 0));
}

int main(void)
{
	test_v1();
	test_v2();
	return unit_done("unit_proxyparse");
}
