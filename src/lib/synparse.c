/* synparse.c: saved SYN headers parsed (see synparse.h). Every read goes
 * through get8()/get16() with an index checked against the length
 * beforehand; nothing is read where no check stands. */
#include "synparse.h"

#include <string.h>
#include <sys/socket.h>

#define IPPROTO_TCP_NUMBER 6

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_PERM = 4,
	OPT_TIMESTAMPS = 8,
};

static unsigned get8(const unsigned char *p, size_t i)
{
	return p[i];
}

static unsigned get16(const unsigned char *p, size_t i)
{
	return (unsigned)p[i] << 8 | p[i + 1];
}

static enum syn_result ipv4(const unsigned char *p, size_t len, struct syn_facts *f, size_t *hdr)
{
	size_t ihl, total;

	if (len < 20)
		return SYN_TRUNCATED;
	ihl = (get8(p, 0) & 0x0f) * 4u;
	total = get16(p, 2);
	if (ihl < 20 || total < ihl + 20)
		return SYN_BAD_LENGTH;
	if (ihl > len)
		return SYN_TRUNCATED;
	if (get8(p, 9) != IPPROTO_TCP_NUMBER)
		return SYN_NOT_TCP;
	f->family = AF_INET;
	f->dscp = (int)(get8(p, 1) >> 2);
	f->ecn = (enum ecn)(get8(p, 1) & 3);
	f->df = (get8(p, 6) & 0x40) != 0;
	f->ttl = (int)get8(p, 8);
	f->flow_label = -1;
	f->ip_options = (int)(ihl - 20);
	memcpy(f->src, p + 12, 4);
	memcpy(f->dst, p + 16, 4);
	*hdr = ihl;
	return SYN_OK;
}

/* IPv6 extension headers that may come before TCP, and their lengths. */
static enum syn_result ipv6(const unsigned char *p, size_t len, struct syn_facts *f, size_t *hdr)
{
	size_t at = 40;
	unsigned next;

	if (len < 40)
		return SYN_TRUNCATED;
	f->family = AF_INET6;
	f->dscp = (int)(((get8(p, 0) & 0x0f) << 4 | get8(p, 1) >> 4) >> 2);
	f->ecn = (enum ecn)((get8(p, 1) >> 4) & 3);
	f->flow_label = (long)((get8(p, 1) & 0x0f) << 16 | get16(p, 2));
	f->df = -1;
	f->ttl = (int)get8(p, 7);
	f->ip_options = 0;
	memcpy(f->src, p + 8, 16);
	memcpy(f->dst, p + 24, 16);
	if (get16(p, 4) < 20)
		return SYN_BAD_LENGTH;  /* the payload cannot hold a TCP header */
	next = get8(p, 6);
	/* each extension header has at least 8 bytes: the walk ends */
	while (next != IPPROTO_TCP_NUMBER) {
		size_t ext;

		switch (next) {
		case 0:         /* hop-by-hop options */
		case 43:        /* routing */
		case 60:        /* destination options */
		case 135:       /* mobility */
		case 139:       /* host identity */
		case 140:       /* shim6 */
			if (at + 2 > len)
				return SYN_TRUNCATED;
			ext = (get8(p, at + 1) + 1u) * 8;
			break;
		case 44:        /* fragment: a SYN's headers are in the first one */
			if (at + 8 > len)
				return SYN_TRUNCATED;
			if ((get16(p, at + 2) & 0xfff8) != 0)
				return SYN_NOT_TCP;
			ext = 8;
			break;
		case 51:        /* authentication header: 4-byte units */
			if (at + 2 > len)
				return SYN_TRUNCATED;
			ext = (get8(p, at + 1) + 2u) * 4;
			break;
		default:        /* no next header, ESP, anything else: no TCP to see */
			return SYN_NOT_TCP;
		}
		if (at + ext > len)
			return SYN_TRUNCATED;
		next = get8(p, at);
		at += ext;
		f->ip_options++;
	}
	*hdr = at;
	return SYN_OK;
}

static enum syn_result options(const unsigned char *p, size_t at, size_t end, struct syn_facts *f)
{
	while (at < end) {
		unsigned kind = get8(p, at), olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			at++;
			continue;
		}
		if (at + 2 > end)
			return SYN_BAD_OPTION;
		olen = get8(p, at + 1);
		if (olen < 2 || at + olen > end)
			return SYN_BAD_OPTION;
		if (kind == OPT_MSS && olen == 4)
			f->mss = (int)get16(p, at + 2);
		else if (kind == OPT_WSCALE && olen == 3)
			f->wscale = (int)get8(p, at + 2);
		else if (kind == OPT_SACK_PERM && olen == 2)
			f->sack_perm = true;
		else if (kind == OPT_TIMESTAMPS && olen == 10)
			f->timestamps = true;
		else if (kind == OPT_MSS || kind == OPT_WSCALE || kind == OPT_SACK_PERM ||
			 kind == OPT_TIMESTAMPS)
			return SYN_BAD_OPTION;  /* a known option of the wrong length */
		else if (f->nother++ < SYN_OTHER_MAX)
			f->other[f->nother - 1] = (unsigned char)kind;
		at += olen;
	}
	return SYN_OK;
}

enum syn_result synparse(const void *buf, size_t len, struct syn_facts *f)
{
	const unsigned char *p = buf;
	size_t ip = 0, doff;
	unsigned flags;
	enum syn_result r;

	memset(f, 0, sizeof *f);
	f->mss = f->wscale = -1;
	if (len < 1)
		return SYN_TRUNCATED;
	switch (get8(p, 0) >> 4) {
	case 4:
		r = ipv4(p, len, f, &ip);
		break;
	case 6:
		r = ipv6(p, len, f, &ip);
		break;
	default:
		return SYN_BAD_VERSION;
	}
	if (r != SYN_OK)
		return r;
	if (ip + 20 > len)
		return SYN_TRUNCATED;
	doff = (get8(p, ip + 12) >> 4) * 4u;
	if (doff < 20)
		return SYN_BAD_LENGTH;
	if (ip + doff > len)
		return SYN_TRUNCATED;
	flags = get8(p, ip + 13);
	if ((flags & 0x02) == 0 || (flags & 0x10) != 0)
		return SYN_NOT_SYN;
	f->sport = get16(p, ip);
	f->dport = get16(p, ip + 2);
	f->ecn_setup = (flags & 0xc0) == 0xc0;
	f->window = get16(p, ip + 14);
	return options(p, ip + 20, ip + doff, f);
}

const char *synparse_error(enum syn_result r)
{
	switch (r) {
	case SYN_OK:
		return "ok";
	case SYN_TRUNCATED:
		return "truncated";
	case SYN_BAD_VERSION:
		return "not-ip";
	case SYN_BAD_LENGTH:
		return "bad-length";
	case SYN_NOT_TCP:
		return "not-tcp";
	case SYN_NOT_SYN:
		return "not-syn";
	case SYN_BAD_OPTION:
		return "bad-option";
	}
	return "?";
}

const char *synparse_ecn_name(enum ecn e)
{
	static const char *const names[] = { "not-ect", "ect1", "ect0", "ce" };

	return names[e & 3];
}
