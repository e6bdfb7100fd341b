/* The fd component's private interface between its files (not for other components). */
#ifndef PITH_FD_INTERNAL_H
#define PITH_FD_INTERNAL_H

#include "console/console.h"
#include "fd/fd.h"

/* fd's close-on-exec bit (fd must be open). */
/* Installs the console as fds 0-2 (at boot, from an init hook; host tests call it). */
void pith_fd_init(void);

bool pith_fd_cloexec(int fd);
void pith_fd_set_cloexec(int fd, bool on);

/* Puts f at newfd (a valid number), closing what was there; takes a reference. */
void pith_fd_replace(int newfd, struct pith_file *f, bool cloexec);

/* The file at fd, if open and allowing the direction (a read needs a readable access mode);
   NULL otherwise (EBADF). */
struct pith_file *pith_fd_for(int fd, bool write_side);

#endif
