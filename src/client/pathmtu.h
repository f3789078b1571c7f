/* pathmtu.h: what netecho --pmtu found (struct path_mtu: pmtusearch.h
 * searches, pmtu.h reasons), as text lines and as JSON members. Pure. */
#ifndef NETECHO_PATHMTU_H
#define NETECHO_PATHMTU_H

#include <stdbool.h>
#include <stddef.h>

#include "pmtusearch.h"

#define PATH_MTU_HOLE_TRIES 2           /* tries of each hop with a probe that vanishes */

/* --pmtu's findings as text lines ("pmtu: 1400 (...)\n"), and as JSON
 * members ("\"pmtu\":N,\"black_hole\":B,..."). Return the length. */
size_t path_mtu_text(char *buf, size_t size, const struct path_mtu *m);
size_t path_mtu_json(char *buf, size_t size, const struct path_mtu *m);

#endif
