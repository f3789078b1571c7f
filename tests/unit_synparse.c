/* unit_synparse: saved SYN headers (src/lib/synparse.c): captured ones (IPv4
 * and IPv6 on the loopback, with DSCP EF set by the client), crafted ones
 * (IPv4 options, IPv6 extension headers, every kind of TCP option), and
 * broken ones: truncated at every length, lying lengths, options that run
 * past the header. Every parse works on a heap copy of exactly the bytes
 * given, so that a sanitizer build sees any read past them. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "synparse.h"
#include "unit.h"

/* 127.0.0.1 -> 127.0.0.1:7311, TOS 0xb8, TTL 64, DF; MSS 65495, SACK,
 * timestamps, window scale 10 (captured with TCP_SAVED_SYN) */
static const unsigned char syn4[] = {
	0x45, 0xb8, 0x00, 0x3c, 0x74, 0x4a, 0x40, 0x00, 0x40, 0x06, 0xc7, 0xb7,
	0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xd2, 0x56, 0x1c, 0x8f,
	0x88, 0xe7, 0x5c, 0x50, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xd7,
	0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a,
	0xdb, 0xc9, 0x87, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

/* ::1 -> ::1:7311, traffic class 0xb8, flow label 0x52086, hop limit 64 */
static const unsigned char syn6[] = {
	0x6b, 0x85, 0x20, 0x86, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0xe7, 0x6e, 0x1c, 0x8f, 0xd1, 0xa3, 0x34, 0xbc,
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xc4, 0x00, 0x30, 0x00, 0x00,
	0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x9e, 0x6f, 0x53, 0xa0,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

static struct syn_facts f;

/* Parses a heap copy of exactly len bytes. */
static enum syn_result parse(const unsigned char *p, size_t len)
{
	unsigned char *copy = malloc(len > 0 ? len : 1);
	enum syn_result r;

	if (copy == NULL)
		abort();
	memcpy(copy, p, len);
	r = synparse(copy, len, &f);
	free(copy);
	return r;
}

/* A buffer to craft in: IPv4 header (ihl words), TCP header (doff words). */
static unsigned char pkt[256];

static size_t craft4(unsigned ihl, unsigned doff, const unsigned char *opts, size_t optlen)
{
	size_t ip = ihl * 4, len = ip + doff * 4;

	memset(pkt, 0, sizeof pkt);
	pkt[0] = (unsigned char)(0x40 | ihl);
	pkt[1] = 0x02;                          /* ECT(0) */
	pkt[2] = (unsigned char)(len >> 8);
	pkt[3] = (unsigned char)len;
	pkt[8] = 57;
	pkt[9] = 6;
	memcpy(pkt + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x07", 8); /* 192.0.2.1 -> 198.51.100.7 */
	for (size_t i = 20; i < ip; i++)
		pkt[i] = 1;                     /* IP options: NOPs */
	pkt[ip] = 0x9c;                         /* port 40000 */
	pkt[ip + 1] = 0x40;
	pkt[ip + 2] = 0xc3;                     /* port 50000 */
	pkt[ip + 3] = 0x50;
	pkt[ip + 12] = (unsigned char)(doff << 4);
	pkt[ip + 13] = 0x02;                    /* SYN */
	pkt[ip + 14] = 0x72;                    /* window 29200 */
	pkt[ip + 15] = 0x10;
	if (optlen > 0)
		memcpy(pkt + ip + 20, opts, optlen);
	return len;
}

static void test_captured(void)
{
	CHECK(parse(syn4, sizeof syn4) == SYN_OK);
	CHECK(f.family == AF_INET && memcmp(f.src, "\x7f\0\0\x01", 4) == 0 &&
	      memcmp(f.dst, "\x7f\0\0\x01", 4) == 0);
	CHECK(f.sport == 0xd256 && f.dport == 7311);
	CHECK(f.ttl == 64 && f.dscp == 46 && f.ecn == ECN_NOT_ECT && f.df == 1 &&
	      f.flow_label == -1);
	CHECK(f.window == 65495 && f.mss == 65495 && f.wscale == 10 && f.sack_perm && f.timestamps);
	CHECK(!f.ecn_setup && f.nother == 0 && f.ip_options == 0);

	CHECK(parse(syn6, sizeof syn6) == SYN_OK);
	CHECK(f.family == AF_INET6 && f.src[15] == 1 && f.dst[15] == 1 && f.dport == 7311);
	CHECK(f.ttl == 64 && f.dscp == 46 && f.ecn == ECN_NOT_ECT && f.df == -1);
	CHECK(f.flow_label == 0x52086);
	CHECK(f.mss == 65476 && f.wscale == 10 && f.sack_perm && f.timestamps && f.ip_options == 0);
}

static void test_crafted(void)
{
	static const unsigned char all[] = {
		2, 4, 0x05, 0x14,               /* MSS 1300 */
		1, 3, 3, 7,                     /* NOP, window scale 7 */
		4, 2,                           /* SACK permitted */
		30, 4, 0, 0,                    /* MPTCP (an other option) */
		34, 2,                          /* TCP Fast Open cookie request */
		0, 0xff, 0xff, 0xff,            /* EOL, then nothing is read */
	};
	size_t len;

	/* IPv4 with 8 bytes of IP options, every kind of TCP option */
	len = craft4(7, 10, all, sizeof all);
	CHECK(parse(pkt, len) == SYN_OK);
	CHECK(f.ip_options == 8 && f.ecn == ECN_ECT0 && f.df == 0 && f.ttl == 57);
	CHECK(f.sport == 40000 && f.dport == 50000 && f.window == 29200);
	CHECK(f.mss == 1300 && f.wscale == 7 && f.sack_perm && !f.timestamps);
	CHECK(f.nother == 2 && f.other[0] == 30 && f.other[1] == 34);
	/* the SYN asks for ECN: ECE and CWR */
	pkt[28 + 13] |= 0xc0;
	CHECK(parse(pkt, len) == SYN_OK && f.ecn_setup);
	pkt[28 + 13] = 0x02 | 0x40;             /* ECE alone is not the request */
	CHECK(parse(pkt, len) == SYN_OK && !f.ecn_setup);
	/* no options at all */
	len = craft4(5, 5, NULL, 0);
	CHECK(parse(pkt, len) == SYN_OK && f.mss == -1 && f.wscale == -1 && !f.sack_perm &&
	      f.nother == 0);
	/* more other options than are kept: counted */
	{
		unsigned char many[40];

		for (int i = 0; i < 20; i++) {
			many[2 * i] = (unsigned char)(100 + i);
			many[2 * i + 1] = 2;
		}
		len = craft4(5, 15, many, sizeof many);
		CHECK(parse(pkt, len) == SYN_OK && f.nother == 20 &&
		      f.other[SYN_OTHER_MAX - 1] == 100 + 7);
	}
	/* IPv6 with hop-by-hop and destination options before TCP */
	{
		unsigned char v6[sizeof syn6 + 16];

		memcpy(v6, syn6, 40);
		v6[6] = 0;                      /* next: hop-by-hop */
		v6[5] = 0x28 + 16;
		memset(v6 + 40, 0, 16);
		v6[40] = 60;                    /* next: destination options */
		v6[41] = 0;                     /* 8 bytes */
		v6[48] = 6;                     /* next: TCP */
		v6[49] = 0;
		memcpy(v6 + 56, syn6 + 40, sizeof syn6 - 40);
		CHECK(parse(v6, sizeof v6) == SYN_OK && f.ip_options == 2 && f.mss == 65476);
		/* a fragment header: the first fragment is fine, a later one is no SYN */
		v6[6] = 44;
		v6[40] = 60;
		v6[41] = 0;
		v6[42] = v6[43] = 0;
		CHECK(parse(v6, sizeof v6) == SYN_OK);
		v6[43] = 0x08;                  /* fragment offset 1 */
		CHECK(parse(v6, sizeof v6) == SYN_NOT_TCP);
		/* an extension header that says it runs past the end */
		v6[6] = 0;
		v6[41] = 200;
		CHECK(parse(v6, sizeof v6) == SYN_TRUNCATED);
		/* no next header, or UDP: nothing to see */
		v6[6] = 59;
		CHECK(parse(v6, sizeof v6) == SYN_NOT_TCP);
		v6[6] = 17;
		CHECK(parse(v6, sizeof v6) == SYN_NOT_TCP);
	}
}

static void test_broken(void)
{
	unsigned char b[sizeof syn4];
	size_t len;

	/* truncated at every length: never SYN_OK, never a read past it */
	for (size_t i = 0; i < sizeof syn4; i++)
		CHECK(parse(syn4, i) != SYN_OK);
	for (size_t i = 0; i < sizeof syn6; i++)
		CHECK(parse(syn6, i) != SYN_OK);
	CHECK(parse(syn4, 0) == SYN_TRUNCATED && parse(syn4, 30) == SYN_TRUNCATED);
	/* lying lengths */
	memcpy(b, syn4, sizeof b);
	b[0] = 0x4f;                            /* IHL 60, more than there is */
	CHECK(parse(b, sizeof b) != SYN_OK);
	b[0] = 0x44;                            /* IHL 16: less than a header */
	CHECK(parse(b, sizeof b) == SYN_BAD_LENGTH);
	memcpy(b, syn4, sizeof b);
	b[2] = 0;
	b[3] = 30;                              /* total length below both headers */
	CHECK(parse(b, sizeof b) == SYN_BAD_LENGTH);
	memcpy(b, syn4, sizeof b);
	b[32] = 0xf0;                           /* TCP data offset 60: past the end */
	CHECK(parse(b, sizeof b) == SYN_TRUNCATED);
	b[32] = 0x40;                           /* 16: less than a header */
	CHECK(parse(b, sizeof b) == SYN_BAD_LENGTH);
	{
		unsigned char v6[sizeof syn6];

		memcpy(v6, syn6, sizeof v6);
		v6[4] = 0;
		v6[5] = 10;                     /* payload length below a TCP header */
		CHECK(parse(v6, sizeof v6) == SYN_BAD_LENGTH);
	}
	/* not IP, not TCP, not a SYN */
	memcpy(b, syn4, sizeof b);
	b[0] = 0x55;
	CHECK(parse(b, sizeof b) == SYN_BAD_VERSION);
	memcpy(b, syn4, sizeof b);
	b[9] = 17;
	CHECK(parse(b, sizeof b) == SYN_NOT_TCP);
	memcpy(b, syn4, sizeof b);
	b[33] = 0x12;                           /* SYN+ACK */
	CHECK(parse(b, sizeof b) == SYN_NOT_SYN);
	b[33] = 0x10;
	CHECK(parse(b, sizeof b) == SYN_NOT_SYN);
	/* options that run past the header */
	{
		static const unsigned char past[] = { 1, 1, 2, 4 };            /* MSS cut short */
		static const unsigned char zero[] = {30, 0, 1, 1}; /* length 0: a loop */
		static const unsigned char one[] = { 30, 1, 1, 1 };            /* length 1 */
		static const unsigned char lone[] = {1, 1, 1, 30}; /* a kind with no length */
		static const unsigned char far[] = { 30, 200, 0, 0 };          /* far past */
		static const unsigned char badmss[] = { 2, 3, 5, 1 };          /* MSS of length 3 */
		static const unsigned char badts[] = {8, 4, 0, 0}; /* timestamps of length 4 */

		len = craft4(5, 6, past, sizeof past);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, zero, sizeof zero);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, one, sizeof one);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, lone, sizeof lone);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, far, sizeof far);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, badmss, sizeof badmss);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
		len = craft4(5, 6, badts, sizeof badts);
		CHECK(parse(pkt, len) == SYN_BAD_OPTION);
	}
	/* names for the log */
	CHECK_STR(synparse_error(SYN_BAD_OPTION), "bad-option");
	CHECK_STR(synparse_ecn_name(ECN_CE), "ce");
}

int main(void)
{
	test_captured();
	test_crafted();
	test_broken();
	return unit_done("unit_synparse");
}
