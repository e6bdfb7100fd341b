/* TCP sockets' options: SOL_SOCKET ones TCP keeps, and IPPROTO_TCP (TCP_NODELAY, keepalive
   tuning, TCP_MAXSEG, TCP_INFO). */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "net/tcp_sock.h"

static uint32_t tcp_buf_size(int v)
{
	uint64_t b = v < 0 ? 0 : (uint64_t)v * 2; /* as Linux: the value is doubled */

	return b < TCP_BUF_MIN ? TCP_BUF_MIN : b > TCP_BUF_MAX ? TCP_BUF_MAX : (uint32_t)b;
}

static void tcp_set_keepalive(struct tcp_conn *c, bool on)
{
	c->keepalive = on;
	if (!on) {
		tcp_timer_stop(c, TCP_T_KEEP);
		return;
	}
	if (c->state >= TCPS_ESTABLISHED && c->state != TCPS_TIME_WAIT && !c->timer[TCP_T_KEEP])
		tcp_timer_set(c, TCP_T_KEEP, c->keepidle_s * 1000000000ull);
}

static int tcp_set_socket(struct tcp_conn *c, int name, const void *val, unsigned len, int v)
{
	struct linger lg;

	switch (name) {
	case SO_REUSEADDR:
		c->reuseaddr = v;
		return 0;
	case SO_REUSEPORT:
		c->reuseport = v;
		return 0;
	case SO_KEEPALIVE:
		tcp_set_keepalive(c, v);
		return 0;
	case SO_RCVBUF:
		c->rcvbuf = tcp_buf_size(v);
		return 0;
	case SO_SNDBUF:
		c->sndbuf = tcp_buf_size(v);
		return 0;
	case SO_LINGER:
		if (len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		c->linger_on = lg.l_onoff;
		c->linger_s = lg.l_linger < 0 ? 0 : lg.l_linger;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_set_tcp(struct tcp_conn *c, int name, int v)
{
	switch (name) {
	case TCP_NODELAY:
		c->nodelay = v;
		if (v)
			tcp_output(c);
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		*(name == TCP_KEEPIDLE ? &c->keepidle_s : &c->keepintvl_s) = (uint32_t)v;
		if (name == TCP_KEEPIDLE && c->keepalive && c->timer[TCP_T_KEEP] && !c->keep_probes)
			tcp_timer_set(c, TCP_T_KEEP, (uint64_t)v * 1000000000ull);
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		c->keepcnt = (uint32_t)v;
		return 0;
	case TCP_MAXSEG:
		if (v && (v < 88 || v > 65535))
			return -EINVAL;
		c->user_mss = (uint32_t)v;
		return 0;
	case TCP_USER_TIMEOUT: /* RFC 5482, in milliseconds as Linux */
		if (v < 0)
			return -EINVAL;
		c->user_timeout_ms = (uint32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_setsockopt(struct pith_file *f, int level, int name, const void *val, unsigned len)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	int v;

	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_SOCKET)
		return tcp_set_socket(c, name, val, len, v);
	if (level == IPPROTO_TCP)
		return tcp_set_tcp(c, name, v);
	return -ENOPROTOOPT;
}

/* Linux's TCP_INFO state numbers. */
static uint8_t tcp_info_state(const struct tcp_conn *c)
{
	static const uint8_t map[] = {
	    [TCPS_CLOSED] = 7,	   [TCPS_LISTEN] = 10,	   [TCPS_SYN_SENT] = 2,
	    [TCPS_SYN_RCVD] = 3,   [TCPS_ESTABLISHED] = 1, [TCPS_FIN_WAIT_1] = 4,
	    [TCPS_FIN_WAIT_2] = 5, [TCPS_CLOSE_WAIT] = 8,  [TCPS_CLOSING] = 11,
	    [TCPS_LAST_ACK] = 9,   [TCPS_TIME_WAIT] = 6,
	};
	return map[c->state];
}

static int tcp_get_info(const struct tcp_conn *c, void *val, unsigned *len)
{
	struct tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = tcp_info_state(c);
	ti.tcpi_retransmits = c->retries;
	ti.tcpi_snd_wscale = c->snd_wscale;
	ti.tcpi_rcv_wscale = c->rcv_wscale;
	ti.tcpi_options =
	    (c->ts_ok ? 1 : 0) | (c->ws_ok ? 4 : 0); /* TCPI_OPT_TIMESTAMPS, _WSCALE */
	ti.tcpi_rto = (uint32_t)(c->rto / 1000);
	ti.tcpi_snd_mss = c->mss;
	ti.tcpi_rcv_mss = c->mss;
	ti.tcpi_rtt = (uint32_t)(c->srtt / 1000);
	ti.tcpi_rttvar = (uint32_t)(c->rttvar / 1000);
	ti.tcpi_snd_ssthresh = c->ssthresh / (c->mss ? c->mss : 1);
	ti.tcpi_snd_cwnd = c->cwnd / (c->mss ? c->mss : 1);
	ti.tcpi_unacked = c->snd_max - c->snd_una;
	*len = *len < sizeof(ti) ? *len : (unsigned)sizeof(ti);
	memcpy(val, &ti, *len);
	return 0;
}

static int tcp_get_socket_int(struct tcp_conn *c, int name, int *v)
{
	switch (name) {
	case SO_REUSEADDR:
		*v = c->reuseaddr;
		return 0;
	case SO_REUSEPORT:
		*v = c->reuseport;
		return 0;
	case SO_KEEPALIVE:
		*v = c->keepalive;
		return 0;
	case SO_RCVBUF:
		*v = (int)c->rcvbuf;
		return 0;
	case SO_SNDBUF:
		*v = (int)c->sndbuf;
		return 0;
	case SO_ERROR: /* reported once */
		*v = c->so_error;
		c->so_error = 0;
		return 0;
	case SO_ACCEPTCONN:
		*v = c->state == TCPS_LISTEN;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_get_tcp_int(const struct tcp_conn *c, int name, int *v)
{
	switch (name) {
	case TCP_NODELAY:
		*v = c->nodelay;
		return 0;
	case TCP_KEEPIDLE:
		*v = (int)c->keepidle_s;
		return 0;
	case TCP_KEEPINTVL:
		*v = (int)c->keepintvl_s;
		return 0;
	case TCP_KEEPCNT:
		*v = (int)c->keepcnt;
		return 0;
	case TCP_MAXSEG:
		*v = tcp_conn_synchronized(c) ? c->mss
		     : c->user_mss	      ? (int)c->user_mss
					      : TCP_DEFAULT_MSS;
		return 0;
	case TCP_USER_TIMEOUT:
		*v = (int)c->user_timeout_ms;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_get_int(struct tcp_conn *c, int level, int name, int *v)
{
	if (level == SOL_SOCKET)
		return tcp_get_socket_int(c, name, v);
	if (level == IPPROTO_TCP)
		return tcp_get_tcp_int(c, name, v);
	return -ENOPROTOOPT;
}

int tcp_getsockopt(struct pith_file *f, int level, int name, void *val, unsigned *len)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	int v, err;

	if (level == IPPROTO_TCP && name == TCP_INFO)
		return tcp_get_info(c, val, len);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger lg = {c->linger_on, c->linger_s};

		*len = *len < sizeof(lg) ? *len : (unsigned)sizeof(lg);
		memcpy(val, &lg, *len);
		return 0;
	}
	err = tcp_get_int(c, level, name, &v);
	if (err)
		return err;
	*len = *len < sizeof(v) ? *len : (unsigned)sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}
