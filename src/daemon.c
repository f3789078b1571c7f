/* daemon.c: detaching, pid file, privileges (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

int daemon_detach(int *ready_fd, char *err, size_t errlen)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		unsigned char status;
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &status, 1);
		while (n < 0 && errno == EINTR);
		/* no byte: the child died before it could say */
		_exit(n == 1 ? status : EX_OSERR);
	}
	close(p[0]);
	*ready_fd = p[1];
	if (setsid() < 0) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int daemon_ready(int *ready_fd, int status, char *err, size_t errlen)
{
	unsigned char c = (unsigned char)status;
	int null, rc = 0;

	if (*ready_fd < 0)
		return 0;
	if (status == 0) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0) {
			snprintf(err, errlen, "cannot point the standard streams at /dev/null: %s", strerror(errno));
			rc = -1;
		}
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(*ready_fd, &c, 1) != 1 && rc == 0) {
		snprintf(err, errlen, "cannot report start-up to the parent: %s", strerror(errno));
		rc = -1;
	}
	if (close(*ready_fd) < 0 && rc == 0) {
		snprintf(err, errlen, "cannot close the pipe to the parent: %s", strerror(errno));
		rc = -1;
	}
	*ready_fd = -1;
	return rc;
}

int pidfile_open(const char *path, char *err, size_t errlen)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t r = errno == EWOULDBLOCK ? read(fd, buf, sizeof buf - 1) : -1;

		if (r > 0) {
			buf[r] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(err, errlen, "already running: pid file %s is locked by pid %s", path, buf);
		} else {
			snprintf(err, errlen, "cannot lock pid file %s: %s", path, strerror(errno));
		}
		close(fd);
		return -1;
	}
	return fd;      /* stays open: the lock is the proof we run */
}

int pidfile_write(int fd, const char *path, char *err, size_t errlen)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pidfile_remove(const char *path, char *err, size_t errlen)
{
	if (unlink(path) < 0) {
		snprintf(err, errlen, "cannot remove pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int privs_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "no such user '%s'%s%s", user, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL && group[0] != '\0') {
		errno = 0;
		gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errlen, "no such group '%s'%s%s", group, errno ? ": " : "",
				 errno ? strerror(errno) : "");
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int privs_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups(0, NULL) < 0) {
		snprintf(err, errlen, "cannot clear supplementary groups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) < 0) {
		snprintf(err, errlen, "cannot switch to group %ld: %s", (long)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "cannot switch to user %ld: %s", (long)uid, strerror(errno));
		return -1;
	}
	/* verify, the way a careful daemon does */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    getgroups(0, NULL) != 0) {
		snprintf(err, errlen, "the switch to %ld:%ld did not take", (long)uid, (long)gid);
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "root privileges could be regained after the switch");
		return -1;
	}
	return 0;
}
