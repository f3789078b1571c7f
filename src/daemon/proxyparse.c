/* proxyparse.c: the PROXY protocol header (see proxyparse.h).
 *
 * Version 1: one line of printable ASCII, at most 107 bytes with its
 * CRLF: "PROXY TCP4 SRC DST SPORT DPORT\r\n" (or TCP6), or "PROXY UNKNOWN"
 * and anything up to the CRLF. Version 2: a 12-byte signature, a version
 * and command byte, a family and transport byte, the length of what
 * follows (big-endian), the addresses, then TLVs (type, length, value)
 * which are walked to check that they fit, and otherwise skipped.
 *
 * Pure: it must not read a socket (proxyread.c does) nor look past the
 * length it is given. */
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

/* Finds the CR LF that ends a version 1 line within its 107 bytes: *cr
 * points at it. PROXY_MORE until it comes, PROXY_BAD for a byte no line
 * may hold. */
static enum proxy_result v1_line(const char *buf, size_t len, const char **cr, const char **why)
{
	size_t max = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;

	*cr = NULL;
	for (size_t i = 0; i + 1 < max; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n') {
			*cr = buf + i;
			break;
		}
	if (*cr == NULL) {
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
	for (const char *c = buf; c < *cr; c++)
		if (*c < 0x20 || *c > 0x7e) {
			*why = "a version 1 header holds a byte that is not printable";
			return PROXY_BAD;
		}
	return PROXY_OK;
}

/* The two addresses and ports of a TCP4 or TCP6 line, from p to end. */
static enum proxy_result v1_addresses(int family, const char *p, const char *end,
				      struct proxy_header *h, const char **why)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sp[8], dp[8];
	unsigned sport, dport;

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

static enum proxy_result parse_v1(const char *buf, size_t len, struct proxy_header *h,
				  const char **why)
{
	const char *cr, *p;
	char proto[8];
	enum proxy_result r = v1_line(buf, len, &cr, why);

	if (r != PROXY_OK)
		return r;
	h->version = 1;
	h->length = (size_t)(cr - buf) + 2;
	p = buf + V1_SIG_LEN;
	if (!word(&p, cr, proto, sizeof proto)) {
		*why = "a version 1 header without a protocol";
		return PROXY_BAD;
	}
	if (strcmp(proto, "UNKNOWN") == 0) {
		h->local = true; /* the rest of the line is to be ignored */
		return PROXY_OK;
	}
	if (strcmp(proto, "TCP4") == 0)
		return v1_addresses(AF_INET, p, cr, h, why);
	if (strcmp(proto, "TCP6") == 0)
		return v1_addresses(AF_INET6, p, cr, h, why);
	*why = "a version 1 header's protocol is neither TCP4, TCP6 nor UNKNOWN";
	return PROXY_BAD;
}

/* --- version 2 ----------------------------------------------------------- */

/* The fixed 16 bytes: version, command, family and transport, the length
 * within bounds. *need is the whole header's length. */
static enum proxy_result v2_fixed(const unsigned char *b, size_t *need, const char **why)
{
	unsigned cmd = b[12] & 0x0f, fam = b[13] >> 4, proto = b[13] & 0x0f;
	size_t body = (size_t)b[14] << 8 | b[15];

	if ((b[12] >> 4) != 2) {
		*why = "a version 2 signature with another version";
		return PROXY_BAD;
	}
	if (PROXY_V2_HEADER + body > PROXY_V2_MAX) {
		*why = "a version 2 header longer than netechod takes (4096 bytes after the fixed part)";
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
	*need = PROXY_V2_HEADER + body;
	return PROXY_OK;
}

/* Do the TLVs from off to need fit exactly? */
static bool v2_tlvs_fit(const unsigned char *b, size_t off, size_t need)
{
	while (off < need) {
		size_t vlen;

		if (need - off < 3)
			return false;
		vlen = (size_t)b[off + 1] << 8 | b[off + 2];
		if (vlen > need - off - 3)
			return false;
		off += 3 + vlen;
	}
	return true;
}

/* The addresses of family 1 (IPv4) or 2 (IPv6), after the fixed part. */
static void v2_addresses(const unsigned char *b, unsigned fam, struct proxy_header *h)
{
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
}

static enum proxy_result parse_v2(const unsigned char *b, size_t len, struct proxy_header *h,
				  const char **why)
{
	size_t need, addrlen;
	unsigned fam;
	enum proxy_result r;

	if (len < PROXY_V2_HEADER)
		return PROXY_MORE;
	r = v2_fixed(b, &need, why);
	if (r != PROXY_OK)
		return r;
	if (len < need)
		return PROXY_MORE;
	h->version = 2;
	h->length = need;
	if ((b[12] & 0x0f) == 0) {
		h->local = true;
		return PROXY_OK;
	}
	fam = b[13] >> 4;
	addrlen = fam == 1 ? 12 : fam == 2 ? 36 : fam == 3 ? 216 : 0;
	if (need - PROXY_V2_HEADER < addrlen) {
		*why = "a version 2 header too short for its addresses";
		return PROXY_BAD;
	}
	/* the TLVs after the addresses must fit exactly */
	if (!v2_tlvs_fit(b, PROXY_V2_HEADER + addrlen, need)) {
		*why = "a version 2 header's TLV runs past its end";
		return PROXY_BAD;
	}
	/* an address of no use here: the connection's own */
	if (fam == 0 || fam == 3)
		h->local = true;
	else
		v2_addresses(b, fam, h);
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
