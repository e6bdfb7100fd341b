/* Where pith's companions live: paths relative to the pith executable's own location. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Cut path at its last '/' (dropping the last component); -1 if it has none. */
static int strip_last(char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash)
		return -1;
	*slash = 0;
	return 0;
}

int cli__prefix_path(char *buf, size_t len, const char *rel)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0) {
		cli__error(
		    "cannot find the pith executable (/proc/self/exe): %s; is /proc mounted?",
		    strerror(errno));
		return -1;
	}
	exe[n] = 0;
	if (strip_last(exe) < 0 || strip_last(exe) < 0) {
		cli__error("pith runs from %s, which has no parent folder; install it under a bin/ "
			   "folder",
			   exe);
		return -1;
	}
	if ((size_t)snprintf(buf, len, "%s/%s", exe, rel) >= len) {
		cli__error("the path %s/%s is too long; install pith in a shorter path", exe, rel);
		return -1;
	}
	return 0;
}
