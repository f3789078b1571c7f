/* servers.c: the TCP and the UDP server as one (see servers.h). */
#include "servers.h"

#include <errno.h>

#include "tcp.h"
#include "udp.h"

int servers_new(struct servers *s, struct stats *st, struct config *cfg)
{
	int saved;

	*s = (struct servers){ 0 };
	s->tcp = tcp_new(st, cfg);
	if (s->tcp == NULL)
		return -1;
	s->udp = udp_new(st, cfg);
	if (s->udp != NULL)
		return 0;
	saved = errno;
	(void)tcp_free(s->tcp);     /* no thread yet: always freed */
	s->tcp = NULL;
	errno = saved;
	return -1;
}

void servers_offer(struct servers *s, int p, struct sock *socks, size_t n)
{
	if (p == PLAN_TCP)
		tcp_offer(s->tcp, socks, n);
	else
		udp_offer(s->udp, socks, n);
}

struct sockset *servers_sockset(struct servers *s, int p)
{
	return p == PLAN_TCP ? tcp_sockset(s->tcp) : udp_sockset(s->udp);
}

void servers_reconfigure(struct servers *s, struct config *cfg)
{
	tcp_reconfigure(s->tcp, cfg);
	udp_reconfigure(s->udp, cfg);
}

void servers_heartbeat_every(struct servers *s, int ms)
{
	tcp_heartbeat_every(s->tcp, ms);
	udp_heartbeat_every(s->udp, ms);
}

const char *servers_stalled(struct servers *s)
{
	bool tcp = tcp_alive(s->tcp, &s->beats[PLAN_TCP]);
	bool udp = udp_alive(s->udp, &s->beats[PLAN_UDP]);

	return !tcp ? "TCP accept" : !udp ? "UDP receive" : NULL;
}

int servers_start(struct servers *s, const char **what)
{
	int rc = tcp_start(s->tcp);

	*what = "TCP accept";
	if (rc != 0)
		return rc;
	*what = "UDP receive";
	return udp_start(s->udp);
}

bool servers_free(struct servers *s)
{
	bool freed;

	udp_free(s->udp);
	s->udp = NULL;
	freed = tcp_free(s->tcp);
	s->tcp = NULL;
	return freed;
}
