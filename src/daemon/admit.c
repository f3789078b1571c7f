/* admit.c: who a TCP connection's service serves: the PROXY protocol
 * policy, the access list, max_connections and the per-source limit of
 * [tcp] max_per_source, and the log lines and counters of a connection
 * turned away. The same for every service: the section of the
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

	stats_add(&srv->st->tcp_denied, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "%s denied peer=%s%s",
			row->tcp_word,
			net_format((const struct sockaddr *)ss, len, peer, sizeof peer), via);
}

/* Counts and logs a connection refused by a limit; its descriptor is
 * closed already. */
void admit_refused(struct tcp_server *srv, const struct sockaddr_storage *ss, socklen_t len,
		   const char *reason, long limit)
{
	char peer[NET_ADDRSTRLEN];

	stats_add(&srv->st->tcp_refused, 1);
	if (!log_admit(LOG_NOTICE))
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
	if (!log_admit(LOG_ERR))
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
	stats_add(&w->srv->st->proxy_errors, 1);
	if (log_admit_denial())
		log_msg(LOG_NOTICE, "tcp proxy header refused peer=%s: %s", peer, why);
}

/* The access list and the PROXY protocol, at once, before a thread is
 * spent on the connection: a client the list denies, or one not in
 * proxy_from where proxy_protocol = yes, is closed at once (true). A
 * connection from proxy_from is let through: its header names the client
 * the list judges, in its thread. */
bool admit_at_accept(struct tcp_server *srv, const struct config *cfg, struct arrival *a)
{
	enum config_section section = a->row->section;
	const struct acl *proxies = config_proxies(cfg, section);

	a->from_proxy =
		proxies != NULL && acl_check(proxies, (struct sockaddr *)&a->ss) == ACL_ALLOW;
	a->refuse_header = !a->from_proxy &&
			   config_service(cfg, section)->proxy_protocol == PROXY_OPTIONAL;
	if (a->from_proxy)
		return false;
	if (config_service(cfg, section)->proxy_protocol == PROXY_YES) {
		char peer[NET_ADDRSTRLEN];

		tcp_close_counted(srv, a->fd);
		stats_add(&srv->st->proxy_errors, 1);
		if (log_admit_denial())
			log_msg(LOG_NOTICE,
				"tcp proxy header refused peer=%s: not in proxy_from (proxy_protocol = yes)",
				net_format((struct sockaddr *)&a->ss, a->len, peer, sizeof peer));
		return true;
	}
	if (acl_check(config_access(cfg, section), (struct sockaddr *)&a->ss) == ACL_DENY) {
		tcp_close_counted(srv, a->fd);
		denied(srv, &a->ss, a->len, a->row, "");
		return true;
	}
	return false;
}

/* Decides, with srv->lock held, whether a connection may be served:
 * NULL, with *counted set when it was counted per source, or the reason
 * to refuse it and the limit it met (0: a resource failed). Connections
 * through a proxy are counted per source once their header names the
 * client; report connections are not. */
const char *admit_place(struct tcp_server *srv, const struct config *cfg,
			 const struct arrival *a, bool *counted, long *limit)
{
	*counted = false;
	*limit = 0;
	if (srv->stopping)
		return "shutdown";
	if (srv->nbusy >= (unsigned long)cfg->tcp.max_connections) {
		*limit = cfg->tcp.max_connections;
		return "max_connections";
	}
	if (cfg->tcp.max_per_source == 0 || a->from_proxy || !a->row->per_source)
		return NULL;
	switch (srclimit_take(srv->sources, (const struct sockaddr *)&a->ss,
			      (unsigned long)cfg->tcp.max_per_source)) {
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

/* Before a connection is served: a proxy's PROXY header, whose client then
 * takes the proxy's place, and for such a client (or the proxy itself, when
 * no header named one) the access list and the per-source limit, which the
 * accept thread applied to everyone else. A
 * peer not in proxy_from that opens with a header, when headers are
 * optional, is refused. False when the connection is to be closed (it was
 * counted and logged). peer is the client's address as text, updated. */
bool admit_after_header(struct conn *w, char *peer, size_t peersize)
{
	const struct config *cfg = w->cfg;
	int mode = config_service(cfg, w->row->section)->proxy_protocol;
	struct proxy_header h;
	const char *why;
	char via[NET_ADDRSTRLEN + 8];

	if (!w->from_proxy)
		return true;    /* (exchange() refuses one that sends a header) */
	switch (proxy_read_header(w, mode == PROXY_OPTIONAL, &h, &why)) {
	case PROXY_OK:
		break;
	case PROXY_NONE:
		h.local = true;         /* served as the proxy itself */
		break;
	default:
		proxy_refused(w, peer, why);
		return false;
	}
	/* LOCAL (a health check), UNKNOWN, no header: the proxy is the client */
	if (!h.local) {
		pthread_mutex_lock(&w->srv->lock);
		memcpy(&w->proxy, &w->peer, w->peerlen);
		w->proxylen = w->peerlen;
		memcpy(&w->peer, &h.src, h.srclen);
		w->peerlen = h.srclen;
		pthread_mutex_unlock(&w->srv->lock);
		net_format((struct sockaddr *)&w->peer, w->peerlen, peer, peersize);
	}
	if (acl_check(config_access(cfg, w->row->section), (struct sockaddr *)&w->peer) ==
	    ACL_DENY) {
		denied(w->srv, &w->peer, w->peerlen, w->row, conn_via(w, via, sizeof via));
		return false;
	}
	if (cfg->tcp.max_per_source > 0 && w->row->per_source) {
		enum srclimit_result r;

		pthread_mutex_lock(&w->srv->lock);
		r = srclimit_take(w->srv->sources, (struct sockaddr *)&w->peer,
				  (unsigned long)cfg->tcp.max_per_source);
		w->per_source = r == SRCLIMIT_TAKEN;
		pthread_mutex_unlock(&w->srv->lock);
		if (r == SRCLIMIT_FULL || r == SRCLIMIT_NOMEM) {
			admit_refused(w->srv, &w->peer, w->peerlen,
				r == SRCLIMIT_FULL ? "max_per_source" : "out-of-memory",
				r == SRCLIMIT_FULL ? cfg->tcp.max_per_source : 0);
			return false;
		}
	}
	return true;
}

bool admit_first_bytes(struct conn *c, const char *peer, const char *buf, size_t len)
{
	if (!c->refuse_header || !proxy_whole_signature(buf, len))
		return true;
	proxy_refused(c, peer, "a PROXY header from a peer not in proxy_from");
	return false;
}
