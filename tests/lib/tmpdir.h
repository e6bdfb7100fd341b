/* Temporary folders for host unit tests: made under /tmp, removed with everything in them. */
#ifndef TESTS_LIB_TMPDIR_H
#define TESTS_LIB_TMPDIR_H

#include <stddef.h>

/* A new folder "/tmp/<prefix>-XXXXXX" in buf (mkdtemp); exits with status 2 if it cannot. */
void tmpdir__make(char *buf, size_t len, const char *prefix);

/* Remove dir and everything under it (symbolic links are removed, never followed). */
void tmpdir__remove(const char *dir);

#endif
