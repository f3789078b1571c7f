/* reportsvc.h: the path report service's functions (reportsvc.c), for
 * its row in services.c (service.h says what each does). Nothing but the
 * table calls them: the cores call the row. */
#ifndef NETECHO_REPORTSVC_H
#define NETECHO_REPORTSVC_H

#include "config.h"

struct conn;
struct dgram;

void report_serve_tcp(struct conn *c, const char *peer);
void report_serve_udp(struct dgram *d, void *state);
void *report_udp_new(const struct config *cfg);
void report_udp_configure(void *state, const struct config *cfg);
void report_udp_free(void *state);

#endif
