/* sd.c: service-manager notification and socket activation (see sd.h).
 *
 * It must not wait on the service manager (its datagrams go with
 * MSG_DONTWAIT), nor link libsystemd. */
#include "sd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

int sd_notifier_open(struct sd_notifier *n, char *err, size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	n->fd = -1;
	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof n->addr.sun_path) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%.100s is not a socket path", path);
		return -1;
	}
	memset(&n->addr, 0, sizeof n->addr);
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';     /* the abstract namespace */
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		snprintf(err, errlen, "cannot make a socket for NOTIFY_SOCKET: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int sd_notify(struct sd_notifier *n, const char *state)
{
	if (n->fd < 0)
		return 0;
	/* never wait on a service manager that does not read */
	if (sendto(n->fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
		   (const struct sockaddr *)&n->addr, n->addrlen) < 0)
		return -1;
	return 0;
}

int sd_notifier_close(struct sd_notifier *n)
{
	int rc = 0;

	if (n->fd >= 0)
		rc = close(n->fd);
	n->fd = -1;
	return rc;
}

long long sd_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long long v;
	char *end;

	/* microseconds, up to a day: more than a 32-bit long holds */
	if (usec == NULL || !isdigit((unsigned char)usec[0]))
		return 0;
	errno = 0;
	v = strtoll(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 86400LL * 1000000LL)
		return 0;
	if (pid != NULL) {
		long p;

		if (parse_long(pid, 1, 0x7fffffffL, &p) < 0 || p != (long)getpid())
			return 0;
	}
	return v;
}

/* The i-th of the colon-separated names, cut to fit; "" past the last. */
static void nth_name(const char *names, long i, char *out, size_t size)
{
	size_t len;

	out[0] = '\0';
	if (names == NULL)
		return;
	for (; i > 0; i--) {
		names = strchr(names, ':');
		if (names == NULL)
			return;
		names++;
	}
	len = strcspn(names, ":");
	if (len >= size)
		len = size - 1;
	memcpy(out, names, len);
	out[len] = '\0';
}

int sd_listen_fds(struct sd_fd *fds, size_t max, char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *count = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	long p, c;
	int rc = 0;

	if (pid == NULL || count == NULL)
		return 0;
	if (parse_long(pid, 1, 0x7fffffffL, &p) < 0) {
		snprintf(err, errlen, "LISTEN_PID=%.40s is not a process id", pid);
		rc = -1;
	} else if (p != (long)getpid()) {
		rc = 0;                         /* meant for another process */
	} else if (parse_long(count, 0, (long)max, &c) < 0) {
		snprintf(err, errlen, "LISTEN_FDS=%.40s is not a count from 0 to %zu", count, max);
		rc = -1;
	} else {
		for (long i = 0; i < c; i++) {
			int fd = SD_LISTEN_FDS_START + (int)i;
			int flags = fcntl(fd, F_GETFD);

			if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
				snprintf(err, errlen, "activated descriptor %d: %s", fd,
					 strerror(errno));
				rc = -1;
				break;
			}
			fds[i].fd = fd;
			nth_name(names, i, fds[i].name, sizeof fds[i].name);
		}
		if (rc == 0)
			rc = (int)c;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}
