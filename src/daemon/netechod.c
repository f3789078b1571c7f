/* netechod: the netecho daemon. The one place that knows every part, read
 * as a story: the options, the start, serving signals, the stop.
 *
 * The parts: cfgload (the file and -o, checked: config, override),
 * binding (the sockets of a configuration, at start and in a reload:
 * plan), reload (reading it again, as a plan committed or aborted whole),
 * daemon (detaching, pid file, privileges), log (syslog/stderr), tcp (the
 * accept thread, a thread per connection), udp (the receive thread), sd
 * (the service manager), statsline (the counters as text).
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
 * the accept and UDP threads keep going round their loops.
 *
 * It must not hold a part's work: each part is its own file; here only the
 * order of things and what a failure means (the exit status). */
#include <errno.h>
#include <getopt.h>
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

#include "binding.h"
#include "cfgload.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "escape.h"
#include "fds.h"
#include "log.h"
#include "net.h"
#include "override.h"
#include "reload.h"
#include "sd.h"
#include "servers.h"
#include "service.h"
#include "shared.h"
#include "stats.h"
#include "statsline.h"
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
	bool config_given;		/* -c: the file must exist, -o or not */
	struct overrides ov;		/* -o, for every load */
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
	struct cfgload_source src;	/* what every load reads */
	struct config *cfg;             /* in force */
	struct cfgload_user user;	/* [server] user, looked up once at start */
	struct stats *stats;            /* static: stragglers may count after main */
	struct servers srv;		/* the TCP and UDP servers */
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
	long long watchdog_usec;	/* 0: no watchdog asked for */
	bool watchdog_warned;
	char status[256];               /* the STATUS= last sent */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netechod [-ft] [-c FILE] [-o SECTION.KEY=VALUE]... [-P FILE]\n"
		"       netechod -h | -V\n"
		"\n"
		"  -c, --config FILE    configuration file (default " DEFAULT_CONFIG ")\n"
		"  -o, --option SECTION.KEY=VALUE\n"
		"                       a value over the file's (repeatable; kept for reloads);\n"
		"                       without -c and with no default file, over the defaults\n"
		"  -f, --foreground     stay in the foreground and copy log lines to stderr\n"
		"  -P, --pidfile FILE   write the process id to FILE (default " DEFAULT_PIDFILE "\n"
		"                       when detaching as root; " DEFAULT_USER_PIDFILE
		" with [server] user;\n"
		"                       $XDG_RUNTIME_DIR/netechod.pid when not root)\n"
		"  -t, --test           check the configuration, print the sockets it would bind\n"
		"                       and the values set, then FILE: ok, and exit\n"
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
		{"config", required_argument, NULL, 'c'}, {"option", required_argument, NULL, 'o'},
		{"foreground", no_argument, NULL, 'f'},	  {"pidfile", required_argument, NULL, 'P'},
		{"test", no_argument, NULL, 't'},	  {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},	  {NULL, 0, NULL, 0},
	};
	char err[256];
	int c;

	opt->config = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:o:fP:thV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config = optarg;
			opt->config_given = true;
			break;
		case 'o':
			if (override_add(&opt->ov, optarg, err, sizeof err) < 0) {
				fprintf(stderr, "netechod: %s\n", err);
				return -1;
			}
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

/* The configuration at start and for -t, or NULL with every problem on
 * stderr (a reload loads the same way, logging: reload.c). */
static struct config *load(struct daemon *d, config_origin_fn *origin, void *arg)
{
	struct config_errors *errs = malloc(sizeof *errs);
	struct config *cfg;

	if (errs == NULL) {
		fprintf(stderr, "netechod: out of memory\n");
		return NULL;
	}
	d->src = (struct cfgload_source){
		.path = d->opt.config_abs[0] != '\0' ? d->opt.config_abs : d->opt.config,
		.is_default = !d->opt.config_given,
		.ov = d->opt.ov.text,
		.nov = d->opt.ov.n,
		/* the service manager's sockets aside: host and port are not used */
		.check_clashes = d->nactivated <= 0,
	};
	cfg = cfgload(&d->src, &d->user, errs, origin, arg);
	if (cfg == NULL)
		cfgload_print(errs, &d->src, false);
	free(errs);
	return cfg;
}

/* -t: one line a value set to other than its default, and where. */
static void print_origin(void *arg, const char *section, const char *key, const char *value,
			 const char *where, unsigned line)
{
	char name[PATH_MAX];

	(void)arg;
	if (line > 0)
		printf("set %s.%s = %s (%s:%u)\n", section, key, value,
		       escape_name(name, sizeof name, where), line);
	else
		printf("set %s.%s = %s (-o)\n", section, key, value);
}

/* -t: the configuration checked, the sockets it would bind, the values
 * set; an exit status. */
static int run_test(struct daemon *d)
{
	char err[NET_ERRLEN], name[PATH_MAX];
	const char *file;

	d->cfg = load(d, print_origin, NULL);
	if (d->cfg == NULL)
		return EX_CONFIG;
	if (binding_print(d->cfg, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", escape_name(name, sizeof name, d->opt.config), err);
		shared_unref(d->cfg);
		return EX_CONFIG;
	}
	file = cfgload_file(&d->src);
	printf("%s: ok\n", file != NULL ? d->opt.config : "built-in defaults");
	shared_unref(d->cfg);
	return 0;
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
	uid_t uid = d->user.uid;
	gid_t gid = d->user.gid;

	if (!d->user.set) {
		if (geteuid() == 0)
			log_warnx("running as root: set [server] user to drop privileges");
		return 0;
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

/* The default pid file of a detached daemon: root's, the user's
 * directory with [server] user, or under $XDG_RUNTIME_DIR when not
 * started as root (the system's run directory is root's). */
static const char *default_pidfile(struct daemon *d)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() != 0 && xdg != NULL && xdg[0] == '/') {
		n = snprintf(d->opt.pidfile_abs, sizeof d->opt.pidfile_abs, "%s/netechod.pid", xdg);
		if (n > 0 && (size_t)n < sizeof d->opt.pidfile_abs)
			return d->opt.pidfile_abs;
	}
	return d->user.set ? DEFAULT_USER_PIDFILE : DEFAULT_PIDFILE;
}

/* The pid file, and with [server] user started as root, its directory
 * given to that user. */
static int open_pidfile(struct daemon *d)
{
	char err[DAEMON_ERRLEN];
	bool chosen = d->opt.pidfile == NULL && !d->opt.foreground;

	d->pidfile = chosen ? default_pidfile(d) : d->opt.pidfile;
	if (chosen && d->user.set && geteuid() == 0 &&
	    pidfile_dir_for(d->pidfile, d->user.uid, d->user.gid, err, sizeof err) < 0) {
		log_errx("%s", err);
		return -1;
	}
	if (d->pidfile == NULL)
		return 0;
	d->pidfile_fd = pidfile_open(d->pidfile, err, sizeof err);
	if (d->pidfile_fd < 0 && chosen && geteuid() != 0)
		log_errx(
			"%s (not started as root: give -P FILE in a directory of yours, set XDG_RUNTIME_DIR, or use -f)",
			err);
	else if (d->pidfile_fd < 0)
		log_errx("%s", err);
	return d->pidfile_fd < 0 ? -1 : 0;
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

/* The TCP and UDP servers, which own the sockets from here on, whatever
 * happens; their threads start later (after detaching: a fork keeps no
 * thread). */
static int make_services(struct daemon *d, const struct binding_socks *b)
{
	/* counts per port, for the stats line of many ports; without memory
	 * for them, none */
	d->stats->tcp_port = calloc(STATS_PORTS, sizeof *d->stats->tcp_port);
	d->stats->udp_port = calloc(STATS_PORTS, sizeof *d->stats->udp_port);
	if (servers_new(&d->srv, d->stats, d->cfg) < 0) {
		log_err("cannot set up the services");
		for (size_t i = 0; i < b->ntcp + b->nudp; i++)
			close(i < b->ntcp ? b->tcp[i].fd : b->udp[i - b->ntcp].fd);
		free(b->tcp);
		free(b->udp);
		return -1;
	}
	servers_offer(&d->srv, PLAN_TCP, b->tcp, b->ntcp);
	servers_offer(&d->srv, PLAN_UDP, b->udp, b->nudp);
	return 0;
}

/* The sockets (the service manager's, or bound now) and the servers:
 * 0, or an exit status. */
static int open_services(struct daemon *d, size_t *ntcp, size_t *nudp)
{
	struct binding_socks b;
	int rc = binding_open(d->cfg, d->opt.config, d->activated, d->nactivated, &b);

	if (d->nactivated > 0) {
		d->nactivated = 0; /* each one taken or closed */
		d->socket_activated = rc == 0;
	}
	if (rc != 0)
		return rc;
	*ntcp = b.ntcp;
	*nudp = b.nudp;
	return make_services(d, &b) < 0 ? EX_OSERR : 0;
}

/* The serving threads. */
static int start_services(struct daemon *d)
{
	const char *what;
	int rc;

	if (d->watchdog_usec > 0) {
		/* before the threads start: a thread that went to sleep without
		 * it would not beat until traffic came */
		int ms = d->watchdog_usec / 4000 > 0 ? (int)(d->watchdog_usec / 4000) : 1;

		servers_heartbeat_every(&d->srv, ms);
		log_info("watchdog: every %lld ms; the serving threads beat every %d ms",
			 d->watchdog_usec / 1000, ms);
	}
	if ((rc = servers_start(&d->srv, &what)) != 0) {
		log_errx("cannot start the %s thread: %s", what, strerror(rc));
		return -1;
	}
	return 0;
}

/* Everything up to serving: the pid file, the sockets, detaching,
 * dropping privileges, the threads. Returns 0 or an exit status. */
/* The first line: the version and where the configuration comes from. */
static void say_starting(const struct daemon *d)
{
	char name[PATH_MAX];

	if (cfgload_file(&d->src) != NULL)
		log_notice("netechod %s starting, configuration %s", PACKAGE_VERSION,
			   escape_name(name, sizeof name, d->opt.config));
	else
		log_notice("netechod %s starting, configuration built-in defaults and -o (no %s)",
			   PACKAGE_VERSION, escape_name(name, sizeof name, d->opt.config));
	if (d->stderr_journal)
		log_info("stderr is the journal: log lines go through syslog only");
}

/* Ready: the parent that waits for the start (detached) and the service
 * manager are told. */
static void announce_ready(struct daemon *d)
{
	char err[DAEMON_ERRLEN];

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
}

static int start(struct daemon *d)
{
	char err[DAEMON_ERRLEN > SD_ERRLEN ? DAEMON_ERRLEN : SD_ERRLEN];
	size_t ntcp = 0, nudp = 0;
	int rc;

	d->main_thread = pthread_self();
	d->started = clock_now();
	log_configure(d->cfg->log.level, d->cfg->log.facility, d->cfg->log.rate_limit);
	log_set_format(d->cfg->log.format == LOG_FORMAT_JSON);
	if (block_signals() < 0) {
		log_err("cannot set up signals");
		return EX_OSERR;
	}
	say_starting(d);
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
	announce_ready(d);
	return 0;
}

/* What the stats line and STATUS= show beside the counters. */
static struct statsline_extra stats_extra(struct daemon *d)
{
	struct statsline_extra x = {.uptime = clock_now() - d->started,
				    .reloads = d->reload.done,
				    .many_ports = d->cfg->tcp.port.n > 1 || d->cfg->udp.port.n > 1};

	if (d->srv.tcp != NULL) {
		struct tcp_counts by[SERVICE_LABELS], total;

		tcp_counters(d->srv.tcp, by, &total);
		x.tcp_active = total.active;
		x.tcp_in = total.in;
		x.tcp_out = total.out;
	}
	return x;
}

/* The stats line (SIGUSR1 and at exit). */
static void log_stats(struct daemon *d)
{
	struct statsline_extra x = stats_extra(d);

	statsline_log(d->stats, &x);
}

/* Keeps the service manager's STATUS= line current. */
static void update_status(struct daemon *d)
{
	char status[sizeof d->status], msg[sizeof d->status + 8];
	struct statsline_extra x;

	if (d->notify.fd < 0)
		return;
	x = stats_extra(d);
	statsline_status(d->stats, &x, status, sizeof status);
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
	const char *stalled = servers_stalled(&d->srv);

	if (stalled == NULL) {
		notify(d, "WATCHDOG=1");
		d->watchdog_warned = false;
	} else if (!d->watchdog_warned) {
		d->watchdog_warned = true;
		log_errx(
			"watchdog: the %s thread has stopped going round; not telling the service manager all is well",
			stalled);
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
		.cfg = &d->cfg,
		.servers = &d->srv,
		.activated = d->socket_activated,
		.src = &d->src,
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
			tcp_tick(d->srv.tcp);
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

	if (d->srv.udp != NULL)
		udp_stop(d->srv.udp);
	if (d->srv.tcp == NULL)
		return;
	tcp_stop_accepting(d->srv.tcp);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	open = tcp_wait(d->srv.tcp, 0);
	if (open > 0)
		log_notice("tcp: waiting up to %lds for %lu connections to end",
			   d->cfg->server.shutdown_timeout, open);
	while (open > 0 && left > 0) {
		struct timespec zero = { 0, 0 };
		int sig;

		open = tcp_wait(d->srv.tcp, left < STOP_POLL_S ? left : STOP_POLL_S);
		left -= STOP_POLL_S;
		sig = sigtimedwait(&set, NULL, &zero);
		if (sig > 0) {
			log_notice("%s again: not waiting for connections any longer",
				   sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
	}
	tcp_close_all(d->srv.tcp);
}

/* Everything after serving, or after a failed start (status not 0). A
 * parent waiting for a detached child's start hears of its failure only
 * now, when nothing is bound any more. */
static void stop(struct daemon *d, int status)
{
	char err[DAEMON_ERRLEN];

	reload_cancel(&d->reload);
	stop_services(d);
	services_stop(); /* what services run of their own */
	/* before "netechod stopped", the last word of a clean stop */
	if (!reload_wait_jobs(RELOAD_STOP_WAIT_S))
		log_info("a reload still reading or resolving is left to end on its own");
	if (status == 0) {
		log_stats(d);
		log_notice("netechod stopped");
	}
	log_tick(); /* what the rate limit or a full queue held back */
	/* connection threads that never ended keep the server, and count in
	 * the stats (static storage) until the process ends: their arrays too */
	if (servers_free(&d->srv)) {
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

/* Start, serve until told to stop, stop: an exit status. The file is
 * read before the descriptors inherited are closed, so that a file given
 * as one of them (-c <(...)) is read or refused for what it is. */
static int run(struct daemon *d, const char *sd_err)
{
	int status, sig;

	d->cfg = load(d, NULL, NULL);
	if (d->cfg == NULL)
		return EX_CONFIG;
	/* nothing inherited stays open but the activated sockets: glibc's
	 * closefrom(3) (close_range(2), or /proc/self/fd before Linux 5.9;
	 * it aborts rather than leave one open) */
	closefrom(SD_LISTEN_FDS_START + (d->nactivated > 0 ? d->nactivated : 0));
	/* in the foreground every line goes to stderr too (unless stderr is
	 * the journal, which syslog reaches already); a daemon shows the
	 * terminal only its warnings and errors, until it detaches */
	d->stderr_journal = d->opt.foreground && daemon_stderr_is_journal();
	log_init("netechod", !d->opt.foreground ? LOG_WARNING : d->stderr_journal ? -1 : LOG_DEBUG);
	if (d->nactivated < 0) {
		fprintf(stderr, "netechod: socket activation: %s\n", sd_err);
		shared_unref(d->cfg);
		return EX_OSERR;
	}
	status = start(d);
	if (status == 0) {
		sig = serve(d);
		notify(d, "STOPPING=1");
		log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
	stop(d, status);
	return status;
}

int main(int argc, char **argv)
{
	struct daemon d = { .ready_fd = -1, .pidfile_fd = -1, .notify = { .fd = -1 },
			    .stats = &counters };
	char err[SD_ERRLEN];
	int status;

	/* before anything opens a descriptor: 0-2 are ours to write */
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
	absolute(d.opt.config, d.opt.config_abs, sizeof d.opt.config_abs);
	d.opt.pidfile = absolute(d.opt.pidfile, d.opt.pidfile_abs, sizeof d.opt.pidfile_abs);
	status = d.opt.test ? run_test(&d) : run(&d, err);
	free(d.activated);
	return status;
}
