/*
 * `wakestress ROUNDS [MAX_US]`: the idle loop's wakeup path, many times
 * over, to find a lost wakeup (issue 23, docs/incidents.md). Each round
 * defers a call due in 0..MAX_US, arms the one-shot for it at once, stays
 * busy (interrupts off, as a balloon batch is) for 0..MAX_US, then idles
 * until the call has run. So the timer fires before the idle (its event
 * already pending at the idle's sti), during it, or after it, at every
 * distance. A wakeup that never comes leaves the guest blocked: progress
 * lines stop, and whatever wakes it then (typed input) ends the round
 * late, counted and reported here.
 */
#include <ballast/console.h>
#include <ballast/errno.h>
#include <ballast/parse.h>
#include <ballast/platform.h>
#include <ballast/printk.h>
#include <ballast/shell.h>
#include <ballast/timer.h>

#define MAX_ROUNDS 1000000
#define MAX_SPREAD_US 100000
#define PROGRESS_EVERY 1000

struct stress {
	u64 rounds, done, late, late_max_ns, busy_past, seed;
	u64 ran_at; /* when the call ran: 0 not yet */
};

static u64 next_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void call_ran(void *arg)
{
	((struct stress *)arg)->ran_at = clock_ns();
}

/* One round; returns how late the call ran after it could have. */
static u64 one_round(struct stress *st, u64 spread_ns)
{
	static struct deferred_call call;
	u64 delay = next_rand(&st->seed) % (spread_ns + 1);
	u64 busy = next_rand(&st->seed) % (spread_ns + 1);
	u64 due, busy_end, ran;

	st->ran_at = 0;
	defer_call(&call, delay, call_ran, st);
	due = call.deadline;
	if (platform.set_timer)
		platform.set_timer(due);
	busy_end = clock_ns() + busy;
	while (clock_ns() < busy_end)
		;
	if (busy_end > due)
		st->busy_past++;
	/*
	 * The idle path's sleep without idle_once's cap: idle_once would,
	 * after running the call, sleep on to the next deadline, which is no
	 * lateness of the call.
	 */
	for (;;) {
		run_deferred();
		if (st->ran_at)
			break;
		wait_until(deferred_next_deadline());
	}
	ran = st->ran_at;
	due = MAX(due, busy_end);
	return ran > due ? ran - due : 0;
}

static void report(const struct stress *st, const char *how)
{
	printk("wakestress: %llu of %llu rounds%s, %llu due while busy, %llu late "
	       "(%llu ms or more), latest %llu ms\n",
	       (unsigned long long)st->done, (unsigned long long)st->rounds, how,
	       (unsigned long long)st->busy_past, (unsigned long long)st->late,
	       (unsigned long long)(IDLE_LATE_NS / NSEC_PER_MSEC),
	       (unsigned long long)(st->late_max_ns / NSEC_PER_MSEC));
}

static int cmd_wakestress(int argc, char **argv)
{
	struct stress st = { .seed = 0x9e3779b97f4a7c15ull };
	u64 spread_us = 2000;

	if (argc < 2 || argc > 3)
		return -EINVAL;
	if (parse_u64(argv[1], &st.rounds) || st.rounds < 1 || st.rounds > MAX_ROUNDS) {
		printk("wakestress: error: want 1-%u rounds, not '%s'\n", MAX_ROUNDS, argv[1]);
		return -EIO;
	}
	if (argc == 3 && (parse_u64(argv[2], &spread_us) || spread_us > MAX_SPREAD_US)) {
		printk("wakestress: error: want 0-%u us, not '%s'\n", MAX_SPREAD_US, argv[2]);
		return -EIO;
	}
	if (!platform.clock_ns) {
		printk("wakestress: error: no clock on this platform\n");
		return -EIO;
	}
	while (st.done < st.rounds) {
		u64 late = one_round(&st, spread_us * NSEC_PER_USEC);

		st.done++;
		if (late >= IDLE_LATE_NS) {
			st.late++;
			printk("wakestress: round %llu woke %llu ms late\n",
			       (unsigned long long)st.done,
			       (unsigned long long)(late / NSEC_PER_MSEC));
		}
		st.late_max_ns = MAX(st.late_max_ns, late);
		if (console_interrupted()) {
			report(&st, " (stopped)");
			return 0;
		}
		if (st.done % PROGRESS_EVERY == 0 && st.done < st.rounds)
			report(&st, "");
	}
	report(&st, ", done");
	return 0;
}
SHELL_COMMAND(wakestress, "ROUNDS [MAX_US]",
	      "idle/wakeup stress: ROUNDS one-shot wakeups, 0-MAX_US apart (2000)",
	      cmd_wakestress);
