#!/usr/bin/perl
# Test helper for tests/lib/suite.sh: run a command under a time limit and record how it ended,
# telling an exit status apart from death by a signal (a shell shows SIGSEGV and exit(139) as 139).
#
# Usage: runcmd.pl STATUSFILE SECONDS CMD [ARGS...]
# STATUSFILE receives one line: "<how> <cpu_ms>". <how> is the exit status (0..255; 127 if CMD
# cannot be run), "sigN" (killed by signal N) or "timeout" (killed after SECONDS). <cpu_ms> is
# the user+sys CPU time of the command and its waited-for children, in milliseconds.
use strict;
use warnings;

my ($statfile, $limit, @cmd) = @ARGV;
die "usage: runcmd.pl STATUSFILE SECONDS CMD [ARGS...]\n" unless @cmd;

my $pid = fork();
die "runcmd.pl: fork: $!\n" unless defined $pid;
if ($pid == 0) {
	open(STDIN, '<', '/dev/null') or die "runcmd.pl: /dev/null: $!\n";
	no warnings 'exec';
	exec { $cmd[0] } @cmd or print STDERR "runcmd.pl: cannot run $cmd[0]: $!\n";
	exit 127;
}

my $timed_out = 0;
local $SIG{ALRM} = sub { $timed_out = 1; kill 'KILL', $pid; };
alarm $limit;
my $waited;
do { $waited = waitpid($pid, 0) } until $waited == $pid || ($waited == -1 && !$!{EINTR});
my $status = $?;
alarm 0;

my (undef, undef, $cuser, $csys) = times();
my $how = $timed_out ? 'timeout' : ($status & 127) ? 'sig' . ($status & 127) : $status >> 8;
open(my $out, '>', $statfile) or die "runcmd.pl: $statfile: $!\n";
printf $out "%s %d\n", $how, ($cuser + $csys) * 1000 + 0.5;
close($out);
