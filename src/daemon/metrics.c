/* metrics.c: the [metrics] service (see metrics.h): libmicrohttpd on the
 * descriptors the connection core accepted and admitted, GET /metrics and
 * GET /probe.
 *
 * It owns the HTTP daemon, the probe gate and a reference to the newest
 * configuration a connection brought, under M.lock; a request takes its
 * own reference to the configuration for as long as it runs. It must not
 * parse bytes itself (probequery.c does), nor hold a lock while it probes. */
#include "metrics.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "metricstext.h"
#include "net.h"
#include "probe.h"
#include "probegate.h"
#include "probemod.h"
#include "probequery.h"
#include "shared.h"

#define PROBE_TEXT_MAX 8192             /* bytes of a probe's answer */
#define THREAD_STACK   (256 * 1024)     /* bytes of stack of an HTTP thread */

/* a request: the query, copied from the raw URI before libmicrohttpd
 * decodes it */
struct request {
	size_t len;
	bool too_long;
	char query[PROBEQUERY_MAX + 1];
};

static struct {
	pthread_mutex_t lock;
	struct MHD_Daemon *mhd;         /* NULL: not started (or stopped) */
	bool stopped;
	atomic_bool stopping;           /* set first by metrics_stop(): probes end */
	struct config *cfg;             /* the newest a connection brought: a reference */
	struct probegate *gate;
	struct stats *st;
	struct tcp_server *srv;
	double started;                 /* wall clock */
	atomic_uint_least64_t probes, refused[4];       /* by enum probegate_verdict */
	atomic_uint_least64_t bad_requests;
	atomic_long open;               /* HTTP connections libmicrohttpd holds */
	long max_open;                  /* under lock: [metrics] max_connections */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The bound on connections is ours (M.open against max_open, checked
 * before a connection is handed over): libmicrohttpd's own
 * (MHD_OPTION_CONNECTION_LIMIT) is set past it, as 0.9.75 can deadlock
 * when a connection meets it while others time out in thread-per-
 * connection mode (seen here: every thread waiting on one of its mutexes). */
#define MHD_LIMIT_SLACK 64

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)mc;
	(void)socket_context;
	/* counted up before it is handed over (metrics_serve_tcp()): libmicrohttpd
	 * may tell of its start later, in the connection's own thread */
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub_explicit(&M.open, 1, memory_order_relaxed);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct request *rq = calloc(1, sizeof *rq);
	const char *q = strchr(uri, '?');
	size_t len = q != NULL ? strlen(q + 1) : 0;

	(void)cls;
	(void)mc;
	if (rq == NULL)
		return NULL;
	rq->too_long = len > PROBEQUERY_MAX;
	rq->len = rq->too_long ? 0 : len;
	if (!rq->too_long && len > 0)
		memcpy(rq->query, q + 1, len);
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)mc;
	(void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

/* queues body (from malloc, len bytes; the response frees it) */
static enum MHD_Result answer(struct MHD_Connection *mc, unsigned status, const char *type,
			      char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* a short text answer: a literal, and a newline */
static enum MHD_Result say(struct MHD_Connection *mc, unsigned status, const char *text)
{
	size_t len = strlen(text);
	char *body = malloc(len + 2);

	if (body != NULL) {
		memcpy(body, text, len);
		memcpy(body + len, "\n", 2);
	}
	return answer(mc, status, "text/plain; charset=utf-8", body, len + 1);
}

static struct config *current(void)
{
	struct config *cfg;

	pthread_mutex_lock(&M.lock);
	cfg = shared_ref(M.cfg);
	pthread_mutex_unlock(&M.lock);
	return cfg;
}

static void count_probes(struct promtext *p)
{
	static const char *const why[] = { "ran", "forbidden", "busy", "rate" };

	promtext_family(p, "netecho_probes_total", PROM_COUNTER,
			"/probe requests: ran, or refused (forbidden: not in probe_allow; busy: probe_max running; rate: probe_rate).");
	for (int i = 0; i < 4; i++)
		promtext_sample(p, "", (const struct prom_label[]){ { "result", why[i] } }, 1,
				(double)(i == 0 ? atomic_load_explicit(&M.probes, memory_order_relaxed)
					       : atomic_load_explicit(&M.refused[i], memory_order_relaxed)));
	promtext_family(p, "netecho_http_bad_requests_total", PROM_COUNTER,
			"HTTP requests refused: a method other than GET, a body, an unknown path or a malformed query.");
	promtext_sample(p, "", NULL, 0,
			(double)atomic_load_explicit(&M.bad_requests, memory_order_relaxed));
}

static enum MHD_Result metrics_page(struct MHD_Connection *mc)
{
	char *buf = malloc(METRICSTEXT_MAX);
	struct promtext p;
	struct metrics_view v = {M.st, M.srv, M.started, probegate_active(M.gate),
				 atomic_load_explicit(&M.open, memory_order_relaxed)};

	if (buf == NULL)
		return MHD_NO;
	promtext_start(&p, buf, METRICSTEXT_MAX);
	metricstext_write(&p, &v);
	count_probes(&p);
	if (!promtext_ok(&p)) {
		free(buf);
		log_warnx("metrics: the /metrics text does not fit in %d bytes", METRICSTEXT_MAX);
		return say(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, "the metrics did not fit");
	}
	return answer(mc, MHD_HTTP_OK, PROMTEXT_CONTENT_TYPE, buf, p.len);
}

static const char *refusal(enum probegate_verdict v)
{
	switch (v) {
	case PROBEGATE_FORBIDDEN: return "the target is not in [metrics] probe_allow";
	case PROBEGATE_BUSY: return "[metrics] probe_max probes are running: try later";
	case PROBEGATE_RATE: return "[metrics] probe_rate: this target was probed enough this second";
	case PROBEGATE_GO: break;
	}
	return "";
}

/* runs the probe the gate let through, with cfg's settings */
static enum MHD_Result run_probe(struct MHD_Connection *mc, const struct probe_query *q,
				 enum probe_module m, struct probe_params pp)
{
	const char *timeout = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
							  "X-Prometheus-Scrape-Timeout-Seconds");
	char *buf = malloc(PROBE_TEXT_MAX);
	struct promtext p;

	if (buf == NULL)
		return MHD_NO;
	pp.budget = probequery_budget(timeout, METRICS_PROBE_DEFAULT_S, METRICS_PROBE_MARGIN_S,
				      METRICS_PROBE_MAX_S);
	pp.stop = &M.stopping;
	promtext_start(&p, buf, PROBE_TEXT_MAX);
	probe_run(m, (const struct sockaddr *)&q->target, q->target_len, &pp, &p);
	if (probe_stopping(&pp)) {      /* cut short: no answer, the connection closes */
		free(buf);
		return MHD_NO;
	}
	if (!promtext_ok(&p)) {
		free(buf);
		return say(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, "the probe's metrics did not fit");
	}
	return answer(mc, MHD_HTTP_OK, PROMTEXT_CONTENT_TYPE, buf, p.len);
}

static enum MHD_Result probe_page(struct MHD_Connection *mc, const struct request *rq)
{
	struct probe_query q;
	struct probe_params pp = { 0 };
	enum probe_module m;
	enum probegate_verdict v;
	const char *why = "the query is too long";
	struct config *cfg;
	enum MHD_Result ret;

	if (rq->too_long || probequery_parse(rq->query, rq->len, &q, &why) != 0) {
		atomic_fetch_add_explicit(&M.bad_requests, 1, memory_order_relaxed);
		return say(mc, MHD_HTTP_BAD_REQUEST, why);
	}
	cfg = current();
	if (probemod_find(cfg, q.module, &m, &pp) != 0) {
		shared_unref(cfg);
		atomic_fetch_add_explicit(&M.bad_requests, 1, memory_order_relaxed);
		return say(mc, MHD_HTTP_BAD_REQUEST,
			   "no such module: tcp, udp, path or one of [metrics] module");
	}
	v = probegate_enter(M.gate, cfg->metrics.probe_acl, (const struct sockaddr *)&q.target,
			    clock_now());
	if (v != PROBEGATE_GO) {
		char target[NET_ADDRSTRLEN];

		shared_unref(cfg);
		atomic_fetch_add_explicit(&M.refused[v], 1, memory_order_relaxed);
		log_conn(LOG_NOTICE, "metrics probe refused target=%s status=%d",
			 net_format((const struct sockaddr *)&q.target, q.target_len, target,
				    sizeof target),
			 probegate_status(v));
		return say(mc, (unsigned)probegate_status(v), refusal(v));
	}
	atomic_fetch_add_explicit(&M.probes, 1, memory_order_relaxed);
	ret = run_probe(mc, &q, m, pp);
	probegate_leave(M.gate);
	shared_unref(cfg);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *mc, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_cls)
{
	const struct request *rq = *req_cls;

	(void)cls;
	(void)version;
	(void)upload;
	if (rq == NULL)
		return MHD_NO;  /* out of memory: the connection is closed */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		atomic_fetch_add_explicit(&M.bad_requests, 1, memory_order_relaxed);
		return say(mc, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
	}
	if (*upload_size != 0 ||
	    MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) ||
	    MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		atomic_fetch_add_explicit(&M.bad_requests, 1, memory_order_relaxed);
		return say(mc, MHD_HTTP_CONTENT_TOO_LARGE, "a GET takes no body");
	}
	if (strcmp(url, "/metrics") == 0)
		return metrics_page(mc);
	if (strcmp(url, "/probe") == 0)
		return probe_page(mc, rq);
	atomic_fetch_add_explicit(&M.bad_requests, 1, memory_order_relaxed);
	return say(mc, MHD_HTTP_NOT_FOUND, "not found: /metrics or /probe?target=ADDRESS:PORT&module=NAME");
}

/* under M.lock: the HTTP daemon and the gate, with the first connection's
 * settings. 0, or -1 (logged). */
static int start(struct conn *c)
{
	const struct config *cfg = c->cfg;
	uint64_t key[2];
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
			 MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;

	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
		log_err("metrics: getrandom");
		return -1;
	}
	M.gate = probegate_new(key[0], key[1], (double)cfg->metrics.probe_rate,
			       (double)cfg->metrics.probe_rate * 100, (unsigned)cfg->metrics.probe_max);
	if (M.gate == NULL) {
		log_errx("metrics: out of memory");
		return -1;
	}
	M.mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
		on_connection, NULL, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)cfg->metrics.max_connections + MHD_LIMIT_SLACK, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)cfg->metrics.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)METRICS_REQUEST_MEMORY, MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
		MHD_OPTION_END);
	if (M.mhd == NULL) {
		log_errx("metrics: libmicrohttpd did not start: /metrics is not served");
		probegate_free(M.gate);
		M.gate = NULL;
		return -1;
	}
	M.max_open = cfg->metrics.max_connections;
	M.st = conn_stats(c);
	M.srv = c->srv;
	M.started = (double)time(NULL);
	return 0;
}

void metrics_serve_tcp(struct conn *c, const char *peer)
{
	struct sockaddr_storage ss = c->peer;
	socklen_t len = c->peerlen;
	int fd;

	pthread_mutex_lock(&M.lock);
	if (M.stopped || (M.mhd == NULL && start(c) != 0)) {
		pthread_mutex_unlock(&M.lock);
		conn_close(c, peer);
		return;
	}
	if (M.cfg != c->cfg) {          /* a reload: its settings from now on */
		shared_unref(M.cfg);
		M.cfg = shared_ref(c->cfg);
		probegate_set(M.gate, (double)c->cfg->metrics.probe_rate,
			      (double)c->cfg->metrics.probe_rate * 100,
			      (unsigned)c->cfg->metrics.probe_max);
	}
	if (atomic_load_explicit(&M.open, memory_order_relaxed) >= M.max_open) {
		pthread_mutex_unlock(&M.lock);
		log_conn(LOG_NOTICE, "metrics tcp refused peer=%s: [metrics] max_connections are open",
			 peer);
		conn_close(c, peer);
		return;
	}
	fd = conn_take(c);
	atomic_fetch_add_explicit(&M.open, 1, memory_order_relaxed);
	/* libmicrohttpd owns fd from here, and closes it when it cannot take
	 * it; under the lock, so that metrics_stop() waits for it */
	if (MHD_add_connection(M.mhd, fd, (const struct sockaddr *)&ss, len) != MHD_YES) {
		atomic_fetch_sub_explicit(&M.open, 1, memory_order_relaxed);
		log_conn(LOG_NOTICE, "metrics tcp refused peer=%s: %s", peer, strerror(errno));
	}
	pthread_mutex_unlock(&M.lock);
}

void metrics_stop(void)
{
	struct MHD_Daemon *mhd;

	pthread_mutex_lock(&M.lock);
	M.stopped = true;
	atomic_store_explicit(&M.stopping, true, memory_order_relaxed);
	mhd = M.mhd;
	M.mhd = NULL;
	pthread_mutex_unlock(&M.lock);
	if (mhd != NULL)
		MHD_stop_daemon(mhd);   /* joins every HTTP thread */
	pthread_mutex_lock(&M.lock);
	probegate_free(M.gate);
	M.gate = NULL;
	shared_unref(M.cfg);
	M.cfg = NULL;
	pthread_mutex_unlock(&M.lock);
}
