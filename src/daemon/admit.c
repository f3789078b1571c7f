/* admit.c: who a TCP connection's service serves: the PROXY protocol
 * policy, the access list, max_connections and the per-source limit of
 * [tcp] max_per_source, and the log lines and counters of a connection
 * turned away; and whether a UDP datagram's service reads it (the access
 * list). The same for every service: the section of the
 * connection's row (service.h) names the keys.
 *
 * It must not serve a connection nor know a service by name; it only
 * decides, counts and logs. */
#include "admit.h"

#include <errno.h>
#include <string.h>

#include "acl.h"
#include "log.h"
#include "net.h"
#include "proxyparse.h"
#include "proxyread.h"
#include "service.h"
#include "srclimit.h"

/* Counts and logs a connection the access list refused (rate-limited to
 * LOG_DENIALS_PER_SEC a second); its descriptor is closed already. */
static void denied(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   const struct service_row *row, const char *via)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->service[row->label].tcp_denied, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "%s denied peer=%s%s",
			row->tcp_word,
			net_format((const struct sockaddr *)ss, len, peer, sizeof peer), via);
}

/* Counts and logs a connection refused by a limit; its descriptor is
 * closed already. */
void admit_refused(struct tcp_server *srv, const struct service_row *row,
		   const struct sockaddr_storage *ss, socklen_t len, const char *reason, long limit)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->service[row->label].tcp_refused, 1);
	if (!log_admit_kind(LOG_NOTICE, "tcp refused"))
		return;
	net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
	if (limit > 0)
		log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s (%ld)", peer, reason, limit);
	else
		log_msg(LOG_NOTICE, "tcp refused peer=%s reason=%s", peer, reason);
}

/* Counts and logs a connection closed for want of a resource. */
void admit_failed(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		  const char *reason, int err)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->errors, 1);
	if (!log_admit_kind(LOG_ERR, "tcp refused"))
		return;
	net_format((const struct sockaddr *)ss, len, peer, sizeof peer);
	if (err != 0)
		log_msg(LOG_ERR,
			"tcp refused peer=%s reason=%s (pthread_create: %s); pausing new connections",
			peer, reason, strerror(err));
	else
		log_msg(LOG_ERR, "tcp refused peer=%s reason=%s; pausing new connections", peer,
			reason);
}

/* Counts and logs a connection closed for its PROXY header. */
static void proxy_refused(struct conn *w, const char *peer, const char *why)
{
	stats_add(&w->srv->st->service[w->row->label].proxy_errors, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "tcp proxy header refused peer=%s: %s", peer, why);
}

bool admit_proxy_policy(struct tcp_server *srv, const struct config *cfg, struct arrival *a)
{
	const struct service_cfg *sc = config_service(cfg, a->row->section);
	char peer[NET_ADDRSTRLEN];

	a->from_proxy = sc->proxies != NULL &&
			acl_check(sc->proxies, (struct sockaddr *)&a->ss) == ACL_ALLOW;
	a->header_optional = sc->proxy_protocol == PROXY_OPTIONAL;
	a->refuse_header = !a->from_proxy && a->header_optional;
	if (a->from_proxy || sc->proxy_protocol != PROXY_YES)
		return false;
	tcp_close_counted(srv, a->fd);
	stats_add(&srv->st->service[a->row->label].proxy_errors, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE,
			"tcp proxy header refused peer=%s: not in proxy_from (proxy_protocol = yes)",
			net_format((struct sockaddr *)&a->ss, a->len, peer, sizeof peer));
	return true;
}

/* The per-source limit ([tcp] max_per_source) for client. */
static const char *per_source(struct tcp_server *srv, const struct config *cfg,
			      const struct sockaddr *client, bool *counted, long *limit)
{
	switch (srclimit_take(srv->sources, client, (unsigned long)cfg->tcp.max_per_source)) {
	case SRCLIMIT_TAKEN:
		*counted = true;
		return NULL;
	case SRCLIMIT_FULL:
		*limit = cfg->tcp.max_per_source;
		return "max_per_source";
	case SRCLIMIT_NOMEM:
		return "out-of-memory";
	case SRCLIMIT_BADADDR:
		break;
	}
	return NULL;            /* not IPv4 or IPv6: not counted per source */
}

const char *admit(struct tcp_server *srv, const struct config *cfg, const struct service_row *row,
		  const struct sockaddr_storage *client, bool new_place, bool *counted, long *limit)
{
	*counted = false;
	*limit = 0;
	if (client != NULL &&
	    acl_check(config_access(cfg, row->section), (const struct sockaddr *)client) ==
		    ACL_DENY)
		return ADMIT_DENIED;
	if (new_place && srv->stopping)
		return "shutdown";
	if (new_place && srv->nbusy >= (unsigned long)cfg->tcp.max_connections) {
		*limit = cfg->tcp.max_connections;
		return "max_connections";
	}
	if (client == NULL || !row->per_source || cfg->tcp.max_per_source == 0)
		return NULL;
	return per_source(srv, cfg, (const struct sockaddr *)client, counted, limit);
}

void admit_say(struct tcp_server *srv, const struct service_row *row,
	       const struct sockaddr_storage *ss, socklen_t len, const char *via,
	       const char *reason, long limit)
{
	if (strcmp(reason, ADMIT_DENIED) == 0)
		denied(srv, ss, len, row, via);
	else
		admit_refused(srv, row, ss, len, reason, limit);
}

/* The client a PROXY header names takes the proxy's place (LOCAL, a
 * health check, UNKNOWN or no header: the proxy is the client). */
static void take_client(struct conn *w, const struct proxy_header *h, char *peer,
			size_t peersize)
{
	if (h->local)
		return;
	pthread_mutex_lock(&w->srv->lock);
	memcpy(&w->proxy, &w->peer, w->peerlen);
	w->proxylen = w->peerlen;
	memcpy(&w->peer, &h->src, h->srclen);
	w->peerlen = h->srclen;
	pthread_mutex_unlock(&w->srv->lock);
	net_format((struct sockaddr *)&w->peer, w->peerlen, peer, peersize);
}

bool admit_after_header(struct conn *w, char *peer, size_t peersize)
{
	struct proxy_header h;
	const char *why, *reason;
	char via[NET_ADDRSTRLEN + 8];
	long limit;
	bool counted;

	if (!w->from_proxy)
		return true;    /* admitted at accept */
	switch (proxy_read_header(w, w->header_optional, &h, &why)) {
	case PROXY_OK:
		break;
	case PROXY_NONE:
		h.local = true;         /* served as the proxy itself */
		break;
	default:
		proxy_refused(w, peer, why);
		return false;
	}
	take_client(w, &h, peer, peersize);
	pthread_mutex_lock(&w->srv->lock);
	reason = admit(w->srv, w->cfg, w->row, &w->peer, false, &counted, &limit);
	w->per_source = counted;
	pthread_mutex_unlock(&w->srv->lock);
	if (reason == NULL)
		return true;
	admit_say(w->srv, w->row, &w->peer, w->peerlen, conn_via(w, via, sizeof via), reason,
		  limit);
	return false;
}

bool admit_first_bytes(struct conn *c, const char *peer, const char *buf, size_t len)
{
	if (!c->refuse_header || !proxy_whole_signature(buf, len))
		return true;
	proxy_refused(c, peer, "a PROXY header from a peer not in proxy_from");
	return false;
}

bool admit_dgram(const struct config *cfg, const struct service_row *row,
		 const struct sockaddr *from, socklen_t fromlen, struct stats *st)
{
	const struct acl *acl = config_access(cfg, row->section);
	char peer[NET_ADDRSTRLEN];

	if (acl == NULL || acl_check(acl, from) != ACL_DENY)
		return true;
	stats_add(&st->service[row->label].udp_denied, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "%s denied peer=%s", row->udp_word,
			net_format(from, fromlen, peer, sizeof peer));
	return false;
}
