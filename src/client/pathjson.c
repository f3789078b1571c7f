/* pathjson.c: the facts and verdicts as JSON (see pathjson.h).
 *
 * Pure: it must not open a socket nor print; it writes into the caller's
 * buffer, bounded by outbuf. */
#include "pathjson.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "outbuf.h"
#include "pathback.h"
#include "pathtext.h"

#define REASONS_MAX 12                  /* facts of one protocol that may be unknown */

/* The verdicts that could not be learnt, and why, for "unknown". */
struct reasons {
	const char *fact[REASONS_MAX];
	const char *why[REASONS_MAX];
	int n;
};

static const char *unknown(struct reasons *r, const char *fact, const char *why)
{
	if (r->n < REASONS_MAX) {
		r->fact[r->n] = fact;
		r->why[r->n++] = why;
	}
	return NULL;
}

void path_json_text(struct outbuf *o, const char *text)
{
	if (text == NULL) {
		outbuf_add(o, "null");
		return;
	}
	outbuf_add(o, "\"");
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			outbuf_add(o, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			outbuf_add(o, "\\u%04x", *p);
		else
			outbuf_add(o, "%c", *p);
	}
	outbuf_add(o, "\"");
}

/* a string the caller knows needs no escaping, or null */
static void json_word(struct outbuf *o, const char *name, const char *word)
{
	outbuf_key(o, name);
	if (word != NULL)
		outbuf_add(o, "\"%s\"", word);
	else
		outbuf_add(o, "null");
}

/* {"address":"A","port":N}, or null; the address is an address (the
 * parser took printable text without quotes or backslashes, but it is
 * written with them escaped all the same) */
static void json_endpoint(struct outbuf *o, const char *name, const char *addr, long port)
{
	outbuf_key(o, name);
	if (addr[0] == '\0') {
		outbuf_add(o, "null");
		return;
	}
	outbuf_add(o, "{\"address\":\"");
	for (const char *p = addr; *p != '\0'; p++)
		outbuf_add(o, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
	outbuf_add(o, "\",\"port\":%ld}", port);
}

static void json_options(struct outbuf *o, const char *name, int set)
{
	bool first = true;

	outbuf_key(o, name);
	if (set < 0) {
		outbuf_add(o, "null");
		return;
	}
	outbuf_add(o, "[");
	for (int i = 0; i < 4; i++)
		if (set & (1 << i)) {
			outbuf_add(o, "%s\"%s\"", first ? "" : ",", path_option_name(i));
			first = false;
		}
	outbuf_add(o, "]");
}

/* "none", "source translated, port kept", "source port changed",
 * "destination translated, port changed", both joined by "; " */
static const char *nat(const struct path_sent *sent, const struct path_seen *seen, char *buf,
		       size_t size, struct reasons *r)
{
	bool addr = !path_same_host(sent->local, seen->client);
	bool port = sent->local_port != seen->client_port;
	int d = path_dnat(sent, seen);
	struct outbuf o;

	if (sent->local[0] == '\0')
		return unknown(r, "nat", "this host's address is not known");
	if (!addr && !port && d < 0 && seen->local[0] == '\0')
		return unknown(r, "nat", "no source translation; the server hides its address, "
					 "so the destination is not known");
	if (!addr && !port && d < 0)
		return unknown(r, "nat", "no source translation; the address dialled is not known");
	outbuf_start(&o, buf, size);
	if (addr)
		outbuf_add(&o, "source translated, port %s", port ? "changed" : "kept");
	else if (port)
		outbuf_add(&o, "source port changed");
	if (d == 1 && path_same_host(sent->peer, seen->local))
		outbuf_add(&o, "%sdestination port changed", o.len > 0 ? "; " : "");
	else if (d == 1)
		outbuf_add(&o, "%sdestination translated, port %s", o.len > 0 ? "; " : "",
			   sent->peer_port == seen->local_port ? "kept" : "changed");
	else if (d < 0)
		outbuf_add(&o, "; destination unknown");
	if (o.len == 0)
		outbuf_add(&o, "none");
	return buf;
}

static const char *dscp(const struct path_sent *sent, const struct path_seen *seen,
			struct reasons *r)
{
	if (sent->dscp < 0)
		return unknown(r, "dscp", "the DSCP sent is not known");
	if (seen->dscp < 0)
		return unknown(r, "dscp", "the server did not say the DSCP seen");
	return sent->dscp == seen->dscp ? "kept" : "remarked";
}

static const char *ecn_setup(const struct path_sent *sent, const struct path_seen *seen,
			     struct reasons *r)
{
	if (sent->ecn_setup < 0)
		return unknown(r, "ecn_setup",
			       "what the SYN asked is not known (tcp_ecn or the route could not "
			       "be read, or the SYN was sent again)");
	if (seen->ecn_setup < 0)
		return unknown(r, "ecn_setup", "the server could not read the SYN");
	if (sent->ecn_setup == seen->ecn_setup)
		return sent->ecn_setup ? "kept" : "not asked";
	return sent->ecn_setup ? "stripped" : "added";
}

static const char *mss(const struct path_sent *sent, const struct path_seen *seen,
		       struct reasons *r)
{
	if (sent->mss < 0)
		return unknown(r, "mss", "the MSS sent is not known");
	if (seen->nother < 0)
		return unknown(r, "mss", "the server could not read the SYN");
	if (seen->mss < 0)
		return "removed";
	if (seen->mss == sent->mss)
		return "kept";
	return seen->mss < sent->mss ? "clamped" : "raised";
}

static const char *options(const struct path_sent *sent, const struct path_seen *seen,
			   struct reasons *r)
{
	int a = path_options_sent(sent), b = path_options_seen(seen);

	if (a < 0)
		return unknown(r, "options", "the options sent are not known");
	if (b < 0)
		return unknown(r, "options", "the server could not read the SYN");
	if (a == b)
		return "kept";
	if ((a & ~b) && (b & ~a))
		return "stripped and added";
	return (a & ~b) ? "stripped" : "added";
}

static const char *fragments(const struct path_sent *sent, const struct path_seen *seen,
			     struct reasons *r)
{
	if (seen->fragment_size < 0)
		return unknown(r, "fragments", "the server did not say");
	if (seen->fragment_size == 0)
		return "none";
	if (sent->local_mtu > 0 && sent->size + (sent->v6 ? 48 : 28) > sent->local_mtu)
		return "split here";
	return "split on the way";
}

static const char *mss_back(const struct path_sent *sent, const struct path_seen *seen,
			    struct reasons *r)
{
	const char *v = path_mss_back(sent, seen);

	if (v != NULL)
		return v;
	if (seen->reply_mss < 0)
		return unknown(r, "mss_back", "the server does not say what its SYN-ACK carried");
	if (sent->back_mss_window)
		return unknown(r, "mss_back", "this host sends no more than half the window the SYN-ACK offered, which hides its MSS above that");
	return unknown(r, "mss_back", "this host's MTU hides what the SYN-ACK's MSS became "
				      "above it");
}

static const char *wscale_back(const struct path_sent *sent, const struct path_seen *seen,
			       struct reasons *r)
{
	const char *v = path_wscale_back(sent, seen);

	if (v != NULL)
		return v;
	return unknown(r, "wscale_back", "the window scale the SYN-ACK carried or the one taken "
					 "is not known");
}

/* The hops' reason, when they are not known. */
static void hops_reason(const struct path_sent *sent, const struct path_seen *seen,
			struct reasons *r)
{
	if (sent->ttl < 0)
		unknown(r, "hops", "the TTL sent is not known (the route could not be read)");
	else if (seen->ttl < 0)
		unknown(r, "hops", "the server did not say the TTL seen");
	else if (seen->ttl > sent->ttl)
		unknown(r, "hops", "the TTL was raised on the way");
}

/* The way back (UDP): the report's TTL, DSCP and ECN as the server sent
 * them and as they came. */
static void back(struct outbuf *o, const struct path_sent *sent, const struct path_seen *seen,
		 struct reasons *r)
{
	int dscp = sent->back_tos >= 0 ? sent->back_tos >> 2 : -1;
	int ecn = sent->back_tos >= 0 ? sent->back_tos & 3 : -1;
	const char *v = path_ecn_verdict(seen->reply_ecn, ecn);
	bool hops = seen->reply_ttl >= 0 && sent->back_ttl >= 0 &&
		    sent->back_ttl <= seen->reply_ttl;

	outbuf_json_int(o, "ttl_back_sent", seen->reply_ttl);
	outbuf_json_int(o, "ttl_back_seen", sent->back_ttl);
	outbuf_json_int(o, "hops_back", hops ? seen->reply_ttl - sent->back_ttl : -1);
	if (seen->reply_ttl < 0)
		unknown(r, "hops_back", "the server does not say what it sent the report with");
	else if (sent->back_ttl < 0)
		unknown(r, "hops_back", "this host did not read the report's TTL");
	else if (!hops)
		unknown(r, "hops_back", "the TTL was raised on the way back");
	outbuf_json_int(o, "dscp_back_sent", seen->reply_dscp);
	outbuf_json_int(o, "dscp_back_seen", dscp);
	json_word(o, "dscp_back",
		  seen->reply_dscp < 0 || dscp < 0
			  ? unknown(r, "dscp_back", "the DSCP the report was sent or came with is "
						    "not known")
			  : seen->reply_dscp == dscp ? "kept" : "remarked");
	json_word(o, "ecn_back_sent", seen->reply_ecn >= 0 ? path_ecn_name(seen->reply_ecn) : NULL);
	json_word(o, "ecn_back_seen", ecn >= 0 ? path_ecn_name(ecn) : NULL);
	json_word(o, "ecn_back", v != NULL ? v : unknown(r, "ecn_back", "the ECN field the report "
									"was sent or came with is "
									"not known"));
}

static void addresses(struct outbuf *o, const struct path_sent *sent,
		      const struct path_seen *seen, struct reasons *r)
{
	char buf[160];

	json_endpoint(o, "local", sent->local, sent->local_port);
	json_endpoint(o, "seen", seen->client, seen->client_port);
	json_endpoint(o, "reached", seen->local, seen->local_port);
	if (!sent->udp)
		json_endpoint(o, "proxy", seen->proxy, seen->proxy_port);
	json_word(o, "nat", nat(sent, seen, buf, sizeof buf, r));
	outbuf_json_bool(o, "source_translated",
			 sent->local[0] == '\0' ? -1 : !path_same_host(sent->local, seen->client));
	outbuf_json_bool(o, "port_preserved",
			 sent->local_port < 0 ? -1 : sent->local_port == seen->client_port);
	json_endpoint(o, "dialled", sent->peer, sent->peer_port);
	outbuf_json_bool(o, "destination_translated", path_dnat(sent, seen));
}

size_t path_json(char *buf, size_t size, const struct path_sent *sent,
		 const struct path_seen *seen)
{
	struct reasons r = { .n = 0 };
	struct outbuf o;
	const char *ecn = path_ecn_verdict(sent->ecn, seen->ecn);

	outbuf_start(&o, buf, size);
	outbuf_add(&o, "{");
	addresses(&o, sent, seen, &r);
	outbuf_json_int(&o, "ttl_sent", sent->ttl);
	outbuf_json_int(&o, "ttl_seen", seen->ttl);
	outbuf_json_int(&o, "hops", path_hops(sent, seen));
	hops_reason(sent, seen, &r);
	outbuf_json_int(&o, "dscp_sent", sent->dscp);
	outbuf_json_int(&o, "dscp_seen", seen->dscp);
	json_word(&o, "dscp", dscp(sent, seen, &r));
	json_word(&o, "ecn_sent", sent->ecn >= 0 ? path_ecn_name(sent->ecn) : NULL);
	json_word(&o, "ecn_seen", seen->ecn >= 0 ? path_ecn_name(seen->ecn) : NULL);
	json_word(&o, "ecn", ecn != NULL ? ecn : unknown(&r, "ecn", "the ECN field sent or "
								      "seen is not known"));
	if (sent->udp) {
		outbuf_json_int(&o, "size", sent->size);
		outbuf_json_bool(&o, "fragmented",
				 seen->fragment_size < 0 ? -1 : seen->fragment_size > 0);
		outbuf_json_int(&o, "fragment_size",
				seen->fragment_size > 0 ? seen->fragment_size : -1);
		json_word(&o, "fragments", fragments(sent, seen, &r));
		back(&o, sent, seen, &r);
	} else {
		outbuf_json_bool(&o, "ecn_setup_sent", sent->ecn_setup);
		outbuf_json_bool(&o, "ecn_setup_seen", seen->ecn_setup);
		json_word(&o, "ecn_setup", ecn_setup(sent, seen, &r));
		outbuf_json_int(&o, "mss_sent", sent->mss);
		outbuf_json_int(&o, "mss_seen", seen->nother < 0 ? -1 : seen->mss);
		json_word(&o, "mss", mss(sent, seen, &r));
		json_options(&o, "options_sent", path_options_sent(sent));
		json_options(&o, "options_seen", path_options_seen(seen));
		json_word(&o, "options", options(sent, seen, &r));
		outbuf_json_int(&o, "mss_back_sent", seen->reply_mss);
		outbuf_json_int(&o, "mss_back_seen",
				(sent->back_mss < sent->back_mss_limit && !sent->back_mss_window) ||
						path_mss_back(sent, seen) != NULL
					? sent->back_mss
					: -1);
		json_word(&o, "mss_back", mss_back(sent, seen, &r));
		outbuf_json_int(&o, "wscale_back_sent", seen->reply_wscale);
		outbuf_json_int(&o, "wscale_back_seen", sent->back_wscale);
		json_word(&o, "wscale_back", wscale_back(sent, seen, &r));
		outbuf_json_int(&o, "wscale_seen", seen->nother < 0 ? -1 : seen->wscale);
		outbuf_json_bool(&o, "df_seen", seen->df);
	}
	outbuf_key(&o, "unknown");
	outbuf_add(&o, "{");
	for (int i = 0; i < r.n; i++)
		outbuf_add(&o, "%s\"%s\":\"%s\"", i ? "," : "", r.fact[i], r.why[i]);
	outbuf_add(&o, "}}");
	return o.len;
}
