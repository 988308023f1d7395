/*
 * Hard caps of the WASI layer. Everything a host hands to a WASI context
 * (args, environment) and everything a guest asks of it (sleeps, poll
 * subscriptions) is bounded here, so one bad caller cannot make the host
 * allocate or block without end.
 */
#ifndef SCALE_WASI_LIMITS_H
#define SCALE_WASI_LIMITS_H

/** Most argv entries a context holds. */
#define SCALE_WASI_MAX_ARGS 4096u
/** Most bytes of argv strings, terminators included. */
#define SCALE_WASI_MAX_ARGS_BYTES (1024u * 1024u)
/** Most environment variables a context holds. */
#define SCALE_WASI_MAX_ENV 4096u
/** Most bytes of "KEY=VALUE" strings, terminators included. */
#define SCALE_WASI_MAX_ENV_BYTES (1024u * 1024u)
/**
 * Longest sleep one poll_oneoff may block for, in nanoseconds (10 s). A
 * longer clock subscription fires early, as if the time had passed: the
 * runtime's deadline and interrupt cannot reach a thread asleep in the
 * host, so the host must not sleep for as long as a guest likes.
 */
#define SCALE_WASI_MAX_SLEEP_NS (10ull * 1000u * 1000u * 1000u)
/** Most subscriptions one poll_oneoff may pass. */
#define SCALE_WASI_MAX_SUBSCRIPTIONS 4096u

#endif
