/* daemon.c: detaching, pid file, privileges (see daemon.h).
 *
 * It must not log: a failure comes back as -1 with a message in the
 * caller's buffer. */
#include "daemon.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
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

#include "escape.h"

/* A file name (or a pid file's bytes) for a message: escaped, cut to fit. */
#define SHOWN_SIZE 160
static const char *shown(char *out, const char *s)
{
	return escape_name(out, SHOWN_SIZE, s);
}

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
			snprintf(err, errlen, "cannot point the standard streams at /dev/null: %s",
				 strerror(errno));
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
	char sp[SHOWN_SIZE], sb[SHOWN_SIZE];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open pid file %s: %s", shown(sp, path),
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t r = errno == EWOULDBLOCK ? read(fd, buf, sizeof buf - 1) : -1;

		if (r > 0) {
			buf[r] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(err, errlen, "already running: pid file %s is locked by pid %s",
				 shown(sp, path), shown(sb, buf));
		} else {
			snprintf(err, errlen, "cannot lock pid file %s: %s", shown(sp, path),
				 strerror(errno));
		}
		close(fd);
		return -1;
	}
	return fd;      /* stays open: the lock is the proof we run */
}

int pidfile_write(int fd, const char *path, char *err, size_t errlen)
{
	char buf[32];
	char sp[SHOWN_SIZE];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "cannot write pid file %s: %s", shown(sp, path),
			 strerror(errno));
		return -1;
	}
	return 0;
}

int pidfile_remove(int fd, const char *path, char *err, size_t errlen)
{
	char sp[SHOWN_SIZE];

	if (unlink(path) == 0)
		return 0;
	/* not ours to remove (after dropping privileges): emptied, so that
	 * it names no process */
	if ((errno == EACCES || errno == EPERM) && ftruncate(fd, 0) == 0) {
		snprintf(err, errlen, "cannot remove pid file %s: %s; emptied it", shown(sp, path),
			 strerror(EACCES));
		return -1;
	}
	snprintf(err, errlen, "cannot remove pid file %s: %s", shown(sp, path), strerror(errno));
	return -1;
}

int pidfile_dir_for(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char sd[SHOWN_SIZE];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL || slash == path || (size_t)(slash - path) >= sizeof dir)
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s for the pid file: %s", shown(sd, dir),
			 strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s (for the pid file) is not a directory", shown(sd, dir));
		return -1;
	}
	if (chown(dir, uid, gid) < 0) {
		snprintf(err, errlen, "cannot give %s to the user: %s", shown(sd, dir),
			 strerror(errno));
		return -1;
	}
	return 0;
}

bool pidfile_removable(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return access(".", W_OK | X_OK) == 0;
	if (slash == path)
		return access("/", W_OK | X_OK) == 0;
	if ((size_t)(slash - path) >= sizeof dir)
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return access(dir, W_OK | X_OK) == 0;
}

bool daemon_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || fstat(STDERR_FILENO, &st) < 0 || !isdigit((unsigned char)js[0]))
		return false;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != ':' || !isdigit((unsigned char)end[1]))
		return false;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return false;
	return dev == (unsigned long long)st.st_dev && ino == (unsigned long long)st.st_ino;
}

int privs_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
		 size_t errlen)
{
	/* the _r forms: a reload looks users up in a thread of its own */
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[16384];
	int rc;

	rc = getpwnam_r(user, &pw, buf, sizeof buf, &pwp);
	if (pwp == NULL) {
		snprintf(err, errlen, "no such user '%s'%s%s", user, rc ? ": " : "",
			 rc ? strerror(rc) : "");
		return -1;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	if (group != NULL && group[0] != '\0') {
		rc = getgrnam_r(group, &gr, buf, sizeof buf, &grp);
		if (grp == NULL) {
			snprintf(err, errlen, "no such group '%s'%s%s", group, rc ? ": " : "",
				 rc ? strerror(rc) : "");
			return -1;
		}
		*gid = gr.gr_gid;
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
