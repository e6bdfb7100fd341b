/* Console fds 0-2 as files: stdin at end of file, stdout/stderr to the host; the note. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "console/console.h"
#include "core/core.h"
#include "core/note.h"
#include "fd/fd.h"

PITH_COMPONENT_NOTE(console);

/*
 * The console fds behave as non-terminals: TIOCGWINSZ and every other terminal or driver ioctl
 * fail with ENOTTY, as Linux answers for a pipe or a regular file (the fd layer answers the
 * generic ones).
 */
static const struct pith_file_ops console_ops = {
    .name = "console",
    .readv = NULL, /* stdin is an empty input: always at end of file, no buffer touched */
    .writev = pith_console_writev,
    .mode = S_IFCHR,
};

/*
 * fds 0-2 at boot (the fd table points at these). Static: the console holds one reference of
 * its own forever, so closing every fd never releases them. stdin is read-only, stdout and
 * stderr write-only; poll is always IN|OUT.
 */
#define CONSOLE_FILE(i, mode)                                                                      \
	{                                                                                          \
		.ops = &console_ops, .priv = (void *)(i), .refs = 2, .flags = (mode),              \
		.watchers = {&pith_console_files[i].watchers, &pith_console_files[i].watchers},    \
	}

struct pith_file pith_console_files[3] = {CONSOLE_FILE(0, O_RDONLY), CONSOLE_FILE(1, O_WRONLY),
					  CONSOLE_FILE(2, O_WRONLY)};
