/* acl.c: access lists (see acl.h).
 *
 * Every entry is kept as 128 bits and a prefix length, IPv4 ones apart
 * from IPv6 ones. acl_finish() sorts each family by length (longest
 * first), then address, and records where each length's run begins; a
 * check masks the client's address to each length in turn and looks it
 * up by binary search in that length's run: the first found is the most
 * specific match.
 *
 * Pure: it must not log nor open a file (configlists.c reads list files). */
#include "acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "parse.h"

struct entry {
	uint64_t hi, lo;                /* the address, masked to len; IPv4 in lo's low 32 bits */
	unsigned char len;
	unsigned char deny;
};

/* The run of one prefix length in a sorted family. */
struct run {
	unsigned char len;
	size_t start, count;
};

struct family {
	struct entry *e;
	size_t n, cap;
	struct run runs[129];
	size_t nruns;
};

struct acl {
	struct family v4, v6;
	bool any_allow;
};

struct acl *acl_new(void)
{
	return calloc(1, sizeof(struct acl));
}

void acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->v4.e);
	free(a->v6.e);
	free(a);
}

/* The address masked to its first len bits (of 128). */
static void mask(uint64_t *hi, uint64_t *lo, unsigned len)
{
	if (len == 0) {
		*hi = *lo = 0;
	} else if (len < 64) {
		*hi &= ~(uint64_t)0 << (64 - len);
		*lo = 0;
	} else if (len == 64) {
		*lo = 0;
	} else if (len < 128) {
		*lo &= ~(uint64_t)0 << (128 - len);
	}
}

static uint64_t load64(const unsigned char *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* An entry's bytes for a message: quoted, escaped (a list file may hold
 * anything). */
#define SHOWN_SIZE ESCAPE_BUFSIZE(ACL_ENTRY_MAX)
static const char *shown(char *out, const char *s, size_t len)
{
	escape_payload(out, SHOWN_SIZE, s, len, ACL_ENTRY_MAX);
	return out;
}

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int add_entry(struct family *f, uint64_t hi, uint64_t lo, unsigned len, bool deny)
{
	if (f->n == f->cap) {
		size_t cap = f->cap == 0 ? 16 : f->cap * 2;
		struct entry *e = realloc(f->e, cap * sizeof *e);

		if (e == NULL)
			return -1;
		f->e = e;
		f->cap = cap;
	}
	f->e[f->n++] = (struct entry){ hi, lo, (unsigned char)len, (unsigned char)deny };
	return 0;
}

/* The address before any slash, as 128 bits (an IPv4 entry as its
 * IPv4-mapped address) and its prefix length over 128 bits. */
static int entry_bits(char *buf, unsigned char b[16], long *plen, char *err, size_t errlen)
{
	char *slash = strchr(buf, '/'), sb[SHOWN_SIZE];
	bool written_v4 = false;
	long maxlen;

	if (slash != NULL)
		*slash = '\0';
	memset(b, 0, 16);
	if (inet_pton(AF_INET, buf, b + 12) == 1) {
		written_v4 = true;
		memcpy(b, v4mapped, sizeof v4mapped);
	} else if (inet_pton(AF_INET6, buf, b) != 1) {
		snprintf(err, errlen, "%s is not an IPv4 or IPv6 address",
			 shown(sb, buf, strlen(buf)));
		return -1;
	}
	maxlen = written_v4 ? 32 : 128;
	*plen = maxlen;
	if (slash != NULL &&
	    (slash[1] < '0' || slash[1] > '9' || parse_long(slash + 1, 0, maxlen, plen) < 0)) {
		snprintf(err, errlen, "%s: the prefix length is a number from 0 to %ld",
			 shown(sb, slash + 1, strlen(slash + 1)), maxlen);
		return -1;
	}
	if (written_v4)
		*plen += 96;
	return 0;
}

/* The message for an entry with bits set past its prefix: the network meant. */
static void past_prefix(uint64_t mhi, uint64_t mlo, bool v4, long plen, const char *text,
			size_t len, char *err, size_t errlen)
{
	char net[INET6_ADDRSTRLEN], sb[SHOWN_SIZE];
	unsigned char m[16];

	for (int i = 0; i < 8; i++) {
		m[i] = (unsigned char)(mhi >> (56 - 8 * i));
		m[8 + i] = (unsigned char)(mlo >> (56 - 8 * i));
	}
	if (v4)
		inet_ntop(AF_INET, m + 12, net, sizeof net);
	else
		inet_ntop(AF_INET6, m, net, sizeof net);
	snprintf(err, errlen, "%s has bits set past its prefix length (%s/%ld?)",
		 shown(sb, text, len), net, v4 ? plen - 96 : plen);
}

int acl_add(struct acl *a, const char *text, size_t len, enum acl_verdict v, char *err,
	    size_t errlen)
{
	char buf[ACL_ENTRY_MAX + 1];
	unsigned char b[16];
	long plen;
	uint64_t hi, lo, mhi, mlo;
	bool v4;

	if (len == 0 || len > ACL_ENTRY_MAX) {
		snprintf(err, errlen, "an entry is 1 to %d bytes", ACL_ENTRY_MAX);
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "an entry holds a NUL byte");
		return -1;
	}
	if (acl_entries(a) >= ACL_ENTRIES_MAX) {
		snprintf(err, errlen, "more than %d entries in one list", ACL_ENTRIES_MAX);
		return -1;
	}
	if (entry_bits(buf, b, &plen, err, errlen) < 0)
		return -1;
	v4 = memcmp(b, v4mapped, sizeof v4mapped) == 0;
	if (v4 && plen < 96) {
		snprintf(err, errlen, "an IPv4-mapped prefix is at least /96");
		return -1;
	}
	hi = mhi = load64(b);
	lo = mlo = load64(b + 8);
	mask(&mhi, &mlo, (unsigned)plen);
	if (mhi != hi || mlo != lo) {
		past_prefix(mhi, mlo, v4, plen, text, len, err, errlen);
		return -1;
	}
	if (v4 ? add_entry(&a->v4, 0, lo & 0xffffffffu, (unsigned)plen - 96, v == ACL_DENY)
	       : add_entry(&a->v6, hi, lo, (unsigned)plen, v == ACL_DENY)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (v == ACL_ALLOW)
		a->any_allow = true;
	return 0;
}

void acl_allow_list(struct acl *a)
{
	a->any_allow = true;
}

static bool is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

int acl_add_list(struct acl *a, const char *text, size_t len, enum acl_verdict v, char *err,
		 size_t errlen)
{
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && is_separator(text[i]))
			i++;
		start = i;
		while (i < len && !is_separator(text[i]))
			i++;
		if (i > start && acl_add(a, text + start, i - start, v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Longest prefix first, then by address; deny before allow. */
static int compare(const void *pa, const void *pb)
{
	const struct entry *x = pa, *y = pb;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (int)y->deny - (int)x->deny;
}

static void finish_family(struct family *f)
{
	size_t out = 0;

	if (f->n > 1)
		qsort(f->e, f->n, sizeof *f->e, compare);
	/* one entry per prefix: the first, a deny when there is one */
	for (size_t i = 0; i < f->n; i++)
		if (out == 0 || f->e[i].len != f->e[out - 1].len ||
		    f->e[i].hi != f->e[out - 1].hi || f->e[i].lo != f->e[out - 1].lo)
			f->e[out++] = f->e[i];
	f->n = out;
	f->nruns = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (f->nruns == 0 || f->runs[f->nruns - 1].len != f->e[i].len)
			f->runs[f->nruns++] = (struct run){ f->e[i].len, i, 0 };
		f->runs[f->nruns - 1].count++;
	}
}

int acl_finish(struct acl *a)
{
	finish_family(&a->v4);
	finish_family(&a->v6);
	return 0;
}

/* The entry of a run equal to (hi, lo), or NULL. */
static const struct entry *search(const struct family *f, const struct run *r, uint64_t hi,
				  uint64_t lo)
{
	size_t lo_i = r->start, hi_i = r->start + r->count;

	while (lo_i < hi_i) {
		size_t mid = lo_i + (hi_i - lo_i) / 2;
		const struct entry *e = &f->e[mid];

		if (e->hi == hi && e->lo == lo)
			return e;
		if (e->hi < hi || (e->hi == hi && e->lo < lo))
			lo_i = mid + 1;
		else
			hi_i = mid;
	}
	return NULL;
}

static enum acl_verdict check_family(const struct acl *a, const struct family *f, uint64_t hi,
				     uint64_t lo, unsigned bits)
{
	for (size_t i = 0; i < f->nruns; i++) {
		uint64_t mhi = hi, mlo = lo;
		const struct entry *e;

		/* IPv4 runs are lengths of 32 bits, held in lo's low bits */
		if (bits == 32) {
			mlo = f->runs[i].len == 0
				      ? 0
				      : lo & (0xffffffffu << (32 - f->runs[i].len)) & 0xffffffffu;
			mhi = 0;
		} else {
			mask(&mhi, &mlo, f->runs[i].len);
		}
		e = search(f, &f->runs[i], mhi, mlo);
		if (e != NULL)
			return e->deny ? ACL_DENY : ACL_ALLOW;
	}
	return a->any_allow ? ACL_DENY : ACL_ALLOW;
}

enum acl_verdict acl_check(const struct acl *a, const struct sockaddr *sa)
{
	if (a == NULL)
		return ACL_ALLOW;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return check_family(a, &a->v4, 0, ntohl(in->sin_addr.s_addr), 32);
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(b, v4mapped, sizeof v4mapped) == 0)
			return check_family(a, &a->v4, 0, load64(b + 8) & 0xffffffffu, 32);
		return check_family(a, &a->v6, load64(b), load64(b + 8), 128);
	}
	return ACL_DENY;
}

size_t acl_entries(const struct acl *a)
{
	return a == NULL ? 0 : a->v4.n + a->v6.n;
}
