/* ratelimit.c: token buckets per source and in total (see ratelimit.h).
 *
 * Pure: it must not read a clock (the caller gives the time) nor lock: one
 * thread uses a table. */
#include "ratelimit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "siphash.h"

struct bucket {
	unsigned char key[16];
	size_t keylen;                  /* 0: a free place */
	double tokens;
	double last;                    /* when tokens was last brought up to date */
};

struct ratelimit {
	uint64_t k0, k1;
	double rate, total;
	struct bucket all;              /* the total's bucket */
	struct bucket slot[RATELIMIT_SLOTS];
};

struct ratelimit *ratelimit_new(uint64_t k0, uint64_t k1, double rate, double total)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);

	if (rl == NULL)
		return NULL;
	rl->k0 = k0;
	rl->k1 = k1;
	ratelimit_set(rl, rate, total);
	rl->all.tokens = total;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

void ratelimit_set(struct ratelimit *rl, double rate, double total)
{
	rl->rate = rate;
	rl->total = total;
}

/* Brings a bucket's tokens up to now, up to cap. */
static void refill(struct bucket *b, double rate, double cap, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * rate;
		b->last = now;
	}
	if (b->tokens > cap)
		b->tokens = cap;
}

/* The bucket of a source: its own, or a place made for it. */
static struct bucket *bucket_of(struct ratelimit *rl, const unsigned char *key, size_t len,
				double now)
{
	size_t home = (size_t)(siphash(key, len, rl->k0, rl->k1) % RATELIMIT_SLOTS);
	struct bucket *oldest = NULL;

	for (size_t i = 0; i < RATELIMIT_PROBE; i++) {
		struct bucket *b = &rl->slot[(home + i) % RATELIMIT_SLOTS];

		if (b->keylen == len && memcmp(b->key, key, len) == 0)
			return b;
		if (oldest == NULL || b->keylen == 0 ||
		    (oldest->keylen != 0 && b->last < oldest->last))
			oldest = b;
	}
	memcpy(oldest->key, key, len);
	oldest->keylen = len;
	oldest->tokens = rl->rate;      /* a new source starts with a full burst */
	oldest->last = now;
	return oldest;
}

enum ratelimit_verdict ratelimit_take(struct ratelimit *rl, const struct sockaddr *sa, double now)
{
	unsigned char key[16];
	size_t len = net_addr_bytes(sa, key);
	struct bucket *b;

	if (len == 0)
		return RATELIMIT_BADADDR;
	b = bucket_of(rl, key, len, now);
	refill(b, rl->rate, rl->rate, now);
	refill(&rl->all, rl->total, rl->total, now);
	if (b->tokens < 1)
		return RATELIMIT_SOURCE;
	if (rl->all.tokens < 1)
		return RATELIMIT_TOTAL;
	b->tokens -= 1;
	rl->all.tokens -= 1;
	return RATELIMIT_PASS;
}
