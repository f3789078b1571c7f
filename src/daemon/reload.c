/* reload.c: the reload plan, its job thread, commit and abort (see
 * reload.h).
 *
 * A walk through a reload: SIGHUP reaches main (netechod.c), which calls
 * reload_request(); that starts job_main() in a thread with copies of
 * what it needs (the file's path, a reference to the configuration in
 * force, the sockets bound now). The job loads the file as start does
 * (cfgload.c: the file, the -o overrides, the user looked up), then
 * binding.c plans the sockets: it decides per protocol what changes
 * (plan_decide()), resolves a changed host (net.c, bounded), matches the
 * addresses against the sockets bound now (plan_match()) and binds the
 * new ones (plan.c), then the job signals main. main's reload_poll() commits
 * (commit(): tcp_reconfigure() and udp_reconfigure() first, so that a
 * serving thread sets the options of the sockets it is about to take
 * from the new configuration; then tcp_offer()/udp_offer() hand the new
 * sets to the serving threads, which retire the old sockets;
 * log_configure(), the descriptor limit) or aborts (the job's new
 * sockets are closed, nothing else was touched). A new listener saves
 * SYNs, when the new configuration asks it to, from its bind on.
 *
 * A TCP address that moves, and the handshakes under way: a connection in
 * SYN-RECV belongs to the listener that took its SYN, and is reset if
 * that listener closes before the client's ACK comes (a client far away,
 * or an ACK lost). Draining every retired listener longer would hold new
 * clients back, since a SYN that reaches a retiring listener is dropped
 * (and sent again a second later). So two cases: a listener whose
 * address a new wildcard covers (127.0.0.1 when * is asked for) is not
 * retired at all but kept serving in the new set, beside the wildcard
 * (plan_cover()); its handshakes complete and the kernel goes on
 * giving it its address's SYNs, the more specific listener. Any other
 * listener retired serves an address the new set does not (the new set's
 * more specific or equal listeners take their SYNs), so it can drain for
 * TCP_DRAIN_S (3 s), long enough for a late ACK, holding back no client
 * of the new set. The kernel's own way, net.ipv4.tcp_migrate_req, hands
 * a closing listener's requests to another of its SO_REUSEPORT group
 * only, which 127.0.0.1 and 0.0.0.0 are not, and is a host setting off
 * by default. An address moved back within those 3 s is bound beside its
 * listener still retiring, in one reuseport group, where the kernel would
 * spread new SYNs over both and the retiring one drop its share: the new
 * one attaches to the group a program that picks it for every SYN
 * (net_reuseport_pick(), in plan.c's bind_one()).
 *
 * Which sockets a configuration asks for, and binding them, is binding.c's
 * and plan.c's; reading the file, cfgload.c's.
 *
 * It must not read the file nor bind itself (cfgload.c, binding.c), and
 * the job must not touch what serves: only main commits. */
#include "reload.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "binding.h"
#include "cfgload.h"
#include "clock.h"
#include "daemon.h"
#include "escape.h"
#include "log.h"
#include "plan.h"
#include "reloadfacts.h"
#include "servers.h"
#include "shared.h"
#include "tcp.h"
#include "udp.h"

#define RELOAD_SIGNAL (SIGRTMIN + 2)

enum { TCP = PLAN_TCP, UDP = PLAN_UDP, NPROTO = PLAN_NPROTO };

/* Jobs alive, given-up ones included: a name server that never answers
 * must not pile up threads. */
static atomic_int jobs_alive;


struct reload_job {
	pthread_mutex_t lock;
	int refs;                       /* main's and the thread's */
	bool done, abandoned;
	pthread_t main_thread;
	/* what the job is given */
	char path[PATH_MAX];
	struct cfgload_source src;	/* path: the one above; ov: the copy below */
	const char **ov;		/* the -o texts (argv's, which outlive main) */
	struct config *old;             /* a reference */
	bool activated;
	struct binding_now now; /* copies of the sockets bound now, the epolls */
	/* what it makes */
	struct config *cfg;             /* the new configuration (a reference) */
	struct config_errors *errs;     /* the file's problems */
	char refusal[NET_ERRLEN + 512]; /* or why else the reload is refused */
	struct proto_plan plan[NPROTO];
	bool ignored;                   /* socket activation: host and port changes not used */
	int fd_raised;                  /* raise_fd_limit() before binding: 1, 0 or -1 ... */
	int fd_errno;                   /* ... with this errno */
	struct rlimit fd_limit;         /* ... and the limit it left */
	atomic_int stage;               /* PLAN_READING, _RESOLVING or _BINDING */
	double began, read_at;          /* clock_now() at the job's start and when it had read */
};

int reload_signal(void)
{
	return RELOAD_SIGNAL;
}

/* --- the job --- */

/* What snapshot() made. */
static void snapshot_free(struct reload_job *j)
{
	free(j->ov);
	for (int p = 0; p < NPROTO; p++) {
		free(j->now.cur[p]);
		free(j->now.ours[p]);
		if (j->now.watch[p] >= 0)
			close(j->now.watch[p]);
	}
}

static void job_release(struct reload_job *j)
{
	int left;

	pthread_mutex_lock(&j->lock);
	left = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (left > 0)
		return;
	for (int p = 0; p < NPROTO; p++)
		plan_close(&j->plan[p]);
	snapshot_free(j);
	shared_unref(j->cfg);
	shared_unref(j->old);
	free(j->errs);
	pthread_mutex_destroy(&j->lock);
	free(j);
	atomic_fetch_sub(&jobs_alive, 1);
}

/* Loads the file as start does (cfgload()): every problem in j->errs. */
static bool job_load(struct reload_job *j)
{
	j->errs = malloc(sizeof *j->errs);
	if (j->errs == NULL) {
		snprintf(j->refusal, sizeof j->refusal, "out of memory");
		return false;
	}
	j->cfg = cfgload(&j->src, NULL, j->errs, NULL, NULL);
	return j->cfg != NULL;
}

/* With socket activation the service manager's sockets stay, whatever
 * the file says: the configuration says what is served. */
static void keep_activated(struct config *cfg, const struct config *old)
{
	for (int i = CONFIG_FIRST_SERVICE; i < CONFIG_SECTIONS; i++) {
		cfg->service[i].enabled = old->service[i].enabled;
		strcpy(cfg->service[i].host, old->service[i].host);
		cfg->service[i].port = old->service[i].port;
	}
}

static void job_plan(struct reload_job *j)
{
	char err[NET_ERRLEN + 512];

	j->began = clock_now();
	if (!job_load(j))
		return;
	j->read_at = clock_now();
	/* before binding, as at start: the new sockets, beside the old ones,
	 * must fit (commit() says what came of it; the limit is never
	 * lowered, so an aborted reload leaves nothing short) */
	j->fd_raised = binding_raise_fd_limit(j->cfg, &j->fd_limit);
	if (j->fd_raised < 0)
		j->fd_errno = errno;
	for (int p = 0; p < NPROTO; p++)
		j->plan[p].stage = &j->stage;
	if (binding_replan(j->old, j->cfg, j->activated, &j->now, j->plan, &j->ignored, err,
			   sizeof err) < 0) {
		snprintf(j->refusal, sizeof j->refusal, "%s", err);
		return;
	}
	if (j->activated)
		keep_activated(j->cfg, j->old);
}

static void *job_main(void *arg)
{
	struct reload_job *j = arg;
	bool tell;

	pthread_setname_np(pthread_self(), "reload");

	job_plan(j);
	pthread_mutex_lock(&j->lock);
	j->done = true;
	tell = !j->abandoned;
	pthread_mutex_unlock(&j->lock);
	if (tell)
		pthread_kill(j->main_thread, RELOAD_SIGNAL);
	job_release(j);
	return NULL;
}

/* A copy of a set's sockets, served (all = false) or every one still
 * open: the count first, then the copy (main alone changes what is
 * served; retired ones can only close meanwhile, or a few more retire). */
static bool copy_socks(struct sockset *ss, bool all, struct sock **out, size_t *n)
{
	size_t want = (all ? sockset_ours(ss, NULL, 0) : sockset_current(ss, NULL, 0)) + 64;

	*out = malloc(want * sizeof **out);
	if (*out == NULL)
		return false;
	*n = all ? sockset_ours(ss, *out, want) : sockset_current(ss, *out, want);
	if (*n > want)
		*n = want;
	return true;
}

/* Copies of the -o texts and of the sockets bound now, and the job's own
 * handles on the serving threads' epolls, for the job. false with errno. */
static bool snapshot(struct reload_job *j, const struct reload_target *t)
{
	struct binding_now *n = &j->now;

	if (strlen(t->src->path) >= sizeof j->path) {
		errno = ENAMETOOLONG;
		return false;
	}
	errno = ENOMEM;
	/* the array is main's: a job given up on may outlive it */
	j->ov = malloc((t->src->nov + 1) * sizeof *j->ov);
	if (j->ov == NULL)
		return false;
	for (size_t i = 0; i < t->src->nov; i++)
		j->ov[i] = t->src->ov[i];
	for (int p = 0; p < NPROTO; p++) {
		struct sockset *ss = servers_sockset(t->servers, p);

		if (!copy_socks(ss, false, &n->cur[p], &n->ncur[p]) ||
		    !copy_socks(ss, true, &n->ours[p], &n->nours[p]) ||
		    (n->watch[p] = sockset_watcher(ss)) < 0)
			return false;
	}
	return true;
}


static bool start_job(struct reload *r, const struct reload_target *t, pthread_t main_thread)
{
	struct reload_job *j;
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if (atomic_fetch_add(&jobs_alive, 1) >= RELOAD_JOBS_MAX) {
		atomic_fetch_sub(&jobs_alive, 1);
		log_errx(
			"reload refused: %d earlier reloads are still reading or resolving; the running configuration stays",
			RELOAD_JOBS_MAX);
		return false;
	}
	j = calloc(1, sizeof *j);
	if (j != NULL)
		j->now.watch[TCP] = j->now.watch[UDP] = -1;
	if (j == NULL || !snapshot(j, t)) {
		log_errx("reload refused: %s; the running configuration stays",
			 strerror(j == NULL ? ENOMEM : errno));
		if (j != NULL)
			snapshot_free(j);
		free(j);
		atomic_fetch_sub(&jobs_alive, 1);
		return false;
	}
	pthread_mutex_init(&j->lock, NULL);
	j->refs = 2;
	j->main_thread = main_thread;
	strcpy(j->path, t->src->path);
	j->src = *t->src;
	j->src.path = j->path;
	j->src.ov = j->ov;
	j->src.check_clashes = false; /* the plan finds them, in the same words */
	j->old = shared_ref(*t->cfg);
	j->activated = t->activated;
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&tid, &attr, job_main, j);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		log_errx(
			"reload refused: cannot start a thread: %s; the running configuration stays",
			strerror(rc));
		j->refs = 1;
		job_release(j);
		return false;
	}
	r->job = j;
	r->started = clock_now();
	return true;
}

bool reload_request(struct reload *r, const struct reload_target *t, pthread_t main_thread)
{
	char name[PATH_MAX];

	if (r->job != NULL) {
		r->again = true;        /* once this one is done */
		return false;
	}
	log_notice("SIGHUP: reloading %s", escape_name(name, sizeof name, t->src->path));
	if (start_job(r, t, main_thread))
		return true;
	reloadfacts_note(false);
	return false;
}

/* Everything at once: nothing here can fail. */
static void commit(struct reload_job *j, const struct reload_target *t)
{
	const struct config *old = *t->cfg;
	struct config *cfg = j->cfg;
	char name[PATH_MAX];

	if (j->ignored)
		log_notice(
			"reload: socket activation: changes to enabled, host and port are not used");
	if (strcmp(cfg->server.user, old->server.user) != 0 ||
	    strcmp(cfg->server.group, old->server.group) != 0)
		log_warnx("reload: [server] user and group take effect at the next start only");
	if (cfg->tcp.source_prefix[0] != old->tcp.source_prefix[0] ||
	    cfg->tcp.source_prefix[1] != old->tcp.source_prefix[1])
		log_warnx("reload: [tcp] source_prefix takes effect at the next start only");
	if (config_any_access(cfg) || config_any_access(old))
		log_notice(
			"reload: the access lists apply to new connections and datagrams; connections open now are kept");
	/* the configuration first: a serving thread that takes the new
	 * sockets sets their options from it (TCP_SAVE_SYN), not the old */
	servers_reconfigure(t->servers, cfg);
	for (int p = 0; p < NPROTO; p++) {
		struct proto_plan *pp = &j->plan[p];

		if (!pp->change)
			continue;
		plan_log_listening(pp->next + pp->nnext - pp->nopened, pp->nopened, p);
		servers_offer(t->servers, p, pp->next, pp->nnext);
		plan_handed_over(pp);   /* the server's now */
	}
	log_configure(cfg->log.level, cfg->log.facility, cfg->log.rate_limit);
	log_set_format(cfg->log.format == LOG_FORMAT_JSON);
	binding_say_fd_limit(cfg, j->fd_raised, j->fd_errno, &j->fd_limit);
	tcp_tick(t->servers->tcp); /* the accept thread's ceiling follows the limit now */
	shared_unref(*t->cfg);
	*t->cfg = shared_ref(cfg);
	log_notice("reloaded %s (tcp %s, udp %s)", escape_name(name, sizeof name, t->src->path),
		   cfg->tcp.enabled ? "on" : "off", cfg->udp.enabled ? "on" : "off");
}

/* Nothing changes: the job's sockets close with it. */
static void abort_reload(struct reload_job *j, const struct reload_target *t)
{
	char name[PATH_MAX];

	escape_name(name, sizeof name, t->src->path);
	if (j->errs != NULL && (j->errs->count > 0 || j->errs->dropped > 0)) {
		cfgload_print(j->errs, &j->src, true);
		log_errx("reload refused: %s has problems; the running configuration stays", name);
		return;
	}
	log_errx("reload refused: %s; the running configuration stays", j->refusal);
}

/* A job given up on: what it was doing for so long. */
static void say_too_long(struct reload_job *j, const struct reload_target *t)
{
	static const char *const what[] = { [PLAN_READING] = "reading",
					    [PLAN_RESOLVING] = "resolving the hosts of",
					    [PLAN_BINDING] = "binding the sockets of" };
	static const char *const why[] = {
		[PLAN_READING] = "a slow disk, or a user or group lookup that does not answer?",
		[PLAN_RESOLVING] = "a name server that does not answer?",
		[PLAN_BINDING] = "many ports on a busy machine?" };
	int stage = atomic_load(&j->stage);

	log_errx(
		"reload refused: %s %s took longer than %d s (%s); the running configuration stays",
		what[stage], escape_name((char[PATH_MAX]){0}, PATH_MAX, t->src->path),
		RELOAD_TIMEOUT_S, why[stage]);
}

/* A finished job's new TCP listeners start listening (plan_listen()),
 * the last step that may fail, before anything is committed; its times
 * at debug level. false with the refusal set. */
static bool listen_all(struct reload_job *j)
{
	char err[NET_ERRLEN];

	double from = j->read_at;

	for (int p = 0; p < NPROTO; p++)
		if (j->plan[p].change) {
			log_debug("reload: %s: read in %.3f s, resolved in %.3f s, bound in %.3f s",
				  p == TCP ? "tcp" : "udp", j->read_at - j->began,
				  j->plan[p].resolved_at - from,
				  j->plan[p].bound_at - j->plan[p].resolved_at);
			from = j->plan[p].bound_at;
		}
	for (int p = 0; p < NPROTO; p++)
		if (plan_listen(&j->plan[p], err, sizeof err) < 0) {
			snprintf(j->refusal, sizeof j->refusal, "%s", err);
			return false;
		}
	return true;
}

bool reload_poll(struct reload *r, const struct reload_target *t, pthread_t main_thread)
{
	struct reload_job *j = r->job;
	bool done, ok;

	if (j == NULL)
		return false;
	pthread_mutex_lock(&j->lock);
	done = j->done;
	if (!done && clock_now() - r->started > RELOAD_TIMEOUT_S)
		j->abandoned = true;
	pthread_mutex_unlock(&j->lock);
	if (!done && !j->abandoned)
		return false;
	ok = done && j->refusal[0] == '\0' && j->errs != NULL && j->errs->count == 0 &&
	     j->errs->dropped == 0 && listen_all(j);
	if (!done)
		say_too_long(j, t);
	else if (ok)
		commit(j, t);
	else
		abort_reload(j, t);
	reloadfacts_note(ok);
	job_release(j);
	r->job = NULL;
	r->done++;
	if (r->again) {
		r->again = false;
		log_notice("SIGHUP came during the reload: reloading again");
		start_job(r, t, main_thread);
	}
	return true;
}

bool reload_wait_jobs(double seconds)
{
	double until = clock_now() + seconds;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	while (atomic_load(&jobs_alive) > 0) {
		if (clock_now() >= until)
			return false;
		if (nanosleep(&pause, NULL) < 0 && errno != EINTR)
			return false;
	}
	return true;
}

void reload_cancel(struct reload *r)
{
	if (r->job == NULL)
		return;
	pthread_mutex_lock(&r->job->lock);
	r->job->abandoned = true;
	pthread_mutex_unlock(&r->job->lock);
	job_release(r->job);
	r->job = NULL;
}
