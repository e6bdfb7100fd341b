/* The pipe component's private interface (pipes and eventfds). */
#ifndef PITH_PIPE_H
#define PITH_PIPE_H

#include <stdbool.h>

#include "fd/fd.h"

/* Installs a new file at the lowest fd and drops the creator's reference: the fd or -EMFILE. */
long pith_pipe_install(struct pith_file *f, bool cloexec);

#endif
