/* configlists.c: the access lists of a configuration built from its keys
 * and from the list files they name (allow_file, deny_file), and the
 * proxies that may send a PROXY header; the one place a configuration
 * file or a list file is opened (a regular file only, never waiting on a
 * FIFO). Part of the configuration module (configparse.h).
 *
 * It must not hold keys or their meaning (config.c's), nor log: every
 * problem goes to the parser's error list as FILE:LINE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "configparse.h"
#include "escape.h"

/* Opens a file of the configuration's for reading: a regular file only,
 * never waiting on a FIFO, of at most max bytes (0: no limit here). NULL
 * after saying why: at line, as "KEY: ..." naming the file, or for the
 * configuration file itself (key ""), as before its own name. */
FILE *config_open_regular(struct parser *p, unsigned line, const char *key, const char *path,
			  off_t max)
{
	char name[CONFIG_NAME_SHOWN * 4 + 8], who[sizeof name + 64];
	const char *kind;
	struct stat st;
	FILE *f;
	int fd;

	if (key[0] != '\0')
		snprintf(who, sizeof who, "%s: %s ", key, escape_name(name, sizeof name, path));
	else
		who[0] = '\0';
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		config_error(p, line, "%scannot open: %s", who, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		config_error(p, line, "%scannot stat: %s", who, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		kind = S_ISDIR(st.st_mode)    ? "a directory"
		       : S_ISFIFO(st.st_mode) ? "a FIFO"
		       : S_ISSOCK(st.st_mode) ? "a socket"
					      : "a device";
		config_error(p, line, "%snot a regular file (%s)", who, kind);
	} else if (max > 0 && st.st_size > max) {
		config_error(p, line, "%slarger than %lld bytes", who, (long long)max);
	} else if ((f = fdopen(fd, "r")) == NULL) {
		config_error(p, line, "%scannot read: %s", who, strerror(errno));
	} else {
		return f;
	}
	close(fd);
	return NULL;
}

/* Reads an allow_file or deny_file into a: entries separated by blanks
 * and commas, comments from '#' or ';' to the end of a line; a problem is
 * that file's FILE:LINE. */
static void read_list_file(struct parser *p, const char *key, const struct config_path *cp,
			   struct acl *a, enum acl_verdict v)
{
	FILE *f = config_open_regular(p, cp->line, key, cp->path, CONFIG_LIST_FILE_MAX);
	char line[CONFIG_LIST_LINE_MAX + 1], err[128];
	size_t len = 0, total = 0;
	unsigned lineno = 1;
	bool nul = false, more = true;

	if (f == NULL)
		return;
	while (more) {
		int c = getc(f);

		if (c != EOF && c != '\n') {
			if (c == '\0')
				nul = true;
			if (len < CONFIG_LIST_LINE_MAX)
				line[len] = (char)c;
			len++;
			if (++total > CONFIG_LIST_FILE_MAX)
				break; /* grown since fstat() */
			continue;
		}
		more = c != EOF;
		if (nul) {
			config_error_in(p, cp->path, lineno, "a NUL byte");
		} else if (len > CONFIG_LIST_LINE_MAX) {
			config_error_in(p, cp->path, lineno,
					"line too long (%zu bytes; at most %d)", len,
					CONFIG_LIST_LINE_MAX);
		} else {
			size_t n = strcspn((line[len] = '\0', line), "#;");

			if (acl_add_list(a, line, n, v, err, sizeof err) < 0)
				config_error_in(p, cp->path, lineno, "%s", err);
		}
		len = 0;
		nul = false;
		lineno++;
	}
	if (total > CONFIG_LIST_FILE_MAX)
		config_error(p, cp->line, "%s: the file grew past %d bytes while read", key,
			     CONFIG_LIST_FILE_MAX);
	if (ferror(f))
		config_error_in(p, cp->path, 0, "read error: %s", strerror(errno ? errno : EIO));
	fclose(f);
}

static void add_list(struct parser *p, const char *key, const struct config_list *l, struct acl *a,
		     enum acl_verdict v)
{
	char err[128];

	if (l->line != 0 && acl_add_list(a, l->text, l->len, v, err, sizeof err) < 0)
		config_error(p, l->line, "%s: %s", key, err);
}

/* A section's access list, from its keys and files. */
struct acl *config_build_access(struct parser *p, const struct config_access *ac)
{
	struct acl *a = acl_new();

	if (a == NULL) {
		config_error(p, 0, "out of memory for an access list");
		return NULL;
	}
	/* an allow key makes an allow list, even one whose file is empty:
	 * what it does not name is denied */
	if (ac->allow.line != 0 || ac->allow_file.line != 0)
		acl_allow_list(a);
	add_list(p, "allow", &ac->allow, a, ACL_ALLOW);
	add_list(p, "deny", &ac->deny, a, ACL_DENY);
	if (ac->allow_file.line != 0)
		read_list_file(p, "allow_file", &ac->allow_file, a, ACL_ALLOW);
	if (ac->deny_file.line != 0)
		read_list_file(p, "deny_file", &ac->deny_file, a, ACL_DENY);
	acl_finish(a);
	return a;
}

/* proxy_protocol and proxy_from of a section ([udp] has neither key). */
void config_build_proxies(struct parser *p, const char *section, int mode,
			  const struct config_list *from, struct acl **out)
{
	if (mode == PROXY_NO) {
		if (from->line != 0)
			config_error(p, from->line,
				     "[%s] proxy_from without proxy_protocol = yes or optional",
				     section);
		return;
	}
	if (from->line == 0) {
		config_error(p, 0, "[%s] proxy_protocol needs proxy_from: the proxies' addresses",
			     section);
		return;
	}
	*out = acl_new();
	if (*out == NULL) {
		config_error(p, 0, "out of memory for proxy_from");
		return;
	}
	acl_allow_list(*out);
	add_list(p, "proxy_from", from, *out, ACL_ALLOW);
	acl_finish(*out);
}
