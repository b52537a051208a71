/*
 * frame.c -- how the host leaves a command early, as mdb does: ^C and the
 * pager's quit longjmp out of the module.
 *
 * mdb runs each dcmd in a "frame" with a jump buffer.  When the user types
 * ^C (SIGINT) or answers the pager's --More-- with q, mdb longjmps back to
 * the frame: the module's frames are skipped, its destructors never run, and
 * mdb goes on with the next command.  A module that holds a lock, a borrow or
 * a half-built cache at that moment is broken from then on.  The host does
 * the same, so that such a module breaks here too:
 *
 *   - host_frame_run() runs a function (a dcmd call or a walk) as a frame;
 *     frames nest, and an abort goes to the innermost one;
 *   - SIGINT longjmps at once when it lands in module code.  When it lands
 *     in the host's own code (an mdb API function, or a callback the host
 *     makes), the abort is held until that code returns to the module:
 *     host_api_leave() performs it.  The module cannot tell the difference,
 *     and the host's own Rust frames are never skipped;
 *   - the pager (Rust side, host_request_abort) asks for an abort in the
 *     middle of mdb_printf; it too happens at host_api_leave().
 *
 * Outside any frame, an abort is only remembered: the command loop takes it
 * with host_take_abort() and stops the pipeline.
 *
 * Test knobs: MDB_HOST_SIGINT_AFTER_READS=N raises SIGINT once, inside the
 * Nth call of mdb_vread of the session (see host_count_read), so that tests
 * can interrupt a scan at a chosen point, deterministically.  With
 * MDB_HOST_SIGINT_DELAY_US=D as well, the Nth read instead starts a timer
 * that sends SIGINT to this thread D microseconds later: it lands wherever
 * the module then is (in its own code, the allocator, a wait for its helper
 * thread), as a user's ^C does.
 */

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

struct frame {
	sigjmp_buf jb;
	struct frame *outer;
};

static struct frame *volatile top;		/* innermost frame, or NULL */
static volatile sig_atomic_t depth;		/* host code entered from a module */
static volatile sig_atomic_t pending;		/* HOST_ABORT_*, not yet performed */
static long reads;				/* mdb_vread calls so far */
static long sigint_after;			/* the test knob, 0 when unset or used */
static long sigint_delay;			/* its delay in microseconds, or 0 */

static void
jump(int why)
{
	pending = HOST_ABORT_NONE;
	siglongjmp(top->jb, why);
}

static void
on_sigint(int sig)
{
	(void) sig;
	if (top != NULL && depth == 0)
		jump(HOST_ABORT_INTR);
	pending = HOST_ABORT_INTR;
}

void
host_frame_init(void)
{
	struct sigaction sa;
	const char *knob = getenv("MDB_HOST_SIGINT_AFTER_READS");

	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	(void) sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGINT, &sa, NULL);
	sigint_after = knob != NULL ? strtol(knob, NULL, 10) : 0;
	knob = getenv("MDB_HOST_SIGINT_DELAY_US");
	sigint_delay = knob != NULL ? strtol(knob, NULL, 10) : 0;
}

/* Send SIGINT to this thread in us microseconds. */
static void
sigint_later(long us)
{
	struct sigevent sev = { 0 };
	struct itimerspec when = { 0 };
	timer_t timer;

	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGINT;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	when.it_value.tv_sec = us / 1000000;
	when.it_value.tv_nsec = (us % 1000000) * 1000;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0)
		(void) timer_settime(timer, 0, &when, NULL);
}

int
host_frame_run(void (*fn)(void *), void *arg)
{
	struct frame f;
	int why;

	f.outer = top;
	/* Saves the signal mask, so that the jump restores it. */
	why = sigsetjmp(f.jb, 1);
	if (why != 0) {
		top = f.outer;
		depth = 0;
		return (why);
	}
	top = &f;
	fn(arg);
	top = f.outer;
	return (HOST_ABORT_NONE);
}

void
host_api_enter(void)
{
	depth++;
}

void
host_api_leave(void)
{
	if (depth > 0)
		depth--;
	if (depth == 0 && top != NULL && pending != HOST_ABORT_NONE)
		jump(pending);
}

void
host_request_abort(int why)
{
	if (pending == HOST_ABORT_NONE)
		pending = why;
}

int
host_abort_pending(void)
{
	return (pending);
}

int
host_take_abort(void)
{
	int why = pending;

	pending = HOST_ABORT_NONE;
	return (why);
}

void
host_count_read(void)
{
	if (sigint_after > 0 && ++reads == sigint_after) {
		sigint_after = 0;
		if (sigint_delay > 0)
			sigint_later(sigint_delay);
		else
			(void) raise(SIGINT);
	}
}
