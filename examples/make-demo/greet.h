/* The make-demo's one interface: build a greeting. */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

/* Write "Hello, <name>! ..." into buf (at most size bytes); return its length. */
int greet(char *buf, size_t size, const char *name, int count);

#endif
