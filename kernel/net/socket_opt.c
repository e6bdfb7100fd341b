/* setsockopt and getsockopt: the generic SOL_SOCKET options here, the rest through the protocol. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "core/core.h"
#include "net/socket_int.h"
#include "syscall/syscall.h"

#define OPT_MAX 64 /* the most bytes of an option value the protocols see */

/* Linux's SO_RCVTIMEO_NEW / SO_SNDTIMEO_NEW: the same struct layout on x86_64. */
#define SO_RCVTIMEO_NEW_ 66
#define SO_SNDTIMEO_NEW_ 67

static bool is_timeo(int name, bool *rcv)
{
	*rcv = name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW_;
	return *rcv || name == SO_SNDTIMEO || name == SO_SNDTIMEO_NEW_;
}

/* sock_set_timeout: a struct timeval; 0/0 waits forever, a negative time never waits. */
static int set_timeo(uint64_t *ns, const void *val, unsigned len)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*ns = 1; /* Linux stores a zero timeout: the next wait ends at once */
		return 0;
	}
	if ((uint64_t)tv.tv_sec > UINT64_MAX / 1000000000u - 1)
		*ns = 0;
	else
		*ns = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
	return 0;
}

PITH_SYSCALL5(setsockopt, int, fd, int, level, int, name, const void *, uval, int, ulen)
{
	unsigned char val[OPT_MAX];
	unsigned len = ulen < 0 ? 0 : (ulen > OPT_MAX ? OPT_MAX : (unsigned)ulen);
	struct pith_file *f;
	bool rcv;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	if (ulen < 0)
		return -EINVAL;
	if (level == SOL_SOCKET && len < sizeof(int))
		return -EINVAL; /* sk_setsockopt, before any option */
	if (!pith_user_access_ok(uval, len) || !pith_user_readable(uval, len))
		return -EFAULT;
	memcpy(val, uval, len);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
		case SO_DOMAIN:
		case SO_PROTOCOL:
		case SO_ACCEPTCONN:
		case SO_ERROR:
		case SO_PEERNAME:
			return -ENOPROTOOPT; /* read-only */
		default:
			if (is_timeo(name, &rcv))
				return set_timeo(rcv ? &f->rcv_timeout_ns : &f->snd_timeout_ns, val,
						 len);
		}
	}
	return pith_sock_ops(f)->setsockopt(f, level, name, val, len);
}

/* A generic SOL_SOCKET option's value into val (*len its size); -ENOPROTOOPT if not generic. */
static int get_generic(struct pith_file *f, int name, void *val, unsigned *len)
{
	const struct pith_sock_ops *ops = pith_sock_ops(f);
	int v;
	bool rcv;

	if (is_timeo(name, &rcv)) {
		uint64_t ns = rcv ? f->rcv_timeout_ns : f->snd_timeout_ns;
		struct timeval tv = {(time_t)(ns / 1000000000u),
				     (suseconds_t)(ns % 1000000000u / 1000)};

		memcpy(val, &tv, sizeof(tv));
		*len = sizeof(tv);
		return 0;
	}
	switch (name) {
	case SO_TYPE:
		v = ops->type;
		break;
	case SO_DOMAIN:
		v = AF_INET;
		break;
	case SO_PROTOCOL:
		v = ops->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		break;
	case SO_ACCEPTCONN:
		*len = sizeof(int);
		if (ops->getsockopt(f, SOL_SOCKET, SO_ACCEPTCONN, val, len) == 0)
			return 0;
		v = 0; /* the protocol does not listen */
		break;
	default:
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

PITH_SYSCALL5(getsockopt, int, fd, int, level, int, name, void *, uval, socklen_t *, ulen)
{
	unsigned char val[OPT_MAX] = {0};
	struct pith_file *f;
	unsigned klen;
	int len, err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	if (!pith_user_access_ok(ulen, sizeof(*ulen)) || !pith_user_readable(ulen, sizeof(*ulen)))
		return -EFAULT;
	memcpy(&len, ulen, sizeof(len));
	if (len < 0)
		return -EINVAL;
	klen = len > OPT_MAX ? OPT_MAX : (unsigned)len;
	err = level == SOL_SOCKET ? get_generic(f, name, val, &klen) : -ENOPROTOOPT;
	if (err == -ENOPROTOOPT) {
		klen = len > OPT_MAX ? OPT_MAX : (unsigned)len;
		err = pith_sock_ops(f)->getsockopt(f, level, name, val, &klen);
	}
	if (err < 0)
		return err;
	if ((int)klen < len)
		len = klen;
	if (!pith_user_access_ok(uval, len) || !pith_user_writable(uval, len) ||
	    !pith_user_writable(ulen, sizeof(*ulen)))
		return -EFAULT;
	memcpy(uval, val, len);
	memcpy(ulen, &len, sizeof(len));
	return 0;
}
