/* The POSIX file-API suite's case lists, one per source file (posix*.c). */
#ifndef FS_POSIX_H
#define FS_POSIX_H

#include "check.h"

/* The suite's directory, open (the cases run with it as the current directory). */
extern int posix_top;

void posix_file_cases(void);		   /* posix_io.c: open flags, I/O, seek, truncate */
void posix_dir_cases(void);		   /* posix_dirs.c: names, directories, links, cwd */
void posix_meta_cases(void);		   /* posix_meta.c: stat, modes, times, fds, mmap */
void posix_exdev_cases(const char *other); /* posix_dirs.c: a directory on another mount */
void posix_synth_cases(void);		   /* posix_meta.c: /dev, /etc, /proc/self/exe */

#endif
