/* logsend.c: how a log line travels: the bounded queue, the writer thread,
 * the syslog client (RFC 3164 lines on a unix datagram socket, never
 * blocking) and the copy on stderr (see log.h and logsend.h).
 *
 * It takes lines already formatted and escaped by logline.c and must not
 * decide what is logged (levels, rate limits, wording), nor wait on syslog
 * or on the queue without a bound. */
#include "logsend.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "logfmt.h"

/* bytes of a line on stderr: a JSON object repeats the line's fields and
 * escapes its quotes */
#define LOG_STDERR_MAX (4 * LOG_LINE_MAX + 256)

struct line {
	int level;
	struct timespec at;             /* when it was logged */
	bool on_stderr;                 /* already copied to stderr */
	size_t len;
	char text[LOG_LINE_MAX];
};

/* The connection to the syslog daemon: used by one thread at a time (the
 * caller before log_start(), the writer, the caller after log_stop()). */
struct syslog_conn {
	int fd;                         /* -1: not connected */
	double retry_at;                /* when to look for the socket again */
	bool missing;                   /* said that it cannot be reached */
	bool stalled;                   /* it did not read: no more waiting */
};

/* The transport is process-wide, as syslog is. */
static struct {
	pthread_mutex_t lock;           /* the fields below that are not atomic */
	pthread_cond_t more;            /* queue not empty, or stopping */
	char ident[32];
	int stderr_level;
	bool stamp;                     /* stderr is a terminal: a time stamp a line */
	bool threaded, stopping;
	char early[LOG_STDERR_MAX];     /* stderr's line without a writer */
	pthread_t writer;
	struct line queue[LOG_QUEUE_LEN];       /* a ring */
	size_t head, count;
	struct syslog_conn sys;
	atomic_int facility;
	atomic_bool json;               /* [log] format = json on stderr */
	atomic_ulong dropped;           /* lost to a full queue */
	atomic_ulong syslog_lost;       /* not taken by a syslog that did not read */
	atomic_bool syslog_stalled;
} S = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.ident = "netechod",
	.stderr_level = LOG_DEBUG,
	.sys = { .fd = -1 },
	.facility = LOG_DAEMON,
};

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void log_init(const char *ident, int stderr_level)
{
	pthread_mutex_lock(&S.lock);
	snprintf(S.ident, sizeof S.ident, "%s", ident);
	S.stderr_level = stderr_level;
	/* a terminal's reader has no other clock; the journal, a container
	 * runtime or a supervisor reading a pipe stamps lines itself */
	S.stamp = isatty(STDERR_FILENO) == 1;
	pthread_mutex_unlock(&S.lock);
}

void logsend_facility(int facility)
{
	atomic_store(&S.facility, facility);
}

void log_set_format(bool json)
{
	atomic_store(&S.json, json);
}

unsigned long logsend_take_dropped(void)
{
	return atomic_exchange_explicit(&S.dropped, 0, memory_order_relaxed);
}

unsigned long logsend_take_lost(void)
{
	if (atomic_load(&S.syslog_stalled))
		return 0;
	return atomic_exchange_explicit(&S.syslog_lost, 0, memory_order_relaxed);
}

/* The line as stderr shows it, in buf (size bytes), ending in a line
 * break: JSON, or the text after a time stamp (on a terminal), the ident
 * and the level (warning and worse). */
static size_t render(char *buf, size_t size, const char *ident, bool stamp, int level,
		     const struct timespec *at, const char *text, size_t len)
{
	char ts[LOGFMT_STAMP_MAX] = "";
	bool json = atomic_load_explicit(&S.json, memory_order_relaxed);
	const char *name = level_names[level & 7];
	struct tm tm;
	size_t k;
	int n;

	if ((stamp || json) && localtime_r(&at->tv_sec, &tm) != NULL)
		logfmt_stamp(ts, sizeof ts, &tm, at->tv_nsec / 1000000);
	if (json) {
		k = logfmt_json(buf, size - 1, ts, name, text, len);
		buf[k++] = '\n';
		return k;
	}
	n = snprintf(buf, size, "%s%s%s: %s%s%.*s\n", ts, ts[0] != '\0' ? " " : "", ident,
		     level <= LOG_WARNING ? name : "", level <= LOG_WARNING ? ": " : "", (int)len,
		     text);
	if (n < 0)
		return 0;
	if ((size_t)n < size)
		return (size_t)n;
	buf[size - 2] = '\n';
	return size - 1;
}

/* One write a line, so lines never interleave; a failed write to stderr
 * has nowhere to be reported. buf is the caller's (LOG_STDERR_MAX bytes). */
static void to_stderr(char *buf, const char *ident, bool stamp, int level,
		      const struct timespec *at, const char *text, size_t len)
{
	size_t n = render(buf, LOG_STDERR_MAX, ident, stamp, level, at, text, len);

	if (n > 0 && write(STDERR_FILENO, buf, n) < 0)
		(void)0;
}

/* A line of log_stop()'s own, on stderr now (the writer is gone or
 * stuck): in main's thread, which has the stack for it. */
static void stop_line(int level, const char *text)
{
	char buf[LOG_STDERR_MAX], ident[sizeof S.ident];
	struct timespec now;
	bool stamp;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		now = (struct timespec){ 0 };
	pthread_mutex_lock(&S.lock);
	memcpy(ident, S.ident, sizeof ident);
	stamp = S.stamp;
	pthread_mutex_unlock(&S.lock);
	to_stderr(buf, ident, stamp, level, &now, text, strlen(text));
}

static bool syslog_connect(struct syslog_conn *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	double now = clock_now();
	int fd;

	if (s->fd >= 0)
		return true;
	if (now < s->retry_at)
		return false;
	s->retry_at = now + LOG_SYSLOG_RETRY_S;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", LOG_SYSLOG_PATH);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		close(fd);
		return false;
	}
	s->fd = fd;
	return true;
}

static void syslog_disconnect(struct syslog_conn *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Sends one line to syslog, as syslog(3) would format it, without
 * blocking: a socket that is full is waited for up to wait_ms, unless the
 * syslog daemon was already found not to read. Returns 0, or -1 when the
 * line is lost. */
static int syslog_send(struct syslog_conn *s, const char *ident, int level, const char *text,
		       size_t len, int wait_ms)
{
	char buf[LOG_LINE_MAX + 128], stamp[32];
	struct tm tm;
	time_t t = time(NULL);
	int n;

	if (localtime_r(&t, &tm) == NULL || strftime(stamp, sizeof stamp, "%b %e %T", &tm) == 0)
		snprintf(stamp, sizeof stamp, "Jan  1 00:00:00");
	n = snprintf(buf, sizeof buf, "<%d>%s %s[%ld]: %.*s", atomic_load(&S.facility) | level,
		     stamp, ident, (long)getpid(), (int)len, text);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!syslog_connect(s))
			return -1;
		if (send(s->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
			s->stalled = false;
			return 0;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			if (s->stalled || wait_ms <= 0 || attempt > 0 ||
			    poll(&p, 1, wait_ms) <= 0) {
				s->stalled = true;
				return -1;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		/* the syslog daemon went away or was restarted: connect anew */
		syslog_disconnect(s);
		s->retry_at = 0;
		if (attempt > 0)
			return -1;
	}
	return -1;
}

/* Delivers a line to syslog, keeping count of what is lost and saying,
 * once each way, when syslog stops and starts taking lines. Called by the
 * one thread that owns S.sys at the time; never with S.lock held. */
static void deliver(const char *ident, int level, const char *text, size_t len, int wait_ms)
{
	struct syslog_conn *s = &S.sys;
	bool was_missing = s->missing, was_stalled = s->stalled;

	if (syslog_send(s, ident, level, text, len, wait_ms) == 0) {
		s->missing = false;
		if (was_missing || was_stalled) {
			atomic_store(&S.syslog_stalled, false);
			log_notice("log: syslog takes lines again");
		}
		return;
	}
	atomic_fetch_add_explicit(&S.syslog_lost, 1, memory_order_relaxed);
	if (s->fd < 0 && !s->missing) {
		s->missing = true;
		atomic_store(&S.syslog_stalled, true);
		log_warnx(
			"log: cannot reach syslog at %s; lines are counted as lost until it can be",
			LOG_SYSLOG_PATH);
	} else if (s->stalled && !was_stalled) {
		atomic_store(&S.syslog_stalled, true);
		log_warnx("log: syslog is not reading; lines are counted as lost until it does");
	}
}

static void *writer_main(void *arg)
{
	static struct line out;         /* the writer's own: one writer thread */
	static char buf[LOG_STDERR_MAX];
	char ident[sizeof S.ident];

	(void)arg;
	pthread_setname_np(pthread_self(), "log-writer");
	pthread_mutex_lock(&S.lock);
	for (;;) {
		int stderr_level;
		bool stamp;

		while (S.count == 0 && !S.stopping)
			pthread_cond_wait(&S.more, &S.lock);
		if (S.count == 0)
			break;          /* stopping, and everything is written */
		out.level = S.queue[S.head].level;
		out.at = S.queue[S.head].at;
		out.on_stderr = S.queue[S.head].on_stderr;
		out.len = S.queue[S.head].len;
		memcpy(out.text, S.queue[S.head].text, out.len);
		S.head = (S.head + 1) % LOG_QUEUE_LEN;
		S.count--;
		stderr_level = S.stderr_level;
		stamp = S.stamp;
		memcpy(ident, S.ident, sizeof ident);
		pthread_mutex_unlock(&S.lock);
		if (!out.on_stderr && out.level <= stderr_level)
			to_stderr(buf, ident, stamp, out.level, &out.at, out.text, out.len);
		deliver(ident, out.level, out.text, out.len, LOG_SYSLOG_WAIT_MS);
		pthread_mutex_lock(&S.lock);
	}
	pthread_mutex_unlock(&S.lock);
	return NULL;
}

int log_start(void)
{
	int rc;

	pthread_mutex_lock(&S.lock);
	if (S.threaded) {
		pthread_mutex_unlock(&S.lock);
		return 0;
	}
	S.stopping = false;
	rc = pthread_create(&S.writer, NULL, writer_main, NULL);
	if (rc == 0)
		S.threaded = true;
	pthread_mutex_unlock(&S.lock);
	return rc;
}

/* Without a writer: sends what is queued now, without waiting. */
static void flush_queue(void)
{
	static struct line out;         /* one thread flushes: the stopping one */
	char ident[sizeof S.ident];

	pthread_mutex_lock(&S.lock);
	while (S.count > 0) {
		out = S.queue[S.head];
		memcpy(ident, S.ident, sizeof ident);
		S.head = (S.head + 1) % LOG_QUEUE_LEN;
		S.count--;
		pthread_mutex_unlock(&S.lock);
		deliver(ident, out.level, out.text, out.len, 0);
		pthread_mutex_lock(&S.lock);
	}
	pthread_mutex_unlock(&S.lock);
}

void log_stop(void)
{
	struct timespec deadline;
	unsigned long lost;
	int rc = 0;

	pthread_mutex_lock(&S.lock);
	if (S.threaded) {
		S.stopping = true;
		pthread_cond_signal(&S.more);
		pthread_mutex_unlock(&S.lock);
		/* pthread_timedjoin_np measures against CLOCK_REALTIME */
		if (clock_gettime(CLOCK_REALTIME, &deadline) < 0) {
			rc = pthread_join(S.writer, NULL);
		} else {
			deadline.tv_sec += LOG_STOP_WAIT;
			rc = pthread_timedjoin_np(S.writer, NULL, &deadline);
		}
		pthread_mutex_lock(&S.lock);
		if (rc != 0) {
			char msg[160];

			/* the writer is stuck writing stderr: leave it to the
			 * exit, and say so where it may still be read */
			snprintf(msg, sizeof msg, "the log writer is stuck; %zu lines not written",
				 S.count);
			pthread_mutex_unlock(&S.lock);
			stop_line(LOG_WARNING, msg);
			return;
		}
		S.threaded = false;
	}
	pthread_mutex_unlock(&S.lock);
	flush_queue();
	lost = atomic_exchange(&S.syslog_lost, 0);
	if (lost > 0) {
		char msg[160];

		snprintf(msg, sizeof msg, "%lu log lines could not be written to syslog", lost);
		stop_line(LOG_WARNING, msg);
	}
	syslog_disconnect(&S.sys);
}


void logsend_line(int level, const char *text, size_t len)
{
	struct timespec at;

	if (clock_gettime(CLOCK_REALTIME, &at) < 0)
		at = (struct timespec){ 0 };
	pthread_mutex_lock(&S.lock);
	/* without a writer, stderr gets the line now */
	if (!S.threaded && level <= S.stderr_level)
		to_stderr(S.early, S.ident, S.stamp, level, &at, text, len);
	if (S.count >= (level <= LOG_NOTICE ? LOG_QUEUE_LEN : LOG_QUEUE_LEN - LOG_QUEUE_URGENT)) {
		atomic_fetch_add_explicit(&S.dropped, 1, memory_order_relaxed);
	} else {
		struct line *slot = &S.queue[(S.head + S.count) % LOG_QUEUE_LEN];

		slot->level = level;
		slot->at = at;
		slot->len = len;
		memcpy(slot->text, text, len);
		slot->on_stderr = !S.threaded;
		S.count++;
		if (S.threaded)
			pthread_cond_signal(&S.more);
	}
	pthread_mutex_unlock(&S.lock);
}
