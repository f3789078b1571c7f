/* probegate.c: whether a /probe may go (see probegate.h).
 *
 * It must not send anything nor read a clock (the caller gives the time);
 * its mutex is held for a table look-up only. */
#include "probegate.h"

#include <pthread.h>
#include <stdlib.h>

#include "ratelimit.h"

struct probegate {
	pthread_mutex_t lock;           /* over what follows */
	struct ratelimit *rl;
	unsigned active, max_active;
};

struct probegate *probegate_new(uint64_t k0, uint64_t k1, double per_target, double total,
				unsigned max_active)
{
	struct probegate *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->rl = ratelimit_new(k0, k1, per_target, total);
	if (g->rl == NULL || pthread_mutex_init(&g->lock, NULL) != 0) {
		ratelimit_free(g->rl);
		free(g);
		return NULL;
	}
	g->max_active = max_active;
	return g;
}

void probegate_free(struct probegate *g)
{
	if (g == NULL)
		return;
	pthread_mutex_destroy(&g->lock);
	ratelimit_free(g->rl);
	free(g);
}

void probegate_set(struct probegate *g, double per_target, double total, unsigned max_active)
{
	pthread_mutex_lock(&g->lock);
	ratelimit_set(g->rl, per_target, total);
	g->max_active = max_active;
	pthread_mutex_unlock(&g->lock);
}

enum probegate_verdict probegate_enter(struct probegate *g, const struct acl *allow,
				       const struct sockaddr *target, double now)
{
	enum probegate_verdict v = PROBEGATE_GO;

	if (allow == NULL || acl_entries(allow) == 0 || acl_check(allow, target) != ACL_ALLOW)
		return PROBEGATE_FORBIDDEN;
	pthread_mutex_lock(&g->lock);
	if (g->active >= g->max_active)
		v = PROBEGATE_BUSY;
	else if (ratelimit_take(g->rl, target, now) != RATELIMIT_PASS)
		v = PROBEGATE_RATE;
	else
		g->active++;
	pthread_mutex_unlock(&g->lock);
	return v;
}

void probegate_leave(struct probegate *g)
{
	pthread_mutex_lock(&g->lock);
	if (g->active > 0)
		g->active--;
	pthread_mutex_unlock(&g->lock);
}

unsigned probegate_active(struct probegate *g)
{
	unsigned n;

	pthread_mutex_lock(&g->lock);
	n = g->active;
	pthread_mutex_unlock(&g->lock);
	return n;
}

int probegate_status(enum probegate_verdict v)
{
	switch (v) {
	case PROBEGATE_GO: return 200;
	case PROBEGATE_FORBIDDEN: return 403;
	case PROBEGATE_BUSY: return 503;
	case PROBEGATE_RATE: return 429;
	}
	return 500;
}
