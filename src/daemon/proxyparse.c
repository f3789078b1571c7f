/* proxyparse.c: the PROXY protocol header (see proxyparse.h).
 *
 * Version 1: one line of printable ASCII, at most 107 bytes with its
 * CRLF: "PROXY TCP4 SRC DST SPORT DPORT\r\n" (or TCP6), or "PROXY UNKNOWN"
 * and anything up to the CRLF. Version 2: a 12-byte signature, a version
 * and command byte, a family and transport byte, the length of what
 * follows (big-endian), the addresses, then TLVs (type, length, value)
 * which are walked to check that they fit, and otherwise skipped. */
#include "proxyparse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static const unsigned char v1_sig[] = "PROXY ";
static const unsigned char v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					  0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

#define V1_SIG_LEN (sizeof v1_sig - 1)

bool proxy_signature(const void *buf, size_t len)
{
	size_t n1 = len < V1_SIG_LEN ? len : V1_SIG_LEN;
	size_t n2 = len < sizeof v2_sig ? len : sizeof v2_sig;

	return len > 0 && (memcmp(buf, v1_sig, n1) == 0 || memcmp(buf, v2_sig, n2) == 0);
}

/* --- version 1 ----------------------------------------------------------- */

/* The next space-separated word of [*p, end), into out (size bytes). */
static bool word(const char **p, const char *end, char *out, size_t size)
{
	const char *s = *p, *e = memchr(s, ' ', (size_t)(end - s));
	size_t n;

	if (e == NULL)
		e = end;
	n = (size_t)(e - s);
	if (n == 0 || n >= size)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = e < end ? e + 1 : e;
	return true;
}

/* A port: decimal, 0 to 65535, no sign, no leading zero (but "0"). */
static bool port(const char *s, unsigned *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool v1_address(int family, const char *text, unsigned p, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, text, &in->sin_addr) != 1)
			return false;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1)
			return false;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof *in6;
	}
	return true;
}

static enum proxy_result parse_v1(const char *buf, size_t len, struct proxy_header *h,
				  const char **why)
{
	size_t max = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	const char *cr = NULL, *p, *end;
	char proto[8], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sp[8], dp[8];
	unsigned sport, dport;
	int family;

	for (size_t i = 0; i + 1 < max; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n') {
			cr = buf + i;
			break;
		}
	if (cr == NULL) {
		/* whatever comes, a line must be printable ASCII */
		for (size_t i = 0; i < max; i++)
			if ((buf[i] < 0x20 || buf[i] > 0x7e) && !(buf[i] == '\r' && i + 1 == max)) {
				*why = "a version 1 header holds a byte that is not printable";
				return PROXY_BAD;
			}
		if (len >= PROXY_V1_MAX) {
			*why = "a version 1 header longer than 107 bytes";
			return PROXY_BAD;
		}
		return PROXY_MORE;
	}
	h->version = 1;
	h->length = (size_t)(cr - buf) + 2;
	p = buf + V1_SIG_LEN;
	end = cr;
	for (const char *c = buf; c < end; c++)
		if (*c < 0x20 || *c > 0x7e) {
			*why = "a version 1 header holds a byte that is not printable";
			return PROXY_BAD;
		}
	if (!word(&p, end, proto, sizeof proto)) {
		*why = "a version 1 header without a protocol";
		return PROXY_BAD;
	}
	if (strcmp(proto, "UNKNOWN") == 0) {
		h->local = true;        /* the rest of the line is to be ignored */
		return PROXY_OK;
	}
	if (strcmp(proto, "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(proto, "TCP6") == 0)
		family = AF_INET6;
	else {
		*why = "a version 1 header's protocol is neither TCP4, TCP6 nor UNKNOWN";
		return PROXY_BAD;
	}
	if (!word(&p, end, src, sizeof src) || !word(&p, end, dst, sizeof dst) ||
	    !word(&p, end, sp, sizeof sp) || !word(&p, end, dp, sizeof dp) || p != end) {
		*why = "a version 1 header without exactly two addresses and two ports";
		return PROXY_BAD;
	}
	if (!port(sp, &sport) || !port(dp, &dport)) {
		*why = "a version 1 header's port is not a number from 0 to 65535";
		return PROXY_BAD;
	}
	if (!v1_address(family, src, sport, &h->src, &h->srclen) ||
	    !v1_address(family, dst, dport, &h->dst, &h->dstlen)) {
		*why = "a version 1 header's address is not of its protocol";
		return PROXY_BAD;
	}
	return PROXY_OK;
}

/* --- version 2 ----------------------------------------------------------- */

static enum proxy_result parse_v2(const unsigned char *b, size_t len, struct proxy_header *h,
				  const char **why)
{
	size_t body, need, addrlen;
	unsigned cmd, fam, proto;

	if (len < PROXY_V2_HEADER)
		return PROXY_MORE;
	if ((b[12] >> 4) != 2) {
		*why = "a version 2 signature with another version";
		return PROXY_BAD;
	}
	cmd = b[12] & 0x0f;
	fam = b[13] >> 4;
	proto = b[13] & 0x0f;
	body = (size_t)b[14] << 8 | b[15];
	if (PROXY_V2_HEADER + body > PROXY_V2_MAX) {
		*why = "a version 2 header longer than netechod takes (4096 bytes after the "
		       "fixed part)";
		return PROXY_BAD;
	}
	if (cmd > 1) {
		*why = "a version 2 header's command is neither LOCAL nor PROXY";
		return PROXY_BAD;
	}
	/* LOCAL: whatever follows is to be ignored, family and all */
	if (cmd == 1 && (fam > 3 || proto > 2)) {
		*why = "a version 2 header's family or transport is unknown";
		return PROXY_BAD;
	}
	need = PROXY_V2_HEADER + body;
	if (len < need)
		return PROXY_MORE;
	h->version = 2;
	h->length = need;
	if (cmd == 0) {
		h->local = true;
		return PROXY_OK;
	}
	addrlen = fam == 1 ? 12 : fam == 2 ? 36 : fam == 3 ? 216 : 0;
	if (body < addrlen) {
		*why = "a version 2 header too short for its addresses";
		return PROXY_BAD;
	}
	/* the TLVs after the addresses must fit exactly */
	for (size_t off = PROXY_V2_HEADER + addrlen; off < need;) {
		size_t vlen;

		if (need - off < 3) {
			*why = "a version 2 header's TLV runs past its end";
			return PROXY_BAD;
		}
		vlen = (size_t)b[off + 1] << 8 | b[off + 2];
		if (vlen > need - off - 3) {
			*why = "a version 2 header's TLV runs past its end";
			return PROXY_BAD;
		}
		off += 3 + vlen;
	}
	/* an address of no use here: the connection's own */
	if (fam == 0 || fam == 3) {
		h->local = true;
		return PROXY_OK;
	}
	memset(&h->src, 0, sizeof h->src);
	memset(&h->dst, 0, sizeof h->dst);
	if (fam == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&h->src,
				   *d = (struct sockaddr_in *)&h->dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, b + 16, 4);
		memcpy(&d->sin_addr, b + 20, 4);
		memcpy(&s->sin_port, b + 24, 2);
		memcpy(&d->sin_port, b + 26, 2);
		h->srclen = h->dstlen = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&h->src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&h->dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, b + 16, 16);
		memcpy(&d->sin6_addr, b + 32, 16);
		memcpy(&s->sin6_port, b + 48, 2);
		memcpy(&d->sin6_port, b + 50, 2);
		h->srclen = h->dstlen = sizeof *s;
	}
	return PROXY_OK;
}

enum proxy_result proxy_parse(const void *buf, size_t len, struct proxy_header *h,
			      const char **why)
{
	const unsigned char *b = buf;

	memset(h, 0, sizeof *h);
	*why = NULL;
	if (!proxy_signature(buf, len))
		return PROXY_NONE;
	if (len >= V1_SIG_LEN && memcmp(b, v1_sig, V1_SIG_LEN) == 0)
		return parse_v1(buf, len, h, why);
	if (len >= sizeof v2_sig)
		return parse_v2(b, len, h, why);
	return PROXY_MORE;      /* a signature so far */
}
