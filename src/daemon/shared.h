/* shared.h: configurations shared between threads. A reload makes a new
 * configuration while connections still use the ones they started with:
 * each holder keeps a reference, and the last to let go frees it. A slot
 * holds the configuration in force for a part of the daemon (the TCP
 * server, the UDP server): a reload puts a new one in, and each user takes
 * a reference to what is there. (config.h stays pure data and parsing.) */
#ifndef NETECHO_SHARED_H
#define NETECHO_SHARED_H

#include <pthread.h>

#include "config.h"

/* A new configuration on the heap, with the defaults, holding one
 * reference; NULL on ENOMEM. */
struct config *shared_new(void);
/* Another reference to cfg (one made by shared_new()). */
struct config *shared_ref(struct config *cfg);
/* Lets go of one; frees cfg with the last. NULL is ignored. */
void shared_unref(struct config *cfg);

struct shared_slot {
	pthread_mutex_t lock;
	struct config *cfg;             /* one reference held by the slot */
};

void shared_slot_init(struct shared_slot *slot, struct config *cfg);
/* A new reference to the configuration in the slot; shared_unref() it. */
struct config *shared_slot_get(struct shared_slot *slot);
/* Puts cfg in (taking a reference) and lets go of the one there. */
void shared_slot_set(struct shared_slot *slot, struct config *cfg);
void shared_slot_destroy(struct shared_slot *slot);

#endif
