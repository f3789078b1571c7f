/* srclimit.c: connections per client address (see srclimit.h).
 *
 * Pure: it must not lock (the caller holds its own) nor read a clock. */
#include "srclimit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "siphash.h"

struct node {
	struct node *next;
	unsigned char key[16];
	size_t keylen;
	unsigned long count;
};

struct srclimit {
	uint64_t k0, k1;
	unsigned v4_prefix, v6_prefix;
	size_t sources;
	struct node *bucket[SRCLIMIT_BUCKETS];
};

/* Keeps the first bits of key (of len bytes), zeroing the rest. */
static void mask(unsigned char *key, size_t len, unsigned bits)
{
	for (size_t i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		key[i] &= (unsigned char)(0xff00 >> bits);
		bits = 0;
	}
}

/* The address bytes that identify a source; 0 if not IPv4 or IPv6. */
static size_t key_of(const struct srclimit *sl, const struct sockaddr *sa, unsigned char key[16])
{
	size_t len = net_addr_bytes(sa, key);

	mask(key, len, len == 4 ? sl->v4_prefix : sl->v6_prefix);
	return len;
}

static struct node **find(const struct srclimit *sl, const unsigned char *key, size_t len)
{
	size_t b = (size_t)(siphash(key, len, sl->k0, sl->k1) % SRCLIMIT_BUCKETS);
	struct node **pp = (struct node **)&sl->bucket[b];

	while (*pp != NULL && ((*pp)->keylen != len || memcmp((*pp)->key, key, len) != 0))
		pp = &(*pp)->next;
	return pp;
}

struct srclimit *srclimit_new(uint64_t k0, uint64_t k1, unsigned v4_prefix, unsigned v6_prefix)
{
	struct srclimit *sl = calloc(1, sizeof *sl);

	if (sl != NULL) {
		sl->k0 = k0;
		sl->k1 = k1;
		sl->v4_prefix = v4_prefix > 32 ? 32 : v4_prefix;
		sl->v6_prefix = v6_prefix > 128 ? 128 : v6_prefix;
	}
	return sl;
}

void srclimit_free(struct srclimit *sl)
{
	if (sl == NULL)
		return;
	for (size_t b = 0; b < SRCLIMIT_BUCKETS; b++)
		while (sl->bucket[b] != NULL) {
			struct node *n = sl->bucket[b];

			sl->bucket[b] = n->next;
			free(n);
		}
	free(sl);
}

enum srclimit_result srclimit_take(struct srclimit *sl, const struct sockaddr *sa,
				   unsigned long limit)
{
	unsigned char key[16];
	size_t len = key_of(sl, sa, key);
	struct node **pp, *n;

	if (len == 0)
		return SRCLIMIT_BADADDR;
	pp = find(sl, key, len);
	if (*pp != NULL) {
		if ((*pp)->count >= limit)
			return SRCLIMIT_FULL;
		(*pp)->count++;
		return SRCLIMIT_TAKEN;
	}
	if (limit == 0)
		return SRCLIMIT_FULL;
	n = malloc(sizeof *n);
	if (n == NULL)
		return SRCLIMIT_NOMEM;
	memcpy(n->key, key, len);
	n->keylen = len;
	n->count = 1;
	n->next = NULL;
	*pp = n;
	sl->sources++;
	return SRCLIMIT_TAKEN;
}

void srclimit_put(struct srclimit *sl, const struct sockaddr *sa)
{
	unsigned char key[16];
	size_t len = key_of(sl, sa, key);
	struct node **pp, *n;

	if (len == 0)
		return;
	pp = find(sl, key, len);
	n = *pp;
	if (n == NULL)
		return;
	if (--n->count == 0) {
		*pp = n->next;
		free(n);
		sl->sources--;
	}
}

unsigned long srclimit_count(const struct srclimit *sl, const struct sockaddr *sa)
{
	unsigned char key[16];
	size_t len = key_of(sl, sa, key);
	struct node **pp;

	if (len == 0)
		return 0;
	pp = find(sl, key, len);
	return *pp != NULL ? (*pp)->count : 0;
}

size_t srclimit_sources(const struct srclimit *sl)
{
	return sl->sources;
}
