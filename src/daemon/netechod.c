/* netechod: the netecho daemon. The one place that knows every part, read
 * as a story: the options, the start, serving signals, the stop.
 *
 * The parts: config (the file), reload (reading it again, as a plan
 * committed or aborted whole), net (sockets), daemon (detaching, pid
 * file, privileges), log (syslog/stderr), tcp (the accept thread, a thread
 * per connection), udp (the receive thread), sd (the service manager).
 *
 * Threads: main (signals, once-a-second chores, the service manager), the
 * log writer, the TCP accept thread, one per TCP connection, the UDP
 * receive thread, and a reload's job while it runs. Every thread blocks
 * the signals main takes with sigtimedwait(), so no work happens in a
 * signal handler.
 *
 * Under a service manager (sd.h): READY=1 once every socket is bound (or
 * taken over) and the threads run; RELOADING=1 and READY=1 around a
 * reload; STOPPING=1; a STATUS= line kept current; WATCHDOG=1 only while
 * the accept and UDP threads keep going round their loops. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "escape.h"
#include "fds.h"
#include "log.h"
#include "net.h"
#include "outbuf.h"
#include "plan.h"
#include "reload.h"
#include "sd.h"
#include "shared.h"
#include "metrics.h"
#include "stats.h"
#include "tcp.h"
#include "udp.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_CONFIG  SYSCONFDIR "/netechod.conf"
#define DEFAULT_PIDFILE RUNSTATEDIR "/netechod.pid"
/* with [server] user: a directory the user owns, so that it can remove
 * the pid file at exit */
#define DEFAULT_USER_PIDFILE RUNSTATEDIR "/netechod/netechod.pid"
#define STOP_POLL_S     0.2     /* how often a shutdown looks for a second signal */

struct options {
	const char *config;
	const char *pidfile;            /* NULL: none (foreground) or a default */
	bool foreground;
	bool test;
	/* absolute forms: the daemon works from / and reloads later */
	char config_abs[PATH_MAX];
	char pidfile_abs[PATH_MAX];
};

/* Everything the daemon runs, handed down from main. */
struct daemon {
	struct options opt;
	struct config *cfg;             /* in force */
	struct stats *stats;            /* static: stragglers may count after main */
	struct tcp_server *tcp;
	struct udp_server *udp;
	struct reload reload;
	pthread_t main_thread;
	double started;
	int ready_fd;                   /* detaching: pipe to the waiting parent */
	int pidfile_fd;
	const char *pidfile;
	struct sd_notifier notify;      /* the service manager, if any */
	struct sd_fd *activated;        /* SD_LISTEN_FDS_MAX of them */
	int nactivated;                 /* sockets the service manager passed, not yet taken */
	bool socket_activated;          /* ... and taken: it owns the addresses */
	bool stderr_journal;            /* stderr is the journal: no copy there */
	long long watchdog_usec;        /* 0: no watchdog asked for */
	unsigned long tcp_beats, udp_beats;
	bool watchdog_warned;
	char status[256];               /* the STATUS= last sent */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netechod [-ft] [-c FILE] [-P FILE]\n"
		"       netechod -h | -V\n"
		"\n"
		"  -c, --config FILE    configuration file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground     stay in the foreground and copy log lines to stderr\n"
		"  -P, --pidfile FILE   write the process id to FILE (default " DEFAULT_PIDFILE "\n"
		"                       when detaching; " DEFAULT_USER_PIDFILE
		" with [server] user)\n"
		"  -t, --test           check the configuration file, print FILE: ok, and exit\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Signals: TERM or INT stop gracefully, HUP reloads the configuration,\n"
		"USR1 logs a stats line.\n"
		"Exit status: 0 success, 64 usage, 69 cannot bind, 71 system error,\n"
		"73 pid file, 78 configuration.\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opt->config = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:fP:thV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'P':
			opt->pidfile = optarg;
			break;
		case 't':
			opt->test = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("netechod %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "netechod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* path made absolute against the current directory (it need not exist). */
static const char *absolute(const char *path, char *buf, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (path == NULL || path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof cwd) == NULL)
		return path;    /* then relative it stays; the error shows it */
	n = snprintf(buf, size, "%s/%s", cwd, path);
	return n > 0 && (size_t)n < size ? buf : path;
}

/* Loads the file into a new configuration and checks what the file alone
 * cannot tell (that the user exists, that two services ask for one
 * address and port: reload_check_clashes()); prints every problem on stderr.
 * NULL on failure. (A reload does the same in reload.c, logging.) */
static struct config *load_config(const char *path, bool activated)
{
	struct config_errors *errs = malloc(sizeof *errs);
	struct config *cfg = shared_new();
	char name[PATH_MAX], err[DAEMON_ERRLEN], clash[NET_ERRLEN];
	uid_t uid;
	gid_t gid;

	if (errs == NULL || cfg == NULL) {
		fprintf(stderr, "netechod: out of memory\n");
		goto fail;
	}
	if (config_load(path, cfg, errs) < 0) {
		for (unsigned i = 0; i < errs->count; i++)
			fprintf(stderr, "%s\n", errs->msg[i]);
		if (errs->dropped > 0)
			fprintf(stderr, "%s: %u more problems\n",
				escape_name(name, sizeof name, path), errs->dropped);
		goto fail;
	}
	if (cfg->server.user[0] != '\0' &&
	    privs_lookup(cfg->server.user, cfg->server.group, &uid, &gid, err, sizeof err) < 0) {
		fprintf(stderr, "%s: [server] %s\n", escape_name(name, sizeof name, path), err);
		goto fail;
	}
	/* what start and a reload would refuse, -t refuses with the same words
	 * (the service manager's sockets aside: host and port are not used) */
	if (!activated && reload_check_clashes(cfg, clash, sizeof clash) < 0) {
		fprintf(stderr, "%s: %s\n", escape_name(name, sizeof name, path), clash);
		goto fail;
	}
	free(errs);
	return cfg;
fail:
	free(errs);
	shared_unref(cfg);
	return NULL;
}

/* The signals main takes with sigtimedwait(). */
static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, reload_signal());
}

/* Blocks, in this thread and all it creates, the signals main handles and
 * the one that wakes connection threads (which unblock it); ignores
 * SIGPIPE. Other signals keep their default action. */
static int block_signals(void)
{
	sigset_t set;
	struct sigaction ign = { .sa_handler = SIG_IGN };

	handled_signals(&set);
	sigaddset(&set, tcp_wake_signal());
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -1;
	return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* Switches to [server] user, or says why not. */
static int drop_privileges(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	char err[DAEMON_ERRLEN];
	uid_t uid;
	gid_t gid;

	if (cfg->server.user[0] == '\0') {
		if (geteuid() == 0)
			log_warnx("running as root: set [server] user to drop privileges");
		return 0;
	}
	if (privs_lookup(cfg->server.user, cfg->server.group, &uid, &gid, err, sizeof err) < 0) {
		log_errx("[server] user: %s", err);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() != uid)
			log_warnx("[server] user %s ignored: not started as root",
				  cfg->server.user);
		return 0;
	}
	if (privs_drop(uid, gid, err, sizeof err) < 0) {
		log_errx("cannot drop privileges: %s", err);
		return -1;
	}
	log_notice("running as user %s (uid %ld, gid %ld), no supplementary groups",
		   cfg->server.user, (long)uid, (long)gid);
	if (d->pidfile != NULL && !pidfile_removable(d->pidfile))
		log_warnx(
			"pid file %s: user %s cannot remove it at exit (its directory is not writable by that user); it will be emptied instead",
			escape_name((char[PATH_MAX]){0}, PATH_MAX, d->pidfile), cfg->server.user);
	return 0;
}

/* The pid file, and with [server] user started as root, its directory
 * given to that user. */
static int open_pidfile(struct daemon *d)
{
	char err[DAEMON_ERRLEN];
	uid_t uid;
	gid_t gid;

	d->pidfile = d->opt.pidfile;
	if (d->pidfile == NULL && !d->opt.foreground) {
		d->pidfile =
			d->cfg->server.user[0] != '\0' ? DEFAULT_USER_PIDFILE : DEFAULT_PIDFILE;
		if (d->cfg->server.user[0] != '\0' && geteuid() == 0 &&
		    (privs_lookup(d->cfg->server.user, d->cfg->server.group, &uid, &gid, err,
				  sizeof err) < 0 ||
		     pidfile_dir_for(d->pidfile, uid, gid, err, sizeof err) < 0)) {
			log_errx("%s", err);
			return -1;
		}
	}
	if (d->pidfile == NULL)
		return 0;
	d->pidfile_fd = pidfile_open(d->pidfile, err, sizeof err);
	if (d->pidfile_fd < 0) {
		log_errx("%s", err);
		return -1;
	}
	return 0;
}

/* Tells the service manager something; a failure is logged once. */
static void notify(struct daemon *d, const char *state)
{
	static bool warned;

	if (sd_notify(&d->notify, state) < 0 && !warned) {
		warned = true;
		log_warn("cannot notify the service manager");
	}
}

/* READY=1; the STATUS= line is sent again after it. */
static void notify_ready(struct daemon *d)
{
	d->status[0] = '\0';
	notify(d, "READY=1");
}

/* Takes the sockets the service manager bound: listening TCP sockets and
 * UDP sockets, told apart by their type, and the report service's by
 * their name ("report", FileDescriptorName= in the socket unit; any other
 * name is the echo's). They take precedence over the configured hosts and
 * ports. Arrays for tcp_offer() and udp_offer(). */
static int take_activated(struct daemon *d, struct sock **tcp, size_t *ntcp, struct sock **udp,
			  size_t *nudp)
{
	int n = d->nactivated;

	if (plan_take_activated(d->cfg, d->activated, n, tcp, ntcp, udp, nudp) < 0)
		return -1;
	d->nactivated = 0;
	d->socket_activated = true;
	if (*ntcp + *nudp == 0) {
		log_errx("socket activation: none of the %d sockets passed can be used", n);
		return -1;
	}
	log_notice(
		"socket activation: %zu tcp and %zu udp sockets from the service manager; host and port in %s are not used",
		*ntcp, *nudp, escape_name((char[PATH_MAX]){0}, PATH_MAX, d->opt.config));
	return 0;
}

/* The TCP and UDP servers, which own the sockets from here on, whatever
 * happens; their threads start later (after detaching: a fork keeps no
 * thread). */
static int make_services(struct daemon *d, struct sock *tcp, size_t ntcp, struct sock *udp,
			 size_t nudp)
{
	/* counts per port, for the stats line of many ports; without memory
	 * for them, none */
	d->stats->tcp_port = calloc(STATS_PORTS, sizeof *d->stats->tcp_port);
	d->stats->udp_port = calloc(STATS_PORTS, sizeof *d->stats->udp_port);
	d->tcp = tcp_new(d->stats, d->cfg);
	d->udp = d->tcp != NULL ? udp_new(d->stats, d->cfg) : NULL;
	if (d->tcp == NULL || d->udp == NULL) {
		log_err("cannot set up the services");
		for (size_t i = 0; i < ntcp + nudp; i++)
			close(i < ntcp ? tcp[i].fd : udp[i - ntcp].fd);
		free(tcp);
		free(udp);
		return -1;
	}
	tcp_offer(d->tcp, tcp, ntcp);
	udp_offer(d->udp, udp, nudp);
	return 0;
}

/* The sockets (the service manager's, or bound now) and the servers:
 * 0, or an exit status. */
static int open_services(struct daemon *d, size_t *ntcp, size_t *nudp)
{
	struct sock *tcp = NULL, *udp = NULL;
	int rc;

	reload_fit_fd_limit(d->cfg);
	if (d->nactivated > 0) {
		if (take_activated(d, &tcp, ntcp, &udp, nudp) < 0) {
			free(tcp);
			free(udp);
			return EX_UNAVAILABLE;
		}
	} else if ((rc = reload_open_initial(d->cfg, &tcp, ntcp, &udp, nudp)) != 0)
		return rc;
	return make_services(d, tcp, *ntcp, udp, *nudp) < 0 ? EX_OSERR : 0;
}

/* The serving threads. */
static int start_services(struct daemon *d)
{
	int rc;

	if (d->watchdog_usec > 0) {
		/* before the threads start: a thread that went to sleep without
		 * it would not beat until traffic came */
		int ms = d->watchdog_usec / 4000 > 0 ? (int)(d->watchdog_usec / 4000) : 1;

		tcp_heartbeat_every(d->tcp, ms);
		udp_heartbeat_every(d->udp, ms);
		log_info("watchdog: every %lld ms; the serving threads beat every %d ms",
			 d->watchdog_usec / 1000, ms);
	}
	if ((rc = tcp_start(d->tcp)) != 0) {
		log_errx("cannot start the TCP accept thread: %s", strerror(rc));
		return -1;
	}
	if ((rc = udp_start(d->udp)) != 0) {
		log_errx("cannot start the UDP receive thread: %s", strerror(rc));
		return -1;
	}
	return 0;
}

/* Everything up to serving: the pid file, the sockets, detaching,
 * dropping privileges, the threads. Returns 0 or an exit status. */
static int start(struct daemon *d)
{
	char err[DAEMON_ERRLEN > SD_ERRLEN ? DAEMON_ERRLEN : SD_ERRLEN], name[PATH_MAX];
	size_t ntcp = 0, nudp = 0;
	int rc;

	d->main_thread = pthread_self();
	d->started = clock_now();
	log_configure(d->cfg->log.level, d->cfg->log.facility, d->cfg->log.rate_limit);
	if (block_signals() < 0) {
		log_err("cannot set up signals");
		return EX_OSERR;
	}
	log_notice("netechod %s starting, configuration %s", PACKAGE_VERSION,
		   escape_name(name, sizeof name, d->opt.config));
	if (d->stderr_journal)
		log_info("stderr is the journal: log lines go through syslog only");
	/* the pid file first: a second instance is told it is one */
	if (open_pidfile(d) < 0)
		return EX_CANTCREAT;
	if (sd_notifier_open(&d->notify, err, sizeof err) < 0)
		log_warnx("%s", err);
	d->watchdog_usec = sd_watchdog_usec();
	if ((rc = open_services(d, &ntcp, &nudp)) != 0)
		return rc;
	if (!d->opt.foreground && daemon_detach(&d->ready_fd, err, sizeof err) < 0) {
		log_errx("%s", err);
		return EX_OSERR;
	}
	if (d->pidfile_fd >= 0 && pidfile_write(d->pidfile_fd, d->pidfile, err, sizeof err) < 0) {
		log_errx("%s", err);
		return EX_CANTCREAT;
	}
	if (drop_privileges(d) < 0)
		return EX_OSERR;
	if ((rc = log_start()) != 0) {
		log_errx("cannot start the log thread: %s", strerror(rc));
		return EX_OSERR;
	}
	if (start_services(d) < 0)
		return EX_OSERR;
	log_notice("netechod %s started (tcp %s, udp %s)", PACKAGE_VERSION, ntcp > 0 ? "on" : "off",
		   nudp > 0 ? "on" : "off");
	if (daemon_ready(&d->ready_fd, 0, err, sizeof err) < 0)
		log_warnx("%s", err);
	if (!d->opt.foreground) {
		char msg[64];

		/* detached: the terminal is gone, and the main process is ours
		 * now, not our parent's */
		log_init("netechod", -1);
		snprintf(msg, sizeof msg, "MAINPID=%ld", (long)getpid());
		notify(d, msg);
	}
	notify_ready(d);
	return 0;
}

/* " tcp=7000:12,7001:3": the ports of one protocol that were reached, at
 * most STATS_PORTS_SHOWN, then how many more. */
#define STATS_PORTS_SHOWN 64
static void ports_reached(struct outbuf *o, const char *proto, stat_t *counts)
{
	size_t shown = 0, more = 0;

	if (counts == NULL)
		return;
	for (unsigned p = 0; p < STATS_PORTS; p++) {
		uint64_t n = stats_get(&counts[p]);

		if (n == 0)
			continue;
		if (shown == STATS_PORTS_SHOWN)
			more++;
		else if (shown++ == 0)
			outbuf_add(o, " %s=%u:%" PRIu64, proto, p, n);
		else
			outbuf_add(o, ",%u:%" PRIu64, p, n);
	}
	if (more > 0)
		outbuf_add(o, " (+%zu more)", more);
}

/* The stats line (SIGUSR1 and at exit); with more than one port of a
 * protocol, a line a protocol of how often each port was reached. */
static void log_stats(struct daemon *d)
{
	uint64_t active = 0, in = 0, out = 0;

	if (d->tcp != NULL)
		tcp_counters(d->tcp, &active, &in, &out);
	log_notice("stats uptime=%.0f tcp_active=%" PRIu64 " tcp_total=%" PRIu64
		   " tcp_refused=%" PRIu64 " tcp_denied=%" PRIu64 " tcp_bytes_in=%" PRIu64
		   " tcp_bytes_out=%" PRIu64 " udp_datagrams=%" PRIu64 " udp_bytes=%" PRIu64
		   " udp_denied=%" PRIu64 " udp_echo_held=%" PRIu64 " reports=%" PRIu64
		   " reports_held=%" PRIu64 " proxy_errors=%" PRIu64 " reloads=%lu errors=%" PRIu64,
		   clock_now() - d->started, active, stats_get(&d->stats->tcp_total),
		   stats_get(&d->stats->tcp_refused), stats_get(&d->stats->tcp_denied), in, out,
		   stats_get(&d->stats->udp_datagrams), stats_get(&d->stats->udp_bytes),
		   stats_get(&d->stats->udp_denied), stats_get(&d->stats->udp_echo_held),
		   stats_get(&d->stats->reports), stats_get(&d->stats->reports_held),
		   stats_get(&d->stats->proxy_errors), d->reload.done, stats_get(&d->stats->errors));
	/* a line a protocol: each fits a log line */
	if (d->cfg->tcp.port.n > 1 || d->cfg->udp.port.n > 1) {
		char line[(STATS_PORTS_SHOWN + 1) * 28];
		struct outbuf o;

		outbuf_start(&o, line, sizeof line);
		ports_reached(&o, "tcp", d->stats->tcp_port);
		log_notice("stats ports%s", line[0] != '\0' ? line : " tcp=none");
		outbuf_start(&o, line, sizeof line);
		ports_reached(&o, "udp", d->stats->udp_port);
		log_notice("stats ports%s", line[0] != '\0' ? line : " udp=none");
	}
}

/* Keeps the service manager's STATUS= line current. */
static void update_status(struct daemon *d)
{
	char status[sizeof d->status], msg[sizeof d->status + 8];
	uint64_t active = 0, in = 0, out = 0;

	if (d->notify.fd < 0)
		return;
	tcp_counters(d->tcp, &active, &in, &out);
	snprintf(status, sizeof status,
		 "%" PRIu64 " connections open, %" PRIu64 " served, %" PRIu64 " refused, %" PRIu64
		 " denied; %" PRIu64 " datagrams, %" PRIu64 " denied",
		 active, stats_get(&d->stats->tcp_total), stats_get(&d->stats->tcp_refused),
		 stats_get(&d->stats->tcp_denied), stats_get(&d->stats->udp_datagrams),
		 stats_get(&d->stats->udp_denied));
	if (strcmp(status, d->status) == 0)
		return;
	memcpy(d->status, status, sizeof status);
	snprintf(msg, sizeof msg, "STATUS=%s", status);
	notify(d, msg);
}

/* WATCHDOG=1, only when the threads that serve have gone round their
 * loops since the last time: a daemon stuck anywhere that matters is
 * restarted by the service manager. */
static void watchdog(struct daemon *d)
{
	bool tcp = tcp_alive(d->tcp, &d->tcp_beats), udp = udp_alive(d->udp, &d->udp_beats);

	if (tcp && udp) {
		notify(d, "WATCHDOG=1");
		d->watchdog_warned = false;
	} else if (!d->watchdog_warned) {
		d->watchdog_warned = true;
		log_errx(
			"watchdog: the %s thread has stopped going round; not telling the service manager all is well",
			tcp ? "UDP receive" : "TCP accept");
	}
}

/* RELOADING=1, with the monotonic clock as sd_notify(3) asks. */
static void notify_reloading(struct daemon *d)
{
	char msg[64];

	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(clock_now() * 1e6));
	notify(d, msg);
}

/* A reload's job has ended (or may have): committed or refused, READY=1. */
static void reload_check(struct daemon *d, const struct reload_target *t)
{
	if (!reload_poll(&d->reload, t, d->main_thread))
		return;
	notify_ready(d);
	update_status(d);
	if (d->reload.job != NULL)
		notify_reloading(d);    /* another one, for a SIGHUP that came meanwhile */
}

/* Takes signals until told to stop; returns the signal that stopped it.
 * The chores run by the clock, so that a storm of signals cannot starve
 * them. */
static int serve(struct daemon *d)
{
	struct reload_target t = {
		.cfg = &d->cfg, .tcp = d->tcp, .udp = d->udp, .activated = d->socket_activated,
		.path = d->opt.config_abs[0] != '\0' ? d->opt.config_abs : d->opt.config,
	};
	double wd = (double)d->watchdog_usec / 1e6 / 2;    /* ping twice per interval */
	double next_tick = clock_now() + 1, next_wd = clock_now() + wd;
	sigset_t set;

	handled_signals(&set);
	update_status(d);
	for (;;) {
		double now = clock_now(), until;
		struct timespec wait;
		int sig;

		if (now >= next_tick) {
			log_tick();
			tcp_tick(d->tcp);
			reload_check(d, &t);    /* one past its time is given up on */
			update_status(d);
			next_tick = now + 1;
		}
		if (wd > 0 && now >= next_wd) {
			watchdog(d);
			next_wd = now + wd;
		}
		until = (wd > 0 && next_wd < next_tick ? next_wd : next_tick) - now;
		wait = clock_timespec(until);
		sig = sigtimedwait(&set, NULL, &wait);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP && reload_request(&d->reload, &t, d->main_thread))
			notify_reloading(d);
		else if (sig == SIGUSR1)
			log_stats(d);
		else if (sig == reload_signal())
			reload_check(d, &t);
		/* else EAGAIN: time for a chore; EINTR */
	}
}

/* Stops UDP at once and TCP gracefully: connections get shutdown_timeout
 * seconds to end, or less if a second SIGTERM or SIGINT comes. */
static void stop_services(struct daemon *d)
{
	double left = (double)d->cfg->server.shutdown_timeout;
	unsigned long open;
	sigset_t set;

	if (d->udp != NULL)
		udp_stop(d->udp);
	if (d->tcp == NULL)
		return;
	tcp_stop_accepting(d->tcp);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	open = tcp_wait(d->tcp, 0);
	if (open > 0)
		log_notice("tcp: waiting up to %lds for %lu connections to end",
			   d->cfg->server.shutdown_timeout, open);
	while (open > 0 && left > 0) {
		struct timespec zero = { 0, 0 };
		int sig;

		open = tcp_wait(d->tcp, left < STOP_POLL_S ? left : STOP_POLL_S);
		left -= STOP_POLL_S;
		sig = sigtimedwait(&set, NULL, &zero);
		if (sig > 0) {
			log_notice("%s again: not waiting for connections any longer",
				   sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
	}
	tcp_close_all(d->tcp);
}

/* Everything after serving, or after a failed start (status not 0). A
 * parent waiting for a detached child's start hears of its failure only
 * now, when nothing is bound any more. */
static void stop(struct daemon *d, int status)
{
	char err[DAEMON_ERRLEN];

	reload_cancel(&d->reload);
	stop_services(d);
	metrics_stop();
	/* before "netechod stopped", the last word of a clean stop */
	if (!reload_wait_jobs(RELOAD_STOP_WAIT_S))
		log_info("a reload still reading or resolving is left to end on its own");
	if (status == 0) {
		log_stats(d);
		log_notice("netechod stopped");
	}
	log_tick();     /* what the rate limit or a full queue held back */
	udp_free(d->udp);
	/* connection threads that never ended keep the server, and count in
	 * the stats (static storage) until the process ends: their arrays too */
	if (tcp_free(d->tcp)) {
		free(d->stats->tcp_port);
		free(d->stats->udp_port);
		d->stats->tcp_port = d->stats->udp_port = NULL;
	}
	for (int i = 0; i < d->nactivated; i++)
		close(d->activated[i].fd);
	if (d->pidfile_fd >= 0) {
		if (pidfile_remove(d->pidfile_fd, d->pidfile, err, sizeof err) < 0)
			log_warnx("%s", err);
		close(d->pidfile_fd);
	}
	log_stop();
	daemon_ready(&d->ready_fd, status, err, sizeof err);
	if (sd_notifier_close(&d->notify) < 0)
		fprintf(stderr, "netechod: closing the notify socket: %s\n", strerror(errno));
	shared_unref(d->cfg);
}

/* The counters: static, not main's, so that a thread still running when
 * main returns (a connection thread that never ended) counts into memory
 * that outlives it. */
static struct stats counters;

int main(int argc, char **argv)
{
	struct daemon d = { .ready_fd = -1, .pidfile_fd = -1, .notify = { .fd = -1 },
			    .stats = &counters };
	char err[SD_ERRLEN];
	int status, sig;

	/* before anything opens a descriptor: 0-2 are ours to write, and
	 * nothing inherited stays open but the activated sockets */
	if (fds_ensure_std() < 0)
		return EX_OSERR;
	if (parse_options(argc, argv, &d.opt) < 0)
		return EX_USAGE;
	d.activated = malloc(SD_LISTEN_FDS_MAX * sizeof *d.activated);
	if (d.activated == NULL) {
		fprintf(stderr, "netechod: out of memory\n");
		return EX_OSERR;
	}
	d.nactivated = sd_listen_fds(d.activated, SD_LISTEN_FDS_MAX, err, sizeof err);
	if (fds_close_from(SD_LISTEN_FDS_START + (d.nactivated > 0 ? d.nactivated : 0)) < 0)
		fprintf(stderr, "netechod: cannot close inherited descriptors: %s\n",
			strerror(errno));
	absolute(d.opt.config, d.opt.config_abs, sizeof d.opt.config_abs);
	d.opt.pidfile = absolute(d.opt.pidfile, d.opt.pidfile_abs, sizeof d.opt.pidfile_abs);
	/* in the foreground every line goes to stderr too (unless stderr is
	 * the journal, which syslog reaches already); a daemon shows the
	 * terminal only its warnings and errors, until it detaches */
	d.stderr_journal = d.opt.foreground && daemon_stderr_is_journal();
	log_init("netechod", !d.opt.foreground ? LOG_WARNING : d.stderr_journal ? -1 : LOG_DEBUG);
	d.cfg = load_config(d.opt.config, d.nactivated > 0);
	if (d.cfg == NULL) {
		free(d.activated);
		return EX_CONFIG;
	}
	if (d.opt.test) {
		printf("%s: ok\n", d.opt.config);
		shared_unref(d.cfg);
		free(d.activated);
		return 0;
	}
	if (d.nactivated < 0) {
		fprintf(stderr, "netechod: socket activation: %s\n", err);
		shared_unref(d.cfg);
		free(d.activated);
		return EX_OSERR;
	}
	status = start(&d);
	if (status == 0) {
		sig = serve(&d);
		notify(&d, "STOPPING=1");
		log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
	stop(&d, status);
	free(d.activated);
	return status;
}
