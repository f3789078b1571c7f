/* pathtext.c: the path report's verdicts, what was sent set beside what
 * the report says was seen (see pathtext.h): text lines, and the terms
 * the JSON writer (src/client/pathjson.c) and /probe's path module share.
 *
 * Pure: no socket, no clock; the report was read by pathreport.c, and the
 * way back is pathback.c's. */
#include "pathtext.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "outbuf.h"
#include "pathback.h"

/* An address and port for a reader: "10.0.0.1:80", "[2001:db8::1]:80". */
static const char *endpoint(const char *addr, long port, char *buf, size_t size)
{
	if (addr[0] == '\0')
		snprintf(buf, size, "unknown");
	else if (strchr(addr, ':') != NULL)
		snprintf(buf, size, "[%s]:%ld", addr, port);
	else
		snprintf(buf, size, "%s:%ld", addr, port);
	return buf;
}

/* An IPv4 address as an IPv4-mapped IPv6 one ("::ffff:192.0.2.1", as a
 * dual-stack socket sees it) without the prefix. */
static const char *unmapped(const char *a)
{
	return strncasecmp(a, "::ffff:", 7) == 0 && strchr(a + 7, '.') != NULL ? a + 7 : a;
}

/* The same address, IPv4-mapped or not, and a link-local scope ("%2", an
 * index of each side's own) aside. */
bool path_same_host(const char *a, const char *b)
{
	size_t la, lb;

	a = unmapped(a);
	b = unmapped(b);
	la = strcspn(a, "%");
	lb = strcspn(b, "%");
	return la == lb && memcmp(a, b, la) == 0;
}

/* The hops on the way: the TTL sent less the TTL seen; -1 when either is
 * unknown or the TTL grew (something rewrote it). */
int path_hops(const struct path_sent *sent, const struct path_seen *seen)
{
	if (sent->ttl < 0 || seen->ttl < 0 || seen->ttl > sent->ttl)
		return -1;
	return sent->ttl - seen->ttl;
}

/* The destination's translation: 1 translated, 0 not, -1 not known (the
 * server hides its address, or the address dialled is not known). */
int path_dnat(const struct path_sent *sent, const struct path_seen *seen)
{
	if (sent->peer[0] == '\0' || seen->local[0] == '\0')
		return -1;
	return !path_same_host(sent->peer, seen->local) || sent->peer_port != seen->local_port;
}

/* "destination translated: address changed, port kept (D dialled, R reached)" */
static void dnat_text(struct outbuf *o, const struct path_sent *sent,
		      const struct path_seen *seen)
{
	char a[PATH_ADDR_MAX + 16], b[PATH_ADDR_MAX + 16];

	outbuf_add(o, "destination translated: address %s, port %s (%s dialled, %s reached)",
		   path_same_host(sent->peer, seen->local) ? "kept" : "changed",
		   sent->peer_port == seen->local_port ? "kept" : "changed",
		   endpoint(sent->peer, sent->peer_port, a, sizeof a),
		   endpoint(seen->local, seen->local_port, b, sizeof b));
}

static void verdict_nat(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen)
{
	char a[PATH_ADDR_MAX + 16], b[PATH_ADDR_MAX + 16];
	bool addr = !path_same_host(sent->local, seen->client);
	bool port = sent->local_port != seen->client_port;
	int d = path_dnat(sent, seen);

	endpoint(sent->local, sent->local_port, a, sizeof a);
	endpoint(seen->client, seen->client_port, b, sizeof b);
	outbuf_add(o, "  nat: ");
	if (sent->local[0] == '\0') {
		outbuf_add(o, "unknown (this host's address is not known; seen as %s)", b);
	} else if (!addr && !port && d == 0) {
		outbuf_add(o, "none (%s)", a);
	} else if (!addr && !port && d == 1) {
		dnat_text(o, sent, seen);
		outbuf_add(o, "; source none (%s)", a);
	} else if (!addr && !port) {
		outbuf_add(o, "none at the source (%s); the destination unknown (%s)", a,
			   seen->local[0] == '\0' ? "the server hides its address"
						 : "the address dialled is not known");
	} else {
		outbuf_add(o, "address %s, port %s (%s seen as %s)", addr ? "translated" : "kept",
			   port ? "changed" : "kept", a, b);
		if (d == 1) {
			outbuf_add(o, "; ");
			dnat_text(o, sent, seen);
		}
	}
	outbuf_add(o, "\n");
}

static void verdict_hops(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen)
{
	const char *ttl = sent->v6 ? "hop limit" : "ttl";
	int h = path_hops(sent, seen);

	if (h >= 0)
		outbuf_add(o, "  hops: %d (%s %d sent, %d seen)\n", h, ttl, sent->ttl, seen->ttl);
	else if (sent->ttl >= 0 && seen->ttl >= 0)
		outbuf_add(o, "  hops: unknown (%s %d sent, %d seen: raised on the way)\n", ttl, sent->ttl,
		    seen->ttl);
	else
		outbuf_add(o, "  hops: unknown (%s not known)\n", ttl);
}

static void verdict_dscp(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen)
{
	char a[32], b[32];

	if (sent->dscp < 0 || seen->dscp < 0)
		outbuf_add(o, "  dscp: unknown\n");
	else if (sent->dscp == seen->dscp)
		outbuf_add(o, "  dscp: kept (%s)\n", path_dscp_text(sent->dscp, a, sizeof a));
	else
		outbuf_add(o, "  dscp: remarked (%s sent, %s seen)\n",
			   path_dscp_text(sent->dscp, a, sizeof a),
			   path_dscp_text(seen->dscp, b, sizeof b));
}


static void verdict_ecn(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen)
{
	const char *v = path_ecn_verdict(sent->ecn, seen->ecn);

	if (v == NULL)
		outbuf_add(o, "  ecn: unknown\n");
	else if (sent->ecn == seen->ecn)
		outbuf_add(o, "  ecn: kept (%s)\n", path_ecn_name(sent->ecn));
	else
		outbuf_add(o, "  ecn: %s (%s sent, %s seen)\n", v, path_ecn_name(sent->ecn),
		    path_ecn_name(seen->ecn));
	if (sent->udp)
		return;
	if (sent->ecn_setup < 0 || seen->ecn_setup < 0)
		outbuf_add(o, "  ecn-setup: unknown\n");
	else if (sent->ecn_setup == 0 && seen->ecn_setup == 0)
		outbuf_add(o, "  ecn-setup: not asked (the SYN did not ask for ECN)\n");
	else if (sent->ecn_setup == seen->ecn_setup)
		outbuf_add(o, "  ecn-setup: kept (the SYN's ECE and CWR arrived)\n");
	else if (sent->ecn_setup == 1)
		outbuf_add(o, "  ecn-setup: stripped (the SYN asked for ECN; ECE and CWR were cleared)\n");
	else
		outbuf_add(o, "  ecn-setup: added (ECE and CWR set on the way)\n");
}

static void verdict_mss(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen)
{
	if (sent->mss < 0 || seen->nother < 0)
		outbuf_add(o, "  mss: unknown\n");
	else if (seen->mss < 0)
		outbuf_add(o, "  mss: removed (%ld sent, none seen)\n", sent->mss);
	else if (seen->mss == sent->mss)
		outbuf_add(o, "  mss: kept (%ld)\n", sent->mss);
	else if (seen->mss < sent->mss)
		outbuf_add(o, "  mss: clamped (%ld sent, %ld seen)\n", sent->mss, seen->mss);
	else
		outbuf_add(o, "  mss: raised (%ld sent, %ld seen)\n", sent->mss, seen->mss);
}

/* The options of a SYN as a bit set: mss, wscale, sack, timestamps. */
static const char *const option_names[] = { "mss", "wscale", "sack", "timestamps" };

const char *path_option_name(int i)
{
	return i >= 0 && i < 4 ? option_names[i] : "unknown";
}

/* The options sent, or -1 when not known. */
int path_options_sent(const struct path_sent *s)
{
	if (s->mss < 0 || s->wscale < 0 || s->sack < 0 || s->timestamps < 0)
		return -1;
	return PATH_O_MSS | (s->wscale ? PATH_O_WSCALE : 0) | (s->sack ? PATH_O_SACK : 0) |
	       (s->timestamps ? PATH_O_TS : 0);
}

int path_options_seen(const struct path_seen *s)
{
	if (s->nother < 0 || s->sack < 0 || s->timestamps < 0)
		return -1;
	return (s->mss >= 0 ? PATH_O_MSS : 0) | (s->wscale >= 0 ? PATH_O_WSCALE : 0) |
	       (s->sack ? PATH_O_SACK : 0) | (s->timestamps ? PATH_O_TS : 0);
}

static void option_list(struct outbuf *o, int set)
{
	bool first = true;

	for (int i = 0; i < 4; i++)
		if (set & (1 << i)) {
			outbuf_add(o, "%s%s", first ? "" : " ", option_names[i]);
			first = false;
		}
	if (first)
		outbuf_add(o, "none");
}

static void verdict_options(struct outbuf *o, const struct path_sent *sent,
			    const struct path_seen *seen)
{
	int a = path_options_sent(sent), b = path_options_seen(seen);

	if (a < 0 || b < 0) {
		outbuf_add(o, "  options: unknown\n");
		return;
	}
	if (a == b) {
		outbuf_add(o, "  options: kept (");
		option_list(o, a);
	} else {
		if (a & ~b) {
			outbuf_add(o, "  options: stripped: ");
			option_list(o, a & ~b);
		}
		if (b & ~a) {
			outbuf_add(o, "%s", (a & ~b) ? "; added: " : "  options: added: ");
			option_list(o, b & ~a);
		}
		outbuf_add(o, " (kept: ");
		option_list(o, a & b);
	}
	outbuf_add(o, ")");
	if (seen->nother > 0) {
		outbuf_add(o, "; others seen: kind");
		for (int i = 0; i < seen->nother && i < PATH_OTHER_MAX; i++)
			outbuf_add(o, "%s%d", i == 0 ? " " : ",", seen->other[i]);
	}
	outbuf_add(o, "\n");
}

static void verdict_fragments(struct outbuf *o, const struct path_sent *sent,
			      const struct path_seen *seen)
{
	if (seen->fragment_size < 0)
		outbuf_add(o, "  fragments: unknown\n");
	else if (seen->fragment_size == 0)
		outbuf_add(o, "  fragments: none (%ld bytes in one datagram)\n", sent->size);
	else if (sent->local_mtu > 0 &&
		 sent->size + (sent->v6 ? 48 : 28) > sent->local_mtu)
		outbuf_add(o, "  fragments: arrived in fragments of at most %ld bytes (this host split "
		       "it: its cached path MTU to the server is %ld, the datagram %ld bytes)\n",
		    seen->fragment_size, sent->local_mtu, sent->size);
	else
		outbuf_add(o, "  fragments: arrived in fragments of at most %ld bytes (split on the "
		       "way: the %ld-byte datagram left whole)\n",
		    seen->fragment_size, sent->size);
}

size_t path_text(char *buf, size_t size, const struct path_sent *sent,
		 const struct path_seen *seen)
{
	char a[PATH_ADDR_MAX + 16], b[PATH_ADDR_MAX + 16];
	struct outbuf o;

	outbuf_start(&o, buf, size);
	outbuf_add(&o, "%s %s -> %s\n", sent->udp ? "udp" : "tcp",
	    endpoint(sent->local, sent->local_port, a, sizeof a),
	    seen->local[0] != '\0' ? endpoint(seen->local, seen->local_port, b, sizeof b)
				   : "(the server hides its address)");
	if (seen->proxy[0] != '\0')
		outbuf_add(&o, "  proxy: %s (a PROXY header named this host: the facts below are of the "
			"proxy's own connection to the server)\n",
		    endpoint(seen->proxy, seen->proxy_port, b, sizeof b));
	verdict_nat(&o, sent, seen);
	verdict_hops(&o, sent, seen);
	verdict_dscp(&o, sent, seen);
	verdict_ecn(&o, sent, seen);
	if (sent->udp) {
		verdict_fragments(&o, sent, seen);
		path_back_text(&o, sent, seen);
	} else {
		verdict_mss(&o, sent, seen);
		verdict_options(&o, sent, seen);
		path_back_text(&o, sent, seen);
	}
	return o.len;
}
