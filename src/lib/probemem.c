/* probemem.c: the report service's memory of --pmtu probes (see
 * probemem.h).
 *
 * Pure: it must not grow past PROBEMEM_ENTRIES sessions nor read a clock
 * (the time is the caller's). */
#include "probemem.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define SETS (PROBEMEM_ENTRIES / PROBEMEM_WAYS)
#define TAG_PREFIX "netecho pmtu probe s="

struct entry {
	bool used;
	uint8_t family;
	uint8_t addr[16];               /* the address; an IPv4 one in the first 4 bytes */
	uint64_t session;
	double last;                    /* when its last probe came */
	struct probemem_view view;
};

struct probemem {
	uint64_t k0, k1;
	struct entry e[PROBEMEM_ENTRIES];
};

struct probemem *probemem_new(uint64_t k0, uint64_t k1)
{
	struct probemem *m = calloc(1, sizeof *m);

	if (m != NULL) {
		m->k0 = k0;
		m->k1 = k1;
	}
	return m;
}

void probemem_free(struct probemem *m)
{
	free(m);
}

size_t probemem_tag(char *buf, size_t size, uint64_t session, unsigned seq)
{
	int n = snprintf(buf, size, TAG_PREFIX "%016" PRIx64 " n=%u ", session, seq);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int probemem_parse(const void *payload, size_t len, uint64_t *session, unsigned *seq)
{
	const char *p = payload, *end = p + len;
	size_t plen = sizeof TAG_PREFIX - 1;
	uint64_t s = 0;
	unsigned n = 0;
	int digits = 0;

	if (len < plen || memcmp(p, TAG_PREFIX, plen) != 0)
		return -1;
	p += plen;
	for (int i = 0; i < 16; i++, p++) {
		int v = p < end ? hexval(*p) : -1;

		if (v < 0)
			return -1;
		s = s << 4 | (uint64_t)v;
	}
	if (end - p < 3 || memcmp(p, " n=", 3) != 0)
		return -1;
	for (p += 3; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 3)
			return -1;
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (digits == 0 || p == end || *p != ' ' || n >= PROBEMEM_SEQS)
		return -1;
	*session = s;
	*seq = n;
	return 0;
}

/* The address of from, without its port, as a family and 16 bytes. */
static bool key_of(const struct sockaddr *from, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (from->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)from)->sin_addr, 4);
	} else if (from->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)from)->sin6_addr, 16);
	} else {
		return false;
	}
	*family = (uint8_t)from->sa_family;
	return true;
}

/* The entry of the session, a free or expired one of its set, or the one
 * used longest ago; *fresh when it is not the session's own. */
static struct entry *find(struct probemem *m, uint8_t family, const uint8_t addr[16],
			  uint64_t session, double now, bool *fresh)
{
	unsigned char in[1 + 16 + 8];
	struct entry *set, *victim = NULL;

	in[0] = family;
	memcpy(in + 1, addr, 16);
	memcpy(in + 17, &session, 8);
	set = &m->e[(siphash(in, sizeof in, m->k0, m->k1) % SETS) * PROBEMEM_WAYS];
	*fresh = true;
	for (int i = 0; i < PROBEMEM_WAYS; i++) {
		struct entry *e = &set[i];
		bool expired = !e->used || now - e->last > PROBEMEM_EXPIRY || now < e->last;

		if (!expired && e->family == family && e->session == session &&
		    memcmp(e->addr, addr, 16) == 0) {
			*fresh = false;
			return e;
		}
		if (expired)
			e->used = false;
		if (victim == NULL || (victim->used && (!e->used || e->last < victim->last)))
			victim = e;
	}
	return victim;
}

void probemem_note(struct probemem *m, const struct sockaddr *from, uint64_t session,
		   unsigned seq, double now, struct probemem_view *v)
{
	uint8_t family, addr[16];
	bool fresh;
	struct entry *e;

	memset(v, 0, sizeof *v);
	v->first = seq;
	if (seq >= PROBEMEM_SEQS || !key_of(from, &family, addr))
		return;
	e = find(m, family, addr, session, now, &fresh);
	if (fresh) {
		memset(e, 0, sizeof *e);
		e->used = true;
		e->family = family;
		memcpy(e->addr, addr, 16);
		e->session = session;
		e->view.first = seq;
	}
	e->last = now;
	/* a probe numbered before the first is not known (it came late) */
	if (seq >= e->view.first) {
		unsigned i = seq - e->view.first;

		e->view.bits[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	*v = e->view;
}

void probemem_hex(const struct probemem_view *v, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < sizeof v->bits; i++) {
		out[2 * i] = digits[v->bits[i] >> 4];
		out[2 * i + 1] = digits[v->bits[i] & 15];
	}
	out[PROBEMEM_HEX_LEN] = '\0';
}

int probemem_unhex(const char *hex, uint8_t *bits)
{
	if (strlen(hex) != PROBEMEM_HEX_LEN)
		return -1;
	for (size_t i = 0; i < PROBEMEM_HEX_LEN / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		bits[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
