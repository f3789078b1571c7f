/* echo.h: the echo service's functions (echo.c), for its rows in
 * services.c (service.h says what each does). Nothing but the table
 * calls them: the cores call the row. */
#ifndef NETECHO_ECHO_H
#define NETECHO_ECHO_H

#include "config.h"

struct conn;
struct dgram;

void echo_serve_tcp(struct conn *c, const char *peer);
void echo_serve_udp(struct dgram *d, void *state);
void *echo_udp_new(const struct config *cfg);
void echo_udp_configure(void *state, const struct config *cfg);
void echo_udp_free(void *state);

#endif
