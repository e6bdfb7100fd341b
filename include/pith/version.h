/* The Pith release: shown by `pith --version` and in the guest's uname(2). */
#ifndef PITH_VERSION_H
#define PITH_VERSION_H

#define PITH_VERSION "0.1.0"

#endif
