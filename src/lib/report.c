/* report.c: the path report's fields and JSON (see report.h).
 *
 * Pure: it must not read a socket (its callers give it the facts) nor
 * write past the caller's buffer. */
#include "report.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "outbuf.h"


void report_dgram_facts(const struct msghdr *m, unsigned local_port, struct dgram_facts *f)
{
	*f = (struct dgram_facts){ .ttl = -1, .tos = -1 };
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)m); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		size_t dlen = c->cmsg_len - CMSG_LEN(0);
		int v;

		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    dlen >= sizeof(struct in_pktinfo)) {
			struct sockaddr_in *in = (struct sockaddr_in *)&f->local.ss;
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			memset(&f->local, 0, sizeof f->local);
			in->sin_family = AF_INET;
			in->sin_addr = pi.ipi_spec_dst;         /* ours: not a broadcast address */
			in->sin_port = htons((uint16_t)local_port);
			f->local.len = sizeof *in;
			f->have_local = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   dlen >= sizeof(struct in6_pktinfo)) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&f->local.ss;
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			memset(&f->local, 0, sizeof f->local);
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = pi.ipi6_addr;
			in6->sin6_port = htons((uint16_t)local_port);
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				in6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			f->local.len = sizeof *in6;
			f->have_local = true;
		} else if (dlen >= sizeof v) {
			memcpy(&v, CMSG_DATA(c), sizeof v);
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
				f->ttl = v;
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS)
				f->tos = v & 0xff;
			else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVFRAGSIZE) ||
				 (c->cmsg_level == IPPROTO_IPV6 &&
				  c->cmsg_type == IPV6_RECVFRAGSIZE))
				f->frag_size = v;
			else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
				f->tos = *CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && dlen >= 1) {
			f->tos = *CMSG_DATA(c);         /* IP_TOS comes as one byte */
		}
	}
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

size_t report_syn_fields(char *buf, size_t size, const struct syn_facts *f)
{
	struct outbuf o;

	outbuf_start(&o, buf, size);
	outbuf_add(&o, "ttl=%d dscp=%d ecn=%s ecn_setup=%s", f->ttl, f->dscp, synparse_ecn_name(f->ecn),
	    yes(f->ecn_setup));
	if (f->family == AF_INET)
		outbuf_add(&o, " df=%s", yes(f->df == 1));
	else
		outbuf_add(&o, " flow=%ld", f->flow_label);
	outbuf_add(&o, " win=%u", f->window);
	if (f->mss >= 0)
		outbuf_add(&o, " mss=%d", f->mss);
	if (f->wscale >= 0)
		outbuf_add(&o, " wscale=%d", f->wscale);
	outbuf_add(&o, " sack=%s ts=%s", yes(f->sack_perm), yes(f->timestamps));
	for (int i = 0; i < f->nother && i < SYN_OTHER_MAX; i++)
		outbuf_add(&o, "%s%u", i == 0 ? " opts=" : ",", f->other[i]);
	if (f->nother > SYN_OTHER_MAX)
		outbuf_add(&o, ",+%d", f->nother - SYN_OTHER_MAX);
	if (f->ip_options > 0)
		outbuf_add(&o, " %s=%d", f->family == AF_INET ? "ipopts" : "exthdrs", f->ip_options);
	return o.len;
}

size_t report_dgram_fields(char *buf, size_t size, const struct dgram_facts *f)
{
	struct outbuf o;

	outbuf_start(&o, buf, size);
	if (f->ttl >= 0)
		outbuf_add(&o, "ttl=%d", f->ttl);
	if (f->tos >= 0)
		outbuf_add(&o, "%sdscp=%d ecn=%s", o.len > 0 ? " " : "", f->tos >> 2,
		    synparse_ecn_name((enum ecn)(f->tos & 3)));
	if (f->frag_size > 0)
		outbuf_add(&o, "%sfrag=%d", o.len > 0 ? " " : "", f->frag_size);
	return o.len;
}

/* "client":"A","client_port":N,"local":"B","local_port":N */
static void addresses(struct outbuf *o, const struct sockaddr *client, socklen_t clientlen,
		      const struct sockaddr *local, socklen_t locallen)
{
	char host[NET_ADDRSTRLEN];

	outbuf_add(o, "\"client\":\"%s\",\"client_port\":%u,",
	    net_format_host(client, clientlen, host, sizeof host), net_port(client));
	if (local != NULL)
		outbuf_add(o, "\"local\":\"%s\",\"local_port\":%u,",
		    net_format_host(local, locallen, host, sizeof host), net_port(local));
	else
		outbuf_add(o, "\"local\":null,\"local_port\":null,");
}

/* "key":N, or "key":null, when n is negative (not known) */
static void number(struct outbuf *o, const char *key, long n)
{
	if (n >= 0)
		outbuf_add(o, "\"%s\":%ld,", key, n);
	else
		outbuf_add(o, "\"%s\":null,", key);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

/* "reply_mss":N|null,"reply_wscale":N|"none"|null}, and the line's end */
static void end_tcp(struct outbuf *o, const struct report_synack *a)
{
	if (a != NULL && a->mss >= 0)
		outbuf_add(o, "\"reply_mss\":%ld,", a->mss);
	else
		outbuf_add(o, "\"reply_mss\":null,");
	if (a != NULL && a->wscale >= 0)
		outbuf_add(o, "\"reply_wscale\":%d}\n", a->wscale);
	else if (a != NULL && a->wscale == REPORT_NONE)
		outbuf_add(o, "\"reply_wscale\":\"none\"}\n");
	else
		outbuf_add(o, "\"reply_wscale\":null}\n");
}

size_t report_tcp_json(char *buf, size_t size, const struct syn_facts *syn,
		       const struct sockaddr *client, socklen_t clientlen,
		       const struct sockaddr *local, socklen_t locallen,
		       const struct sockaddr *proxy, socklen_t proxylen,
		       const struct report_synack *synack)
{
	struct outbuf o;
	char host[NET_ADDRSTRLEN];

	outbuf_start(&o, buf, size);
	outbuf_add(&o, "{\"version\":%d,\"proto\":\"tcp\",", REPORT_VERSION);
	addresses(&o, client, clientlen, local, locallen);
	if (proxy != NULL)
		outbuf_add(&o, "\"proxy\":\"%s\",\"proxy_port\":%u,",
		    net_format_host(proxy, proxylen, host, sizeof host), net_port(proxy));
	else
		outbuf_add(&o, "\"proxy\":null,\"proxy_port\":null,");
	if (syn == NULL) {
		outbuf_add(&o,
		    "\"ttl\":null,\"dscp\":null,\"ecn\":null,\"df\":null,\"flow_label\":null,"
		    "\"ecn_setup\":null,\"window\":null,\"mss\":null,\"wscale\":null,\"sack\":null,"
		    "\"timestamps\":null,\"other_options\":null,\"ip_options\":null,");
		end_tcp(&o, synack);
		return o.len;
	}
	outbuf_add(&o, "\"ttl\":%d,\"dscp\":%d,\"ecn\":\"%s\",", syn->ttl, syn->dscp,
	    synparse_ecn_name(syn->ecn));
	if (syn->df >= 0)
		outbuf_add(&o, "\"df\":%s,\"flow_label\":null,", json_bool(syn->df == 1));
	else
		outbuf_add(&o, "\"df\":null,\"flow_label\":%ld,", syn->flow_label);
	outbuf_add(&o, "\"ecn_setup\":%s,\"window\":%u,", json_bool(syn->ecn_setup), syn->window);
	number(&o, "mss", syn->mss);
	number(&o, "wscale", syn->wscale);
	outbuf_add(&o, "\"sack\":%s,\"timestamps\":%s,\"other_options\":[", json_bool(syn->sack_perm),
	    json_bool(syn->timestamps));
	for (int i = 0; i < syn->nother && i < SYN_OTHER_MAX; i++)
		outbuf_add(&o, "%s%u", i ? "," : "", syn->other[i]);
	outbuf_add(&o, "],\"ip_options\":%d,", syn->ip_options);
	end_tcp(&o, synack);
	return o.len;
}

size_t report_udp_json(char *buf, size_t size, const struct dgram_facts *f, size_t len,
		       const struct sockaddr *client, socklen_t clientlen,
		       const struct sockaddr *local, socklen_t locallen)
{
	struct outbuf o;

	outbuf_start(&o, buf, size);
	outbuf_add(&o, "{\"version\":%d,\"proto\":\"udp\",", REPORT_VERSION);
	addresses(&o, client, clientlen, local, locallen);
	number(&o, "ttl", f->ttl);
	if (f->tos >= 0)
		outbuf_add(&o, "\"dscp\":%d,\"ecn\":\"%s\",", f->tos >> 2,
		    synparse_ecn_name((enum ecn)(f->tos & 3)));
	else
		outbuf_add(&o, "\"dscp\":null,\"ecn\":null,");
	if (f->session != NULL) {
		char hex[PROBEMEM_HEX_LEN + 1];

		probemem_hex(f->session, hex);
		outbuf_add(&o, "\"session_first\":%u,\"session_seen\":\"%s\",", f->session->first,
		    hex);
	}
	outbuf_add(&o, "\"size\":%zu,", len);
	if (f->frag_size > 0)
		outbuf_add(&o, "\"fragment_size\":%d,", f->frag_size);
	else
		outbuf_add(&o, "\"fragment_size\":null,");
	/* what the report itself leaves with (udp.c sets them on it) */
	outbuf_add(&o, "\"reply_ttl\":%d,", REPORT_REPLY_TTL);
	if (f->tos >= 0)
		outbuf_add(&o, "\"reply_dscp\":%d,\"reply_ecn\":\"%s\"}\n", f->tos >> 2,
		    synparse_ecn_name((enum ecn)(f->tos & 3)));
	else
		outbuf_add(&o, "\"reply_dscp\":null,\"reply_ecn\":null}\n");
	return o.len;
}
