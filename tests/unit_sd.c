/* unit_sd: the service manager's variables as src/daemon/sd.c reads them:
 * LISTEN_PID and LISTEN_FDS (ours or another's, malformed, too many),
 * NOTIFY_SOCKET (a path, an abstract name, relative, too long) and
 * WATCHDOG_USEC / WATCHDOG_PID. No service manager is needed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "unit.h"

static int listen_fds(const char *pid, const char *count, struct sd_fd *fds, char *err)
{
	if (pid != NULL)
		setenv("LISTEN_PID", pid, 1);
	else
		unsetenv("LISTEN_PID");
	if (count != NULL)
		setenv("LISTEN_FDS", count, 1);
	else
		unsetenv("LISTEN_FDS");
	setenv("LISTEN_FDNAMES", "echo:report", 1);
	err[0] = '\0';
	return sd_listen_fds(fds, SD_LISTEN_FDS_MAX, err, SD_ERRLEN);
}

static void test_listen_fds(void)
{
	char me[32], err[SD_ERRLEN];
	struct sd_fd *fds = malloc(SD_LISTEN_FDS_MAX * sizeof *fds);

	CHECK(fds != NULL);
	snprintf(me, sizeof me, "%ld", (long)getpid());
	/* descriptors 3 and 4, as the manager would pass them */
	CHECK(dup2(STDIN_FILENO, 3) == 3 && dup2(STDIN_FILENO, 4) == 4);
	CHECK(fcntl(3, F_SETFD, 0) == 0);
	CHECK(listen_fds(me, "2", fds, err) == 2 && fds[0].fd == 3 && fds[1].fd == 4);
	CHECK_STR(fds[0].name, "echo");
	CHECK_STR(fds[1].name, "report");
	CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);  /* not passed on to children */
	/* the variables are taken: a child does not see them */
	CHECK(getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	      getenv("LISTEN_FDNAMES") == NULL);
	/* none, or none for us */
	CHECK(listen_fds(NULL, NULL, fds, err) == 0);
	CHECK(listen_fds("1", "2", fds, err) == 0);
	CHECK(listen_fds(me, "0", fds, err) == 0);
	/* malformed: an error, never a guess */
	CHECK(listen_fds("12x", "1", fds, err) == -1);
	CHECK_STR(err, "LISTEN_PID=12x is not a process id");
	CHECK(listen_fds("", "1", fds, err) == -1);
	CHECK(listen_fds("-5", "1", fds, err) == -1);
	CHECK(listen_fds(me, "two", fds, err) == -1);
	CHECK(strstr(err, "LISTEN_FDS=two is not a count from 0 to 8192") != NULL);
	CHECK(listen_fds(me, "8193", fds, err) == -1);
	CHECK(listen_fds(me, "-1", fds, err) == -1);
	/* names: fewer than descriptors, empty, too long, none at all */
	CHECK(fcntl(3, F_GETFD) >= 0);
	setenv("LISTEN_PID", me, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "report", 1);
	CHECK(sd_listen_fds(fds, SD_LISTEN_FDS_MAX, err, SD_ERRLEN) == 2);
	CHECK_STR(fds[0].name, "report");
	CHECK_STR(fds[1].name, "");
	setenv("LISTEN_PID", me, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", ":"
		"0123456789012345678901234567890123456789012345678901234567890123456789", 1);
	CHECK(sd_listen_fds(fds, SD_LISTEN_FDS_MAX, err, SD_ERRLEN) == 2);
	CHECK_STR(fds[0].name, "");
	CHECK_STR(fds[1].name, "012345678901234567890123456789012345678901234567890123456789012");
	setenv("LISTEN_PID", me, 1);
	setenv("LISTEN_FDS", "1", 1);
	CHECK(sd_listen_fds(fds, SD_LISTEN_FDS_MAX, err, SD_ERRLEN) == 1);
	CHECK_STR(fds[0].name, "");
	/* a count naming a descriptor that is not open */
	close(4);
	CHECK(listen_fds(me, "2", fds, err) == -1);
	CHECK_STR(err, "activated descriptor 4: Bad file descriptor");
	close(3);
	free(fds);
}

static void test_notify(void)
{
	struct sd_notifier n;
	char err[SD_ERRLEN], long_path[200];

	unsetenv("NOTIFY_SOCKET");
	CHECK(sd_notifier_open(&n, err, sizeof err) == 0 && n.fd == -1);
	CHECK(sd_notify(&n, "READY=1") == 0);           /* nobody to tell: fine */
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK(sd_notifier_open(&n, err, sizeof err) == 0 && n.fd == -1);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK(sd_notifier_open(&n, err, sizeof err) == -1);
	CHECK_STR(err, "NOTIFY_SOCKET=relative/path is not a socket path");
	memset(long_path, 'x', sizeof long_path - 1);
	long_path[0] = '/';
	long_path[sizeof long_path - 1] = '\0';
	setenv("NOTIFY_SOCKET", long_path, 1);
	CHECK(sd_notifier_open(&n, err, sizeof err) == -1);
	/* an abstract name: the leading @ becomes a NUL byte */
	setenv("NOTIFY_SOCKET", "@netecho-unit", 1);
	CHECK(sd_notifier_open(&n, err, sizeof err) == 0 && n.fd >= 0);
	CHECK(n.addr.sun_path[0] == '\0' && strcmp(n.addr.sun_path + 1, "netecho-unit") == 0);
	/* nobody listens there: said, never waited for */
	CHECK(sd_notify(&n, "READY=1") == -1);
	CHECK(sd_notifier_close(&n) == 0 && n.fd == -1);
	setenv("NOTIFY_SOCKET", "/run/netecho-unit/notify", 1);
	CHECK(sd_notifier_open(&n, err, sizeof err) == 0 && n.fd >= 0);
	CHECK_STR(n.addr.sun_path, "/run/netecho-unit/notify");
	CHECK(sd_notifier_close(&n) == 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog(void)
{
	char me[32];

	snprintf(me, sizeof me, "%ld", (long)getpid());
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	CHECK(sd_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	CHECK(sd_watchdog_usec() == 30000000);
	/* a day, in microseconds, more than a 32-bit long holds */
	setenv("WATCHDOG_USEC", "86400000000", 1);
	CHECK(sd_watchdog_usec() == 86400000000LL);
	setenv("WATCHDOG_USEC", "86400000001", 1);
	CHECK(sd_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "0", 1);
	CHECK(sd_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "5s", 1);
	CHECK(sd_watchdog_usec() == 0);
	setenv("WATCHDOG_USEC", "-1", 1);
	CHECK(sd_watchdog_usec() == 0);
	/* for another process: not ours */
	setenv("WATCHDOG_USEC", "1000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK(sd_watchdog_usec() == 0);
	setenv("WATCHDOG_PID", me, 1);
	CHECK(sd_watchdog_usec() == 1000);
	setenv("WATCHDOG_PID", "x", 1);
	CHECK(sd_watchdog_usec() == 0);
}

int main(void)
{
	test_listen_fds();
	test_notify();
	test_watchdog();
	return unit_done("unit_sd");
}
