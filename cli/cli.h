/* The pith command: subcommand entry points and the helpers they share. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stddef.h>

#include <pith/version.h>

/* Each takes the arguments after its subcommand's name and returns pith's exit status. */
int build_cmd__main(int argc, char **argv);
int run_cmd__main(int argc, char **argv);
int inspect_cmd__main(int argc, char **argv);
int disk_cmd__main(int argc, char **argv);
int ps_cmd__main(int argc, char **argv);
int logs_cmd__main(int argc, char **argv);
int stop_cmd__main(int argc, char **argv);
int kill_cmd__main(int argc, char **argv);
int rm_cmd__main(int argc, char **argv);
int pack_cmd__main(int argc, char **argv);

/* Print the full usage text (pith help) on stdout. */
void cli__help(void);

/* Print "pith: <msg>" on stderr; return PITH_EXIT_ERROR. */
int cli__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "pith: <msg>; see 'pith help'" on stderr; return PITH_EXIT_ERROR. */
int cli__usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "<prefix>/<rel>" in buf, where prefix is the folder above the one holding the pith executable
 * (build/bin/pith -> build). Returns 0, or -1 after printing "pith: ..." (no /proc, too long).
 */
int cli__prefix_path(char *buf, size_t len, const char *rel);

#endif
