/* sd.h: the two service-manager protocols netechod speaks, implemented
 * here rather than by linking libsystemd into a network-facing daemon.
 * Both are small and documented (sd_notify(3), sd_listen_fds(3)) and both
 * are no-ops when their variables are absent.
 *
 * Readiness: datagrams such as "READY=1" or "STATUS=..." to the unix
 * socket named by $NOTIFY_SOCKET (a path, or '@' for the abstract
 * namespace); $WATCHDOG_USEC asks for "WATCHDOG=1" at least that often.
 *
 * Socket activation: $LISTEN_PID (ours) and $LISTEN_FDS (how many) say
 * that descriptors 3, 4 ... are sockets already bound for us.
 *
 * It must not wait on the service manager nor link libsystemd. */
#ifndef NETECHO_SD_H
#define NETECHO_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#define SD_LISTEN_FDS_START 3
#define SD_LISTEN_FDS_MAX   8192 /* activated descriptors taken, at most (many ports) */
#define SD_ERRLEN           256
#define SD_NAME_MAX         64  /* a longer FileDescriptorName= is cut */

/* One activated descriptor and its name ($LISTEN_FDNAMES: the socket
 * unit's FileDescriptorName=, else the unit's name; "" when none given). */
struct sd_fd {
	int fd;
	char name[SD_NAME_MAX];
};

struct sd_notifier {
	int fd;                         /* -1: no service manager to tell */
	struct sockaddr_un addr;
	socklen_t addrlen;
};

/* Reads $NOTIFY_SOCKET. Returns 0 (n->fd is -1 when there is none), or -1
 * with a message when it is malformed or the socket cannot be made. */
int sd_notifier_open(struct sd_notifier *n, char *err, size_t errlen);

/* Sends one state message ("READY=1", "STATUS=...", several separated by
 * newlines); never blocks. 0, or -1 with errno. No-op without a manager. */
int sd_notify(struct sd_notifier *n, const char *state);

/* Closes the socket: 0, or -1 with errno. */
int sd_notifier_close(struct sd_notifier *n);

/* The watchdog interval asked for, in microseconds; 0 when none (or when
 * $WATCHDOG_PID names another process). */
long long sd_watchdog_usec(void);

/* Takes the activated descriptors (marking them close-on-exec) with their
 * names into fds and clears $LISTEN_PID, $LISTEN_FDS and $LISTEN_FDNAMES.
 * Returns their number, 0 when there are none for us, -1 with a message
 * when the variables are malformed or there are more than max. Names
 * missing from $LISTEN_FDNAMES are "". */
int sd_listen_fds(struct sd_fd *fds, size_t max, char *err, size_t errlen);

#endif
