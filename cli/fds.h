/* File descriptors a process hands over: close everything else before it becomes something else. */
#ifndef CLI_FDS_H
#define CLI_FDS_H

/*
 * Close every fd from 3 up except the n in keep (-1 entries and 0-2 are ignored; keep is sorted
 * in place). close_range(2) does it in a few system calls whatever the number of fds.
 */
void fds__close_except(int *keep, int n);

#endif
