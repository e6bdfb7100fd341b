/* File descriptors a process hands over: close everything else before it becomes something else. */
#include "fds.h"

#include <sys/syscall.h>
#include <unistd.h>

static void ints__sort(int *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			int t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

void fds__close_except(int *keep, int n)
{
	unsigned from = 3;

	ints__sort(keep, n);
	for (int i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0u, 0);
}
