/*
 * frame.h -- the host's command frames (frame.c): leaving a command early on
 * ^C or a pager quit, the way mdb longjmps out of a module.
 */
#ifndef _HOST_FRAME_H
#define _HOST_FRAME_H

/* Why a frame was left early (host_frame_run's result). */
#define	HOST_ABORT_NONE		0
#define	HOST_ABORT_INTR		1	/* ^C */
#define	HOST_ABORT_PAGER	2	/* q at the pager's prompt */

/* Install the SIGINT handler; read the test knob. */
void host_frame_init(void);
/* Run fn(arg) as a frame: 0 when it returned, else the HOST_ABORT_* reason. */
int host_frame_run(void (*fn)(void *), void *arg);
/* Bracket host code that a module calls (API functions, callbacks). */
void host_api_enter(void);
void host_api_leave(void);
/* Ask for an abort, performed when host code next returns to the module. */
void host_request_abort(int why);
/* The abort asked for and not yet performed (HOST_ABORT_NONE if none). */
int host_abort_pending(void);
/* Take (and clear) it, outside any frame. */
int host_take_abort(void);
/* Count one mdb_vread (the MDB_HOST_SIGINT_AFTER_READS test knob). */
void host_count_read(void);

#endif /* _HOST_FRAME_H */
