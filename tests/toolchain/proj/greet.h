/* tests/toolchain/proj: the one function the tiny Makefile project's main calls. */
void greet(const char *who, double x);
