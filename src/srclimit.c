/* srclimit.c: connections per client address (see srclimit.h). */
#include "srclimit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	unsigned char key[16];
	size_t keylen;
	unsigned long count;
};

struct srclimit {
	uint64_t k0, k1;
	size_t sources;
	struct node *bucket[SRCLIMIT_BUCKETS];
};

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash for short inputs. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t siphash(const unsigned char *in, size_t len, uint64_t k0, uint64_t k1)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | in[i + (size_t)j];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The address bytes that identify a source; 0 if not IPv4 or IPv6. */
static size_t key_of(const struct sockaddr *sa, unsigned char key[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(key, a->s6_addr, 16);
		return 16;
	}
	return 0;
}

static struct node **find(const struct srclimit *sl, const unsigned char *key, size_t len)
{
	size_t b = (size_t)(siphash(key, len, sl->k0, sl->k1) % SRCLIMIT_BUCKETS);
	struct node **pp = (struct node **)&sl->bucket[b];

	while (*pp != NULL && ((*pp)->keylen != len || memcmp((*pp)->key, key, len) != 0))
		pp = &(*pp)->next;
	return pp;
}

struct srclimit *srclimit_new(uint64_t k0, uint64_t k1)
{
	struct srclimit *sl = calloc(1, sizeof *sl);

	if (sl != NULL) {
		sl->k0 = k0;
		sl->k1 = k1;
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

bool srclimit_take(struct srclimit *sl, const struct sockaddr *sa, unsigned long limit)
{
	unsigned char key[16];
	size_t len = key_of(sa, key);
	struct node **pp, *n;

	if (len == 0) {
		errno = EAFNOSUPPORT;
		return false;
	}
	pp = find(sl, key, len);
	if (*pp != NULL) {
		if ((*pp)->count >= limit)
			return false;
		(*pp)->count++;
		return true;
	}
	if (limit == 0)
		return false;
	n = malloc(sizeof *n);
	if (n == NULL) {
		errno = ENOMEM;
		return false;
	}
	memcpy(n->key, key, len);
	n->keylen = len;
	n->count = 1;
	n->next = NULL;
	*pp = n;
	sl->sources++;
	return true;
}

void srclimit_put(struct srclimit *sl, const struct sockaddr *sa)
{
	unsigned char key[16];
	size_t len = key_of(sa, key);
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
	size_t len = key_of(sa, key);
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
