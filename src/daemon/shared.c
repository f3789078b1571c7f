/* shared.c: configurations shared between threads (see shared.h).
 *
 * It must not look inside a configuration: it counts references and frees
 * the last; config.h owns the contents. */
#include "shared.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

struct shared {
	atomic_int refs;
	struct config cfg;
};

static struct shared *of(struct config *cfg)
{
	return (struct shared *)(void *)((char *)cfg - offsetof(struct shared, cfg));
}

struct config *shared_new(void)
{
	struct shared *s = malloc(sizeof *s);

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	config_defaults(&s->cfg);
	return &s->cfg;
}

struct config *shared_ref(struct config *cfg)
{
	atomic_fetch_add_explicit(&of(cfg)->refs, 1, memory_order_relaxed);
	return cfg;
}

void shared_unref(struct config *cfg)
{
	if (cfg != NULL &&
	    atomic_fetch_sub_explicit(&of(cfg)->refs, 1, memory_order_acq_rel) == 1) {
		config_free(cfg);
		free(of(cfg));
	}
}

void shared_slot_init(struct shared_slot *slot, struct config *cfg)
{
	pthread_mutex_init(&slot->lock, NULL);
	slot->cfg = shared_ref(cfg);
}

struct config *shared_slot_get(struct shared_slot *slot)
{
	struct config *cfg;

	pthread_mutex_lock(&slot->lock);
	cfg = shared_ref(slot->cfg);
	pthread_mutex_unlock(&slot->lock);
	return cfg;
}

void shared_slot_set(struct shared_slot *slot, struct config *cfg)
{
	struct config *old;

	pthread_mutex_lock(&slot->lock);
	old = slot->cfg;
	slot->cfg = shared_ref(cfg);
	pthread_mutex_unlock(&slot->lock);
	shared_unref(old);
}

void shared_slot_destroy(struct shared_slot *slot)
{
	shared_unref(slot->cfg);
	slot->cfg = NULL;
	pthread_mutex_destroy(&slot->lock);
}
