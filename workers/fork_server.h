// The fork server: one process per pool, exec'd by the master like a worker and initialised
// like one (options parsed, profile read, binary loaded and relocated), that then forks every
// worker the master asks for. A fork of this small single-threaded process costs a fraction of
// an exec of wpm-worker (dynamic linking, page faults of a fresh image), which is what
// max_requests recycling pays hundreds of times a second (docs/PERFORMANCE.md, "Recycling").
//
// The workers are forked with CLONE_PARENT: they are the master's children, exactly as exec'd
// ones (SIGCHLD, wait4, rusage, PR_SET_PDEATHSIG and every "parent is the master" check are
// unchanged), and the fork server never has a child to reap.
//
// Protocol (core/fork_request.h) on a SOCK_SEQPACKET socket: a ForkHello once ready, then a
// ForkReply for every ForkRequest. End of file on the socket ends the fork server.
#pragma once

#include <span>

#include "core/options.h"
#include "core/profile.h"

namespace wpm {

// Runs the fork server on options.fork_server_fd until the master closes it; returns the exit
// code (0 on end of file). In a forked worker it never returns: the worker runs run_worker()
// with the request's slot, index and max_requests and exits with its code. `args` is the
// process's argv from "worker" on, overwritten so that ps names the fork server and each
// worker by its own index ("wpm-worker fork-server …", "wpm-worker worker --index 2 …").
int run_fork_server(WorkerOptions options, const Profile* profile, std::span<char* const> args);

// Where glibc keeps the calling thread's kernel thread id (checked against gettid()), or null.
// A raw clone leaves the child's copy at the fork server's id; glibc's own fork rewrites it
// with CLONE_CHILD_SETTID, and so does the fork server (exposed for its unit test).
int* own_thread_id_cell();

}  // namespace wpm
