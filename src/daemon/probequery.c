/* probequery.c: a /probe request's query and time budget (see probequery.h).
 *
 * Pure: it must not resolve a name nor put the bytes it refuses into its
 * reason (a literal). */
#include "probequery.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* len bytes of s decoded into out (of size bytes, NUL-terminated): its
 * length, or -1 when too long or badly escaped, or a control byte */
static int decode(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

int probequery_module_valid(const char *name, size_t len)
{
	if (len == 0 || len > PROBE_MODULE_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* whether a (host order) IPv4 address is one a probe may be sent to: not
 * 0.0.0.0/8 (connect() takes 0.0.0.0 for this host), multicast or the
 * broadcast address (one datagram reaching many hosts) */
static bool unicast4(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 28) != 0xe && a != 0xffffffffu;
}

/* the same of an IPv6 address: not ::, multicast, or an IPv4-mapped one
 * that is not unicast */
static bool unicast6(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		const unsigned char *b = a->s6_addr + 12;
		return unicast4((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
				(uint32_t)b[2] << 8 | b[3]);
	}
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_MULTICAST(a);
}

/* "192.0.2.1:7" or "[2001:db8::1]:7" into q */
static int target(const char *t, struct probe_query *q, const char **why)
{
	char host[PROBE_TARGET_MAX];
	const char *colon, *port;
	long p;
	bool v6 = t[0] == '[';

	if (v6) {
		const char *close = strchr(t, ']');
		if (close == NULL || close[1] != ':') {
			*why = "an IPv6 target is [address]:port";
			return -1;
		}
		colon = close + 1;
		memcpy(host, t + 1, (size_t)(close - t - 1));
		host[close - t - 1] = '\0';
	} else {
		colon = strrchr(t, ':');
		if (colon == NULL) {
			*why = "the target has no port (address:port)";
			return -1;
		}
		memcpy(host, t, (size_t)(colon - t));
		host[colon - t] = '\0';
	}
	port = colon + 1;
	if (parse_long(port, 1, 65535, &p) != 0 || port[0] < '0' || port[0] > '9') {
		*why = "the target's port is not a number in 1-65535";
		return -1;
	}
	memset(&q->target, 0, sizeof q->target);
	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&q->target;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			*why = "the target is not a numeric IPv6 address";
			return -1;
		}
		if (!unicast6(&in6->sin6_addr)) {
			*why = "the target is not a unicast address (::, multicast)";
			return -1;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		q->target_len = sizeof *in6;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&q->target;
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			*why = "the target is not a numeric IPv4 address ([address] for IPv6; no names)";
			return -1;
		}
		if (!unicast4(ntohl(in->sin_addr.s_addr))) {
			*why = "the target is not a unicast address (0.0.0.0/8, multicast, broadcast)";
			return -1;
		}
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)p);
		q->target_len = sizeof *in;
	}
	return 0;
}

/* one "key=value" pair: target and module taken, others counted only */
static int pair(const char *s, size_t len, struct probe_query *q, unsigned *seen, const char **why)
{
	const char *eq = memchr(s, '=', len);
	size_t klen = eq != NULL ? (size_t)(eq - s) : len;
	const char *v = eq != NULL ? eq + 1 : s + len;
	size_t vlen = len - klen - (eq != NULL);
	char val[PROBE_TARGET_MAX];
	unsigned bit = 0;

	if (klen == 6 && memcmp(s, "target", 6) == 0)
		bit = 1;
	else if (klen == 6 && memcmp(s, "module", 6) == 0)
		bit = 2;
	if (bit == 0)
		return 0;
	if (*seen & bit) {
		*why = bit == 1 ? "target given twice" : "module given twice";
		return -1;
	}
	*seen |= bit;
	if (decode(v, vlen, val, sizeof val) < 0) {
		*why = "a badly escaped, control or too long value";
		return -1;
	}
	if (bit == 1)
		return target(val, q, why);
	if (!probequery_module_valid(val, strlen(val))) {
		*why = "the module's name is not 1-32 of A-Z a-z 0-9 _ -";
		return -1;
	}
	memcpy(q->module, val, strlen(val) + 1);
	return 0;
}

int probequery_parse(const char *query, size_t len, struct probe_query *q, const char **why)
{
	unsigned seen = 0, params = 0;
	size_t start = 0;

	memset(q, 0, sizeof *q);
	memcpy(q->module, "tcp", 4);
	if (len > PROBEQUERY_MAX) {
		*why = "the query is too long";
		return -1;
	}
	while (start <= len) {
		const char *amp = memchr(query + start, '&', len - start);
		size_t end = amp != NULL ? (size_t)(amp - query) : len;

		if (end > start) {
			if (++params > PROBEQUERY_PARAMS) {
				*why = "too many parameters";
				return -1;
			}
			if (pair(query + start, end - start, q, &seen, why) != 0)
				return -1;
		}
		start = end + 1;
	}
	if (!(seen & 1)) {
		*why = "no target (target=address:port)";
		return -1;
	}
	return 0;
}

double probequery_budget(const char *header, double dflt, double margin, double max)
{
	double t = dflt;

	if (header != NULL && parse_seconds(header, 0.001, 3600, &t) != 0)
		t = dflt;
	else if (header != NULL)
		t -= margin;
	if (t > max)
		t = max;
	return t < 0.1 ? 0.1 : t;
}
