/* synparse.h: what a client's SYN says, from the headers the kernel saved
 * for a listener with TCP_SAVE_SYN (read once with TCP_SAVED_SYN): the IP
 * header (IPv4 with its options, or IPv6 with its extension headers) and
 * the TCP header with its options, as they arrived, after whatever the
 * network did to them.
 *
 * Pure, unit-tested and fuzzed: it reads only the bytes it is given, and
 * checks every length the packet states (header lengths, option lengths)
 * against them, so a lying or truncated header is an error, never a read
 * past the end. */
#ifndef NETECHO_SYNPARSE_H
#define NETECHO_SYNPARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SYN_OTHER_MAX 8         /* kinds of other TCP options kept; the rest are counted */

/* The ECN field of a TOS or traffic class byte (RFC 3168). */
enum ecn { ECN_NOT_ECT = 0, ECN_ECT1 = 1, ECN_ECT0 = 2, ECN_CE = 3 };

struct syn_facts {
	int family;                     /* AF_INET or AF_INET6 */
	unsigned char src[16], dst[16]; /* as in the packet: the first 4 bytes for IPv4 */
	unsigned sport, dport;
	int ttl;                        /* IPv4 TTL, or IPv6 hop limit */
	int dscp;                       /* 0 to 63 */
	enum ecn ecn;
	int df;                         /* IPv4: 1 when Don't Fragment is set; IPv6: -1 */
	long flow_label;                /* IPv6: 20 bits; IPv4: -1 */
	int ip_options;                 /* IPv4: bytes of IP options; IPv6: extension headers */
	bool ecn_setup;                 /* ECE and CWR: the SYN asks for ECN (RFC 3168) */
	unsigned window;                /* as sent: not scaled in a SYN */
	int mss;                        /* -1: no MSS option */
	int wscale;                     /* -1: no window scale option */
	bool sack_perm;
	bool timestamps;
	unsigned char other[SYN_OTHER_MAX];     /* kinds of any other option, in order */
	int nother; /* how many other options; beyond SYN_OTHER_MAX only counted */
};

enum syn_result {
	SYN_OK,
	SYN_TRUNCATED,                  /* fewer bytes than a header needs */
	SYN_BAD_VERSION,                /* neither IPv4 nor IPv6 */
	SYN_BAD_LENGTH,                 /* a length in a header that the bytes belie */
	SYN_NOT_TCP,                    /* no TCP header where one should be */
	SYN_NOT_SYN,                    /* a TCP header without SYN, or with ACK */
	SYN_BAD_OPTION,                 /* a TCP option that runs past the header */
};

/* Parses len bytes of saved SYN headers into *f (wholly set on SYN_OK,
 * left in an unspecified state otherwise). */
enum syn_result synparse(const void *buf, size_t len, struct syn_facts *f);

/* A few words for a result, for a log line: "truncated", ... */
const char *synparse_error(enum syn_result r);

/* The ECN field's name: "not-ect", "ect1", "ect0" or "ce". */
const char *synparse_ecn_name(enum ecn e);

#endif
